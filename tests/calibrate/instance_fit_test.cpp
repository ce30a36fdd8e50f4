// The fit of Cloud Run and Azure Functions scenarios from per-request logs: requests in progress per
// instance, the idle gaps of overlapping requests, and a round trip through synthetic logs with known
// parameters (tests/support/request_logs.hpp).
#include "calibrate/instance_fit.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "calibrate/request_log.hpp"
#include "calibrate/validation.hpp"
#include "core/input_error.hpp"
#include "support/request_logs.hpp"

using namespace servesim;
using calibrate::LambdaInvocation;

namespace {

// A request on `instance` from `arrival_s` to `end_s`; the first on its instance when `cold`.
LambdaInvocation request_on(const std::string& instance, double arrival_s, double end_s, bool cold = false) {
  LambdaInvocation c;
  c.stream = instance;
  c.logged_s = end_s;
  c.duration_ms = (end_s - arrival_s) * 1000;
  c.init_ms = cold ? 0 : -1;
  c.file = "r.json";
  return c;
}

double percentile_at(const std::vector<std::pair<double, double>>& points, double pct) {
  for (const auto& [p, v] : points)
    if (p == pct) return v;
  return -1;
}

}  // namespace

TEST_CASE("calibrate::max_in_flight: the most requests in progress on one instance") {
  // a: [0, 1], [0.5, 2], [1, 3]: two at 0.5; at 1 the first ends as the third arrives, still two.
  // b: [0, 1], [1, 2]: back to back, one.
  const std::vector<LambdaInvocation> calls = {request_on("a", 0, 1, true), request_on("a", 0.5, 2),
                                               request_on("a", 1, 3), request_on("b", 0, 1, true),
                                               request_on("b", 1, 2)};
  CHECK(calibrate::max_in_flight(calls) == 2);
  CHECK(calibrate::max_in_flight({calls[3], calls[4]}) == 1);
}

TEST_CASE("calibrate::estimate_keep_alive: overlapping requests leave an instance idle from the latest end") {
  // a: [0, 10] and [1, 2] overlap; the next request at 30 finds it idle since 10 (20 s), not since 2 (28 s).
  const std::vector<LambdaInvocation> calls = {request_on("a", 0, 10, true), request_on("a", 1, 2),
                                               request_on("a", 30, 31)};
  const auto k = calibrate::estimate_keep_alive(calls);
  CHECK(k.reuse_gaps == 1);
  CHECK(k.lower_s == Approx(20));
}

TEST_CASE("calibrate::fit_instances: recovers the parameters of synthetic request logs") {
  // 24 h, warm lognormal mean 120 / p99 400 ms, startup 900 / 1800 ms, instances gone after 600 s idle, one
  // request per instance at a time; gaps as in tests/calibrate/lambda_fit_test.cpp (about 9,100 requests).
  test::RequestLogSpec spec;
  spec.hours = 24;
  spec.long_share = 0.01;
  const test::GeneratedRequests run = test::generate_requests(spec);
  for (const bool json : {true, false}) {
    INFO((json ? "Cloud Run JSON" : "Application Insights CSV"));
    const auto log = json ? calibrate::parse_cloud_run_log(test::cloud_run_json(run), "run.json")
                          : calibrate::parse_app_insights_log(test::app_insights_csv(run), "requests.csv");
    const auto fit = calibrate::fit_instances(calibrate::as_invocations(log));
    CHECK(fit.requests == run.requests.size());
    CHECK(fit.instances == static_cast<size_t>(run.instances));
    CHECK(fit.cold == static_cast<size_t>(run.instances));
    CHECK(fit.max_in_flight == 1);
    // Warm: as in lambda_fit_test, the median 120 exp(-s^2/2) = 100.6 ms (s = 0.5932) within five standard
    // errors of the sample median in log space (1.2533 s / sqrt(n)), the 99th percentile 400 ms within five
    // (sqrt(0.0099 / n) / phi(2.3263) x s).
    const double s_warm = test::lognormal_sigma(120, 400);
    const double n_warm = static_cast<double>(fit.warm);
    REQUIRE(n_warm > 5000);
    CHECK(percentile_at(fit.warm_ms, 50) ==
          Approx(120 * std::exp(-s_warm * s_warm / 2)).epsilon(5 * 1.2533 * s_warm / std::sqrt(n_warm)));
    CHECK(percentile_at(fit.warm_ms, 99) ==
          Approx(400).epsilon(5 * std::sqrt(0.99 * 0.01 / n_warm) / 0.026652 * s_warm));
    // Cold-start extra: mean(first-request latency) - mean(warm latency) estimates the startup's mean,
    // 900 ms. Its variance is (var C + var W) / n_cold + var W / n_warm with a lognormal's variance
    // mean^2 (exp(s^2) - 1): var C = 900^2 (exp(0.3199^2) - 1) = 87,240 ms^2 and var W = 120^2
    // (exp(0.5932^2) - 1) = 6,074 ms^2. Five standard errors are allowed.
    const double s_cold = test::lognormal_sigma(900, 1800);
    const double var_c = 900.0 * 900.0 * (std::exp(s_cold * s_cold) - 1);
    const double var_w = 120.0 * 120.0 * (std::exp(s_warm * s_warm) - 1);
    CHECK(var_c == Approx(87240).epsilon(0.01));
    CHECK(var_w == Approx(6074).epsilon(0.01));
    const double n_cold = static_cast<double>(fit.cold);
    REQUIRE(n_cold > 100);
    const double se = std::sqrt((var_c + var_w) / n_cold + var_w / n_warm);
    CHECK(fit.cold_extra_mean_ms == Approx(900).margin(5 * se));
    // Idle lifetime 600 s: as for Lambda, every reuse gap below and every gone-by time above it (up to the
    // stamps' microsecond); the nearest long gaps are about 17 s away on either side, the midpoint within 30
    // s.
    CHECK(fit.keep_alive.disagreeing == 0);
    CHECK(fit.keep_alive.lower_s <= 600.001);
    CHECK(fit.keep_alive.upper_s >= 599.999);
    CHECK(fit.keep_alive.estimate_s == Approx(600).margin(30));
  }
}

TEST_CASE("calibrate::fit_instances: concurrency shows as requests in progress on one instance") {
  // Bursts of 6 requests at once reach an instance with room for 4: it takes 4 of them at once.
  test::RequestLogSpec spec;
  spec.hours = 2;
  spec.concurrency = 4;
  const auto run = test::generate_requests(spec);
  const auto fit = calibrate::fit_instances(
      calibrate::as_invocations(calibrate::parse_cloud_run_log(test::cloud_run_json(run), "run.json")));
  CHECK(fit.max_in_flight == 4);
  calibrate::InstanceScenarioOptions options;
  options.trace = "requests.csv";
  const auto scenario = calibrate::cloud_run_scenario(fit, options);
  CHECK(scenario["candidates"][0]["concurrency"] == 4);
  CHECK(scenario["candidates"][0]["platform"] == "gcp-cloud-run");
  const auto azure = calibrate::azure_functions_scenario(fit, options);
  CHECK(azure["candidates"][0]["plan"] == "flex");
  CHECK(azure["candidates"][0]["flex_http_concurrency"] == 4);
}

TEST_CASE("calibrate::fit_instances: logs it cannot fit are refused") {
  std::vector<LambdaInvocation> calls = {request_on("a", 0, 1, true)};
  for (int i = 1; i < 10; ++i) calls.push_back(request_on("a", i * 2, i * 2 + 1));
  CHECK_THROWS_WITH(
      calibrate::fit_instances(calls),
      "r.json: expected at least 10 warm requests (not the first on their instance) in the part the "
      "fit uses, got 9");
}

TEST_CASE("calibrate::observed_peak_busy: overlapping requests on one instance count once") {
  // Instance a serves [0, 30] and [10, 60] (busy 0..60: one instance for the whole minute); b serves
  // [0, 15] (a quarter of it). The busy-instance mean over [0, 60] is (60 + 15) / 60 = 1.25, not the
  // (30 + 50 + 15) / 60 = 1.583 requests in progress.
  const std::vector<LambdaInvocation> calls = {request_on("a", 0, 30, true), request_on("a", 10, 60),
                                               request_on("b", 0, 15, true)};
  CHECK(calibrate::observed_peak_busy(calls, 0, 0, 60, 60) == Approx(1.25));
}
