// Azure Functions host.json extensions.http limits (platforms/azure_functions/azure-functions.json):
// maxOutstandingRequests refuses a request with HTTP 429 once an instance holds that many, in progress and
// queued; maxConcurrentRequests caps the requests an instance runs at once. Numbers worked by hand.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "support/sim_harness.hpp"

using servesim::test::constant_ms;
using servesim::test::scenario_from;
using servesim::test::simulate;
using servesim::test::TempDir;
using servesim::test::trace_at;

namespace {

// Consumption, no cold-start work (runtime init and model 0), requests of 10 s at the given times.
nlohmann::json http_limit_scenario(const TempDir& dir, const std::vector<double>& times_s,
                                   const nlohmann::json& settings) {
  nlohmann::json fn = {{"plan", "consumption"}, {"http_concurrency", 1}};
  for (const auto& [k, v] : settings.items()) fn[k] = v;
  return servesim::test::one_candidate_scenario(
      {"azure-functions", "fn", 17, 1}, trace_at(dir, times_s),
      {{"warm", constant_ms(10000)}, {"cold_start", {{"runtime_init", constant_ms(0)}}}}, fn);
}

}  // namespace

TEST_CASE(
    "platforms::AzureFunctionsModel: maxOutstandingRequests answers 429 beyond the per-instance limit") {
  TempDir dir;
  // One instance (max 1), concurrency 1, three requests at 0 s. The first starts the instance and runs
  // 0-10 s; the second waits (1 held < 2 x 1 instance) and runs 10-20 s; the third finds 2 held = 2 x 1:
  // HTTP 429 at once.
  auto doc = http_limit_scenario(dir, {0, 0, 0},
                                 {{"consumption_max_instances", 1}, {"http_max_outstanding_requests", 2}});
  SECTION("no client retries: the third is throttled") {
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.arrived == 3);
    CHECK(r.requests.served == 2);
    CHECK(r.requests.throttled == 1);
    CHECK(r.requests.queued == 1);
    CHECK(r.latency.max_s() == Approx(20.0).margin(1e-6));
  }
  SECTION("one client retry: backoff at most 100 ms, still 2 held, refused again") {
    doc["client"] = {{"max_retries", 1}, {"backoff_base_ms", 100}, {"backoff_max_ms", 100}};
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.served == 2);
    CHECK(r.requests.throttled == 1);
    CHECK(r.requests.retries == 1);
  }
  SECTION("-1 (unbounded): all three wait their turn, the last ends at 30 s") {
    doc["candidates"][0]["http_max_outstanding_requests"] = -1;
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.served == 3);
    CHECK(r.requests.throttled == 0);
    CHECK(r.requests.queued == 2);
    CHECK(r.latency.max_s() == Approx(30.0).margin(1e-6));
  }
}

TEST_CASE("platforms::AzureFunctionsModel: maxOutstandingRequests counts starting instances") {
  TempDir dir;
  // Two instances at most, no pace between starts, concurrency 1, limit 2 per instance. Five requests at
  // 0 s: the first two start one instance each (starting, each holding 1); the third and fourth wait
  // (2 then 3 held < 2 x 2 instances); the fifth finds 4 held = 2 x 2: 429. Served: two 0-10 s, two 10-20 s.
  const auto doc = http_limit_scenario(
      dir, {0, 0, 0, 0, 0},
      {{"consumption_max_instances", 2}, {"scale_out_interval_s", 0}, {"http_max_outstanding_requests", 2}});
  const auto r = simulate(scenario_from(doc)).results.at(0);
  CHECK(r.requests.served == 4);
  CHECK(r.requests.throttled == 1);
  CHECK(r.requests.cold_starts == 2);
  CHECK(r.latency.mean_s() == Approx((10.0 + 10 + 20 + 20) / 4).margin(1e-6));
}

TEST_CASE("platforms::AzureFunctionsModel: maxConcurrentRequests caps the requests an instance runs") {
  TempDir dir;
  // One instance, http_concurrency 2, two requests of 10 s (one vCPU's work) at 0 s. Together they share the
  // one vCPU and both end at 20 s (mean 20 s); with maxConcurrentRequests 1 they run one after the other,
  // ending at 10 and 20 s (mean 15 s).
  auto doc = http_limit_scenario(dir, {0, 0}, {{"consumption_max_instances", 1}, {"http_concurrency", 2}});
  CHECK(simulate(scenario_from(doc)).results.at(0).latency.mean_s() == Approx(20.0).margin(1e-6));
  doc["candidates"][0]["http_max_concurrent_requests"] = 1;
  const auto r = simulate(scenario_from(doc)).results.at(0);
  CHECK(r.latency.mean_s() == Approx(15.0).margin(1e-6));
  CHECK(r.requests.throttled == 0);
}

TEST_CASE("platforms::AzureFunctionsModel: host.json http limits reject 0 and values below -1") {
  TempDir dir;
  const auto doc = http_limit_scenario(dir, {0}, nlohmann::json::object());
  auto error_for = [&](const std::string& key, double value) {
    auto d = doc;
    d["candidates"][0][key] = value;
    try {
      servesim::platforms::make_candidates(scenario_from(d));
    } catch (const servesim::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(
      error_for("http_max_outstanding_requests", 0),
      Catch::Contains("/candidates/0/http_max_outstanding_requests: expected -1 (unbounded) or at least 1 "
                      "requests, got 0"));
  CHECK_THAT(
      error_for("http_max_concurrent_requests", 0),
      Catch::Contains("/candidates/0/http_max_concurrent_requests: expected -1 (unbounded) or at least 1 "
                      "requests, got 0"));
  CHECK_THAT(
      error_for("http_max_outstanding_requests", -2),
      Catch::Contains("/candidates/0/http_max_outstanding_requests: expected -1..1000000 requests, got -2"));
}

TEST_CASE("platforms::AzureFunctionsModel: on Consumption, host.json's default 200 outstanding applies") {
  // Azure's documented default on the Consumption plan: maxOutstandingRequests 200 per instance. One
  // instance, concurrency 1, 202 requests of 10 s at 0 s: the first runs, 199 wait (200 held), the 201st and
  // 202nd find 200 held = 200 x 1 instance and are refused with 429. Every waiting request is either served
  // or times out at the 230 s HTTP cap; none is lost.
  TempDir dir;
  const std::vector<double> at_zero(202, 0.0);
  auto doc = http_limit_scenario(dir, at_zero, {{"consumption_max_instances", 1}});
  const auto r = simulate(scenario_from(doc)).results.at(0);
  CHECK(r.requests.arrived == 202);
  CHECK(r.requests.throttled == 2);
  CHECK(r.requests.served + r.requests.timed_out == 200);
  // The candidate's own value replaces the plan's default: 300 holds all 202.
  doc["candidates"][0]["http_max_outstanding_requests"] = 300;
  const auto all = simulate(scenario_from(doc)).results.at(0);
  CHECK(all.requests.throttled == 0);
  CHECK(all.requests.served + all.requests.timed_out == 202);
}
