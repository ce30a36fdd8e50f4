// The one SLO rule (sim/slo.hpp) and the percentages shown next to its target.
#include "sim/slo.hpp"

#include <catch2/catch.hpp>

using servesim::sim::CandidateResult;
using servesim::sim::judge_slo;
using servesim::sim::percent_text;
using servesim::sim::SloSpec;

namespace {

// 1,000 arrivals, `within` of them served within 100 ms (at 50 ms), `slow` served at 400 ms, the rest lost.
CandidateResult result(uint64_t within, uint64_t slow) {
  CandidateResult r;
  r.requests.arrived = 1000;
  r.requests.served = within + slow;
  r.requests.served_within_slo = within;
  r.requests.throttled = 1000 - within - slow;
  for (uint64_t i = 0; i < within; ++i) r.latency.add(0.050);
  for (uint64_t i = 0; i < slow; ++i) r.latency.add(0.400);
  return r;
}

}  // namespace

TEST_CASE(
    "sim::judge_slo: attainment counts every arrival, and the p99 of the served must be within the SLO") {
  SloSpec slo;
  slo.p99_ms = 100;
  SECTION("990 of 1,000 within 100 ms, 10 throttled: exactly the 0.99 target, met") {
    const auto out = judge_slo(result(990, 0), slo);
    CHECK(out.attainment == Approx(0.99));
    CHECK(out.met);
  }
  SECTION("989 within, 11 throttled: 98.9% < 99%, not met although every served request was fast") {
    const auto out = judge_slo(result(989, 0), slo);
    CHECK(out.p99_ms < 100);
    CHECK_FALSE(out.met);
  }
  SECTION("a target of 0.95 accepts the same run") {
    slo.attainment_target = 0.95;
    CHECK(judge_slo(result(989, 0), slo).met);
  }
  SECTION("980 fast + 20 slow of 1,000 served: attainment 0.98 and p99 400 ms, not met") {
    const auto out = judge_slo(result(980, 20), slo);
    CHECK(out.p99_ms > 100);
    CHECK_FALSE(out.met);
  }
  SECTION("a candidate that served nothing never meets the SLO, even with a target of 0") {
    slo.attainment_target = 0;
    CHECK_FALSE(judge_slo(result(0, 0), slo).met);
  }
}

TEST_CASE("sim::percent_text: shares never round into a contradiction") {
  CHECK(percent_text(0.312) == "31%");
  CHECK(percent_text(0.012) == "1.2%");
  CHECK(percent_text(1.0) == "100%");
  CHECK(percent_text(0.0) == "0%");
  // Below one, never "100%"; above zero, never "0%".
  CHECK(percent_text(0.9998) == "99.98%");
  CHECK(percent_text(0.99999) == "99.999%");
  CHECK(percent_text(0.000004) == "0.00040%");  // two significant digits
  // Below the threshold, never equal to it: 0.987 against 0.99 reads 98.7%, 0.9899 reads 98.99%.
  CHECK(percent_text(0.987, 0.99) == "98.7%");
  CHECK(percent_text(0.9899, 0.99) == "98.99%");
  CHECK(percent_text(0.995, 0.99) == "99.5%");
}
