// Rate traces with other intervals than a second (per-minute counts, as the Azure Functions 2019 trace
// publishes them) and with fractional rates (requests/s as decimals, as a Prometheus rate() series gives
// them): counts, placement inside each interval, windows, gaps and bad values, checked against the counts
// written into the trace and Poisson/uniform statistics, never against the code's own output.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "sim/arrival_source.hpp"
#include "support/trace_files.hpp"

namespace {
using namespace servesim;
using sim::WorkloadSpec;

struct IntervalTraceDir : test::TraceDir {
  IntervalTraceDir() : TraceDir("intervals") {}
};

std::vector<double> interval_arrivals(const WorkloadSpec& spec, uint64_t seed = 5) {
  auto source = sim::make_arrival_source(spec, seed);
  std::vector<double> times;
  double t = 0;
  while (source->next(t)) times.push_back(t);
  return times;
}

// Arrivals per bin of `width` seconds over [0, bins x width).
std::vector<int> per_bin(const std::vector<double>& times, double width, size_t bins) {
  std::vector<int> counts(bins, 0);
  for (const double t : times) {
    REQUIRE(t >= 0);
    const size_t k = static_cast<size_t>(t / width);
    REQUIRE(k < bins);
    ++counts[k];
  }
  return counts;
}

std::string repeated(const std::string& token, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += token;
  return out;
}

std::string interval_error(const WorkloadSpec& spec) {
  try {
    (void)interval_arrivals(spec);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("sim::RateTraceSource: per-minute counts place each minute's count inside that minute") {
  IntervalTraceDir dir;
  WorkloadSpec spec = test::rate_trace(dir.write("per-minute.txt", "120 0 30"));
  spec.interval_s = 60;
  const auto times = interval_arrivals(spec);
  REQUIRE(std::is_sorted(times.begin(), times.end()));
  CHECK(per_bin(times, 60, 3) == std::vector<int>{120, 0, 30});
  CHECK(sim::count_arrivals(spec, 5) == 150);

  SECTION("the window is whole minutes, given in seconds, and restarts the clock") {
    spec.start_s = 120;
    CHECK(per_bin(interval_arrivals(spec), 60, 1) == std::vector<int>{30});
    spec.start_s = 0;
    spec.duration_s = 60;
    CHECK(per_bin(interval_arrivals(spec), 60, 1) == std::vector<int>{120});
    spec.duration_s = -1;
    spec.start_s = 30;
    CHECK(interval_error(spec) ==
          spec.path +
              ": start_s must be a whole number of intervals (interval_s 60) >= 0 for a "
              "rate trace, got 30");
    spec.start_s = 240;
    CHECK(interval_error(spec) == spec.path + ": start_s 240 is beyond the end of the trace (180 s)");
  }
  SECTION("time compression 2 replays a minute in 30 s") {
    spec.time_compression = 2;
    CHECK(per_bin(interval_arrivals(spec), 30, 3) == std::vector<int>{120, 0, 30});
  }
}

TEST_CASE("sim::RateTraceSource: arrivals within a minute are uniform over it") {
  IntervalTraceDir dir;
  const int n = 10000;
  WorkloadSpec spec = test::rate_trace(dir.write("one-minute.txt", std::to_string(n)));
  spec.interval_s = 60;
  const auto times = interval_arrivals(spec);
  REQUIRE(times.size() == static_cast<size_t>(n));
  double ks = 0;  // Kolmogorov-Smirnov distance of t / 60 to U(0, 1)
  for (int i = 0; i < n; ++i) {
    const double u = times[i] / 60;
    ks = std::max({ks, (i + 1.0) / n - u, u - static_cast<double>(i) / n});
  }
  CHECK(ks < 1.628 / std::sqrt(n));  // the 1% critical value
}

TEST_CASE("sim::RateTraceSource: fractional rates in requests/s have the exact mean") {
  IntervalTraceDir dir;
  SECTION("0.25 requests/s for 4,000 s: 0 or 1 per second, 1,000 in all within 4 standard errors") {
    WorkloadSpec spec = test::rate_trace(dir.write("quarter.txt", repeated("0.25 ", 4000)));
    spec.values_are_rates = true;
    const auto counts = per_bin(interval_arrivals(spec), 1, 4000);
    double total = 0;
    for (const int c : counts) {
      REQUIRE((c == 0 || c == 1));
      total += c;
    }
    // Each second is Bernoulli(0.25): sigma sqrt(4000 x 0.25 x 0.75) = 27.4.
    CHECK(std::fabs(total - 1000) < 4 * std::sqrt(4000 * 0.25 * 0.75));
  }
  SECTION("a rate over a 15-s interval: 0.4 requests/s x 15 s = 6 per interval, exactly") {
    WorkloadSpec spec = test::rate_trace(dir.write("scrape.txt", "0.4 1.2e-1 4"));
    spec.values_are_rates = true;
    spec.interval_s = 15;
    const auto counts = per_bin(interval_arrivals(spec), 15, 3);
    CHECK(counts[0] == 6);
    CHECK((counts[1] == 1 || counts[1] == 2));  // 0.12 x 15 = 1.8: 1 or 2
    CHECK(counts[2] == 60);
  }
  SECTION("scale multiplies the rate") {
    WorkloadSpec spec = test::rate_trace(dir.write("scaled.txt", "0.5 0.5"));
    spec.values_are_rates = true;
    spec.interval_s = 60;
    spec.scale = 3;
    CHECK(sim::count_arrivals(spec, 1) == 180);  // 0.5 x 60 x 3 x 2 minutes
  }
}

TEST_CASE("sim::RateTraceSource: gaps are counted in seconds whatever the interval") {
  IntervalTraceDir dir;
  // Minutes 0-1: 60 each; minutes 2-11: zeros (600 s, a gap at gap_min_s 600); minute 12: 30.
  WorkloadSpec spec = test::rate_trace(dir.write("gap.txt", "60 60 " + repeated("0 ", 10) + "30"));
  spec.interval_s = 60;
  spec.gap_min_s = 600;
  SECTION("skip removes the ten minutes from the time axis") {
    spec.gaps = sim::GapPolicy::skip;
    CHECK(per_bin(interval_arrivals(spec), 60, 3) == std::vector<int>{60, 60, 30});
  }
  SECTION("fill replays the last minute before the gap") {
    spec.gaps = sim::GapPolicy::fill;
    const auto counts = per_bin(interval_arrivals(spec), 60, 13);
    for (size_t m = 2; m < 12; ++m) CHECK(counts[m] == 60);
  }
  SECTION("a shorter zero run is not a gap") {
    spec.gap_min_s = 601;
    spec.gaps = sim::GapPolicy::skip;
    CHECK(sim::count_arrivals(spec, 1) == 150);
    CHECK(per_bin(interval_arrivals(spec), 60, 13)[12] == 30);
  }
}

TEST_CASE("sim::RateTraceSource: a value that is not a rate is refused with its place") {
  IntervalTraceDir dir;
  WorkloadSpec spec = test::rate_trace(dir.write("bad.txt", "0.5 -1"));
  spec.values_are_rates = true;
  spec.interval_s = 60;
  CHECK(interval_error(spec) == spec.path +
                                    ": token 2 (value 2, from 60 s): expected a rate, a non-negative decimal "
                                    "number [requests/s], got '-1'");
  spec.path = dir.write("word.txt", "1 fast");
  spec.interval_s = 1;
  CHECK(interval_error(spec) ==
        spec.path +
            ": token 2 (second 2): expected a rate, a non-negative decimal number [requests/s], got 'fast'");
  // Counts stay integers: a decimal in a count trace is refused as before.
  WorkloadSpec counts = test::rate_trace(dir.write("decimal.txt", "1 2.5"));
  CHECK(interval_error(counts) ==
        counts.path + ": token 2 (second 2): expected a non-negative integer, got '2.5'");
}
