// The fit of a Lambda scenario from REPORT records: quantiles, the censored keep-alive estimate on hand-made
// streams, refusals, and a round trip through synthetic logs with known parameters.
#include "calibrate/lambda_fit.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "calibrate/lambda_log.hpp"
#include "core/input_error.hpp"
#include "support/lambda_logs.hpp"

using namespace servesim;
using calibrate::LambdaInvocation;

namespace {

// One invocation of `stream` that arrived at `arrival_s` and ran `duration_ms` (a cold start with init_ms).
LambdaInvocation call(const std::string& stream, double arrival_s, double duration_ms, double init_ms = -1) {
  LambdaInvocation c;
  c.stream = stream;
  c.request_id = "r";
  c.duration_ms = duration_ms;
  c.init_ms = init_ms;
  c.logged_s = arrival_s + ((init_ms > 0 ? init_ms : 0) + duration_ms) / 1000;
  c.billed_ms = std::ceil((init_ms > 0 ? init_ms : 0) + duration_ms);
  c.memory_mb = 1024;
  c.max_memory_used_mb = 100;
  c.file = "f.log";
  return c;
}

}  // namespace

TEST_CASE("calibrate::quantile_sorted: linear between order statistics") {
  const std::vector<double> v = {10, 20, 30, 40, 50};
  CHECK(calibrate::quantile_sorted(v, 0) == 10);
  CHECK(calibrate::quantile_sorted(v, 1) == 50);
  CHECK(calibrate::quantile_sorted(v, 0.5) == 30);
  // q = 0.9: position 0.9 x 4 = 3.6, between 40 and 50: 46.
  CHECK(calibrate::quantile_sorted(v, 0.9) == Approx(46));
}

TEST_CASE("calibrate::estimate_keep_alive: reuse gaps bound it below, later cold starts above") {
  SECTION("one environment reused after 99.9 s, gone 699.9 s after its last use") {
    // a: arrives 0 (cold, 100 ms init + 100 ms), ends 0.2; reused at 100.1 (gap 99.9 s), ends 100.2.
    // b: a cold start at 800.1 while a had been idle 699.9 s: a was gone, so K < 699.9.
    const std::vector<LambdaInvocation> calls = {call("a", 0, 100, 100), call("a", 100.1, 100),
                                                 call("b", 800.1, 100, 100)};
    const auto k = calibrate::estimate_keep_alive(calls);
    CHECK(k.reuse_gaps == 1);
    CHECK(k.gone_bounds == 1);  // b's own last use has no later cold start
    CHECK(k.lower_s == Approx(99.9));
    CHECK(k.upper_s == Approx(699.9));
    CHECK(k.disagreeing == 0);
    CHECK(k.estimate_s == Approx((99.9 + 699.9) / 2));
  }
  SECTION("without a later cold start it is the largest reuse gap, a lower bound, or a prior above it") {
    const std::vector<LambdaInvocation> calls = {call("a", 0, 100, 100), call("a", 50.2, 100),
                                                 call("a", 250.3, 100)};
    const auto k = calibrate::estimate_keep_alive(calls);
    CHECK(k.is_lower_bound_only());
    CHECK(k.estimate_s == Approx(200));  // 250.3 - 50.3
    CHECK(calibrate::estimate_keep_alive(calls, 600).estimate_s == 600);
    CHECK(calibrate::estimate_keep_alive(calls, 100).estimate_s ==
          Approx(200));  // a prior below the bound: no
  }
  SECTION("an observation on the wrong side is outvoted") {
    // Reuse gaps 100, 200, 300 s (a, lower bounds); gone-by times 400 and 500 s (c and d, upper bounds); and
    // one more gone-by time of 150 s (e) that contradicts the reuse gaps of 200 and 300 s. Thresholds between
    // 300 and 400 s disagree with e alone; the estimate is their midpoint, 350 s.
    std::vector<LambdaInvocation> calls = {call("a", 0, 0.5, 1), call("a", 100.0015, 0.5),
                                           call("a", 300.002, 0.5), call("a", 600.0025, 0.5)};
    calls.push_back(call("e", 1000, 0.5, 1));       // e ends at 1000.0015
    calls.push_back(call("f", 1150.0015, 0.5, 1));  // a cold start 150 s after e's end (and 550 s after a's)
    calls.push_back(call("c", 3000, 0.5, 1));       // c ends 3000.0015
    calls.push_back(call("g", 3400.0015, 0.5, 1));  // 400 s after c
    calls.push_back(call("d", 5000, 0.5, 1));
    calls.push_back(call("h", 5500.0015, 0.5, 1));  // 500 s after d
    const auto k = calibrate::estimate_keep_alive(calls);
    CHECK(k.lower_s == Approx(300));
    CHECK(k.upper_s == Approx(150));
    CHECK(k.disagreeing == 1);
    CHECK(k.estimate_s == Approx(350));
  }
}

TEST_CASE("calibrate::fit_lambda: billing rules from Billed Duration") {
  std::vector<LambdaInvocation> calls;
  for (int i = 0; i < 10; ++i) calls.push_back(call("a", i, 10));  // billed ceil(10) = 10 ms
  calls.push_back(call("b", 20, 10, 500));                         // billed 510 >= 500 + 10: init billed
  auto fit = calibrate::fit_lambda(calls);
  CHECK(fit.billing_granularity_ms == 1);
  CHECK(fit.bills_init == 1);
  // Before December 2020 Lambda rounded up to 100 ms and billed no init: 10 ms -> 100, cold 10 ms -> 100.
  for (auto& c : calls) c.billed_ms = 100;
  fit = calibrate::fit_lambda(calls);
  CHECK(fit.billing_granularity_ms == 100);
  CHECK(fit.bills_init == 0);
  calls.pop_back();
  CHECK(calibrate::fit_lambda(calls).bills_init == -1);  // no cold start: not seen
}

TEST_CASE("calibrate::fit_lambda: logs it cannot fit are refused") {
  std::vector<LambdaInvocation> calls;
  for (int i = 0; i < 9; ++i) calls.push_back(call("a", i, 10));
  CHECK_THROWS_WITH(
      calibrate::fit_lambda(calls),
      "f.log: expected at least 10 warm invocations (REPORT lines without Init Duration) in the part "
      "the fit uses, got 9");
  calls.push_back(call("a", 10, 10));
  calls.back().memory_mb = 2048;
  CHECK_THROWS_WITH(
      calibrate::fit_lambda(calls),
      "f.log: expected one Memory Size in the logs of one calibration (calibrate each configuration "
      "apart), got 1024, 2048 MB");
}

// Round trip: logs written with known parameters (tests/support/lambda_logs.hpp) are fitted back.
TEST_CASE("calibrate::fit_lambda: recovers the parameters of synthetic logs") {
  // Warm lognormal mean 120 / p99 400 ms, init 900 / 1800 ms, K = 600 s; 24 h of gaps that are exponential
  // (mean 2 s) or, one in a hundred, uniform in (0, 1500 s): about 86,400 / (0.99 x 2 + 0.01 x 750) = 9,100
  // requests, plus 6 every 15 min.
  test::LambdaLogSpec spec;
  spec.hours = 24;
  spec.long_share = 0.01;
  const auto calls = calibrate::parse_lambda_log(test::lambda_logs(spec), "synthetic.log");
  const auto fit = calibrate::fit_lambda(calls);
  const auto at = [](const auto& points, double pct) {
    for (const auto& [p, v] : points)
      if (p == pct) return v;
    return -1.0;
  };
  // Warm: sigma s = 2.3263 - sqrt(2.3263^2 - 2 ln(400/120)) = 0.5932, median = 120 exp(-s^2/2) = 100.6 ms and
  // the 99th percentile 400 ms. In log space the sample q-quantile's standard error is
  // sqrt(q (1 - q) / n) / phi(z_q) x s (phi the standard normal density): 1.2533 s / sqrt(n) for the median,
  // sqrt(0.0099 / n) / 0.026652 x s for the 99th percentile; five standard errors are allowed, as relative
  // errors.
  const double s_warm = test::lognormal_sigma(120, 400);
  CHECK(s_warm == Approx(0.5932).epsilon(1e-3));
  const double n_warm = static_cast<double>(fit.warm);
  REQUIRE(n_warm > 5000);
  const double median_warm = 120 * std::exp(-s_warm * s_warm / 2);
  CHECK(median_warm == Approx(100.6).epsilon(1e-3));
  CHECK(at(fit.warm_ms, 50) == Approx(median_warm).epsilon(5 * 1.2533 * s_warm / std::sqrt(n_warm)));
  const double se_p99 = std::sqrt(0.99 * 0.01 / n_warm) / 0.026652 * s_warm;  // phi(2.3263) = 0.026652
  CHECK(at(fit.warm_ms, 99) == Approx(400).epsilon(5 * se_p99));
  // Init: s = 0.3199, median 900 exp(-s^2/2) = 855.1 ms, from the cold starts only.
  const double s_init = test::lognormal_sigma(900, 1800);
  const double n_init = static_cast<double>(fit.cold_init);
  REQUIRE(n_init > 100);
  CHECK(at(fit.init_ms, 50) ==
        Approx(900 * std::exp(-s_init * s_init / 2)).epsilon(5 * 1.2533 * s_init / std::sqrt(n_init)));
  // Keep-alive 600 s: every reuse gap is below it and every gone-by time above it (the generator reuses an
  // idle environment whenever one is alive), up to the 1 ms of the logged timestamps. The long gaps are
  // uniform over 1,500 s, about 0.01 x 9,100 = 91 of them, 0.06 per second of gap length, so the nearest
  // observations on either side of 600 s are about 17 s away: the estimate, their midpoint, is within 30 s.
  CHECK(fit.keep_alive.disagreeing == 0);
  CHECK(fit.keep_alive.lower_s <= 600.002);
  CHECK(fit.keep_alive.upper_s >= 599.998);
  CHECK(fit.keep_alive.estimate_s == Approx(600).margin(30));
  CHECK(fit.memory_mb == 1024);
  CHECK(fit.billing_granularity_ms == 1);  // the generator rounds up to 1 ms ...
  CHECK(fit.bills_init == 1);              // ... and bills the init
  CHECK(fit.max_memory_used_mb <= 190);    // 150 + 40 x U[0, 1), floored
  CHECK(fit.max_memory_used_mb >= 185);
}
