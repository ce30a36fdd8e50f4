// A rate trace's "tokens": each arrival's input and output drawn from the workload's distributions, from
// their own random stream, so the arrival times are those of the same trace without them; a histogram
// distribution (the form servesim calibrate writes from vLLM's token histograms) drawn uniformly within its
// buckets.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "sim/arrival_source.hpp"
#include "support/trace_files.hpp"

using servesim::sim::Distribution;
using servesim::sim::make_arrival_source;
using servesim::sim::WorkloadSpec;

namespace {

struct RateTokensTraceDir : servesim::test::TraceDir {
  RateTokensTraceDir() : TraceDir("rate-tokens") {}
};

}  // namespace

TEST_CASE("sim::RateTraceSource: tokens drawn per arrival, arrival times unchanged") {
  RateTokensTraceDir dir;
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "20\n";  // 40,000 arrivals
  WorkloadSpec plain = servesim::test::rate_trace(dir.write("r.txt", text));
  WorkloadSpec with_tokens = plain;
  with_tokens.has_token_distributions = true;
  // Input: 3 in 4 uniform on (0, 100], 1 in 4 on (1000, 2000] (the empty (100, 1000] jumped over):
  // mean 0.75 x 50 + 0.25 x 1500 = 412.5 tokens. Output: constant 7.
  with_tokens.input_tokens = Distribution::histogram({0, 100, 1000, 2000}, {3, 0, 1});
  with_tokens.output_tokens = Distribution::constant(7);
  CHECK(with_tokens.input_tokens.mean_s() == Approx(412.5));
  auto a = make_arrival_source(plain, 9);
  auto b = make_arrival_source(with_tokens, 9);
  double ta = 0, tb = 0, sum = 0, n = 0, in_gap = 0, above = 0;
  while (a->next(ta)) {
    REQUIRE(b->next(tb));
    REQUIRE(ta == tb);
    CHECK_FALSE(a->tokens().known());
    const auto tokens = b->tokens();
    CHECK(tokens.output == 7);
    REQUIRE(tokens.input >= 1);
    REQUIRE(tokens.input <= 2000);
    if (tokens.input > 100 && tokens.input < 1000) ++in_gap;
    if (tokens.input > 1000) ++above;
    sum += tokens.input;
    ++n;
  }
  CHECK_FALSE(b->next(tb));
  CHECK(n == 40000);
  CHECK(in_gap == 0);
  // The share above 1,000 is binomial(40,000, 0.25): sd 0.0022; the mean's sd is about
  // sqrt(0.75 x 29^2 + 0.25 x 289^2 + 0.1875 x 1450^2) / sqrt(40,000) = 3.2 tokens (mixture variance);
  // within 5 sd of 0.25 and 412.5 (rounding to whole tokens moves the mean by under 0.5).
  CHECK(above / n == Approx(0.25).margin(5 * 0.0022));
  CHECK(sum / n == Approx(412.5).margin(5 * 3.2 + 0.5));
}
