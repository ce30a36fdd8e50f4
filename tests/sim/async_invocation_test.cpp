// Lambda asynchronous invocation (client "invocation": "async", docs/faults.md "Clients"), against the policy
// AWS documents in "How Lambda handles errors and retries with asynchronous invocation": throttles (429) and
// system errors (5xx) are retried after 1 s, 2 s, 4 s, ... up to 5 minutes for as long as the event is
// younger than its maximum age (6 h by default); function errors are retried twice, 1 minute then 2 minutes
// later; what is left goes to the on-failure destination / DLQ. Every expected number below is worked from
// that policy by hand.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/input_error.hpp"
#include "support/accounting.hpp"
#include "support/sim_harness.hpp"

namespace {
using namespace servesim;
using nlohmann::json;
using test::constant_ms;
using test::scenario_from;
using test::TempDir;

// One Lambda function (1 vCPU, no cold-start time: no init, no model), async clients, the given events.
json async_scenario(const json& workload, double service_ms) {
  return {{"seed", 3},
          {"workload", workload},
          {"service", {{"warm", constant_ms(service_ms)}}},
          {"slo", {{"p99_ms", 5000}, {"timeout_s", 30}}},
          {"client", {{"invocation", "async"}}},
          {"candidates", {{{"name", "fn"}, {"platform", "aws-lambda"}, {"memory_mb", 1769}}}}};
}

// Concurrency 0 over [start_s, start_s + duration_s): every invocation in it is throttled.
json storm(double start_s, double duration_s) {
  return {{"kind", "throttle"}, {"start_s", start_s}, {"duration_s", duration_s}, {"concurrency_limit", 0}};
}

}  // namespace

TEST_CASE("sim::Client: a throttled async event is retried with the documented backoff until its age",
          "[client][async]") {
  TempDir dir;
  // One event at t = 0 (a trace's first row is time 0); retry k (k = 0, 1, ...) comes min(2^k, 300) s after
  // the previous attempt, so the first 9 retries end at 1 + 2 + ... + 256 = 511 s and each later one 300 s
  // after the one before.
  auto doc = async_scenario(test::trace_at(dir, {0.0}), 10);
  SECTION("throttled for 30 minutes: still served, after 14 retries") {
    // Concurrency 0 over [0, 1800): retries at 511, 811, 1111, 1411, 1711 fail; the one at 2011 runs.
    doc["faults"] = json::array({storm(0, 1800)});
    const auto& r = test::simulate_first(doc);
    CHECK(r.requests.served == 1);
    CHECK(r.client.async_retries == 14);
    CHECK(r.requests.retries == 14);
    CHECK(r.client.expired_by_age == 0);
    // Served 2011 s after it was sent, plus its 10 ms: nobody waits, so the 30 s timeout does not apply.
    CHECK(r.latency.mean_s() == Approx(2011.01).epsilon(1e-9));
    servesim::test::check_async_accounted(r);
  }
  SECTION("throttled for longer than its 1-hour maximum age: expired after 19 retries") {
    // Retries at 511 + 300 k stay within 3600 s for k <= 10 (the last at 3511 s); the next would be at
    // 3811 s, age 3811 s > 3600 s: discarded to the DLQ.
    doc["faults"] = json::array({storm(0, 7200)});
    doc["client"]["async_max_event_age_s"] = 3600;
    const auto& r = test::simulate_first(doc);
    CHECK(r.requests.served == 0);
    CHECK(r.requests.dropped == 1);
    CHECK(r.requests.throttled == 0);
    CHECK(r.client.async_retries == 19);
    CHECK(r.client.expired_by_age == 1);
    CHECK(r.client.dead_lettered == 0);
    servesim::test::check_async_accounted(r);
  }
  SECTION("the default maximum age is 6 hours: 79 retries, then expired") {
    // 511 + 300 k <= 21600 for k <= 70 (70.3): 9 + 70 retries, the last at 21511 s.
    doc["faults"] = json::array({storm(0, 7 * 3600)});
    const auto& r = test::simulate_first(doc);
    CHECK(r.client.async_retries == 79);
    CHECK(r.client.expired_by_age == 1);
    servesim::test::check_async_accounted(r);
  }
  SECTION("a synchronous client with no retries loses it at once, throttled") {
    doc["faults"] = json::array({storm(0, 1800)});
    doc["client"] = {{"invocation", "sync"}};
    const auto& r = test::simulate_first(doc);
    CHECK(r.requests.throttled == 1);
    CHECK(r.client.async_retries == 0);
  }
}

TEST_CASE("sim::Client: an async function error is retried twice, 1 then 2 minutes later",
          "[client][async]") {
  TempDir dir;
  // The function needs 2 s but times out after 1 s: every attempt is a function error. Event at t = 0:
  // attempt 1 fails at 1 s, retry 1 at 1 + 60 = 61 s fails at 62 s, retry 2 at 62 + 120 = 182 s fails at
  // 183 s, and the event is dead-lettered (MaximumRetryAttempts 2).
  auto doc = async_scenario(test::trace_at(dir, {0.0}), 2000);
  doc["candidates"][0]["timeout_s"] = 1;
  SECTION("default: exactly 2 retries, then the DLQ") {
    const auto& r = test::simulate_first(doc);
    CHECK(r.client.async_retries == 2);
    CHECK(r.client.dead_lettered == 1);
    CHECK(r.client.expired_by_age == 0);
    CHECK(r.requests.dropped == 1);
    CHECK(r.requests.timed_out == 0);
    servesim::test::check_async_accounted(r);
  }
  SECTION("the second retry comes 182 s after the event: a 180 s maximum age expires it, 185 s does not") {
    doc["client"]["async_max_event_age_s"] = 180;
    const auto& expired = test::simulate_first(doc);
    CHECK(expired.client.async_retries == 1);
    CHECK(expired.client.expired_by_age == 1);
    doc["client"]["async_max_event_age_s"] = 185;
    const auto& retried = test::simulate_first(doc);
    CHECK(retried.client.async_retries == 2);
    CHECK(retried.client.dead_lettered == 1);
  }
  SECTION("async_max_retries 0: no retry") {
    doc["client"]["async_max_retries"] = 0;
    const auto& r = test::simulate_first(doc);
    CHECK(r.client.async_retries == 0);
    CHECK(r.client.dead_lettered == 1);
  }
}

TEST_CASE("sim::Client: async settings outside the documented ranges are refused", "[client][async]") {
  TempDir dir;
  auto doc = async_scenario(test::trace_at(dir, {0.0}), 10);
  SECTION("MaximumRetryAttempts is 0..2") {
    doc["client"]["async_max_retries"] = 3;
    CHECK_THROWS_WITH(scenario_from(doc),
                      "test-scenario.json: /client/async_max_retries: expected 0..2, got 3");
  }
  SECTION("MaximumEventAgeInSeconds is 60..21600") {
    doc["client"]["async_max_event_age_s"] = 30;
    CHECK_THROWS_AS(scenario_from(doc), InputError);
    doc["client"]["async_max_event_age_s"] = 21601;
    CHECK_THROWS_AS(scenario_from(doc), InputError);
  }
}

TEST_CASE(
    "sim::Client: a function that fails a share of its attempts is retried twice and then dead-lettered",
    "[client][async]") {
  // aws-lambda's function_error_probability p = 0.5: each attempt fails independently with p, and Lambda
  // retries a function error twice (1 and 2 minutes later). Per event: retries 0, 1 or 2 with probabilities
  // 1 - p, p (1 - p), p^2, so p + p^2 = 0.75 retries on average (variance 0.6875); the event is lost after
  // three failures, with probability p^3 = 0.125 (dead-lettered); served otherwise. Poisson events at 2/s for
  // 4,000 s (about 8,000), 100 ms each, on a function that never throttles them: the counts must lie within
  // 4 standard errors of these.
  auto doc = async_scenario({{"type", "poisson"}, {"rate_rps", 2}, {"duration_s", 4000}}, 100);
  doc["candidates"][0]["function_error_probability"] = 0.5;
  const auto r = test::simulate_first(doc);  // a copy: the next simulate_first overwrites the one it returns
  const double n = static_cast<double>(r.requests.arrived);
  REQUIRE(n > 7000);
  CHECK(std::fabs(static_cast<double>(r.client.async_retries) - 0.75 * n) <= 4 * std::sqrt(0.6875 * n));
  CHECK(std::fabs(static_cast<double>(r.client.dead_lettered) - 0.125 * n) <=
        4 * std::sqrt(0.125 * 0.875 * n));
  CHECK(r.requests.dropped == r.client.dead_lettered);
  CHECK(r.requests.served + r.requests.dropped == r.requests.arrived);
  // The same scenario and seed: the same draws.
  CHECK(test::simulate_first(doc).client.async_retries == r.client.async_retries);
  SECTION("0, the default: no function error, no retry") {
    doc["candidates"][0]["function_error_probability"] = 0;
    const auto& none = test::simulate_first(doc);
    CHECK(none.client.async_retries == 0);
    CHECK(none.requests.served == none.requests.arrived);
  }
  SECTION("a synchronous caller is refused: Lambda does not retry its errors") {
    doc.erase("client");
    CHECK_THROWS_WITH(test::simulate_first(doc),
                      Catch::Contains("/candidates/0/function_error_probability: expected 0 unless "
                                      "client.invocation is \"async\""));
  }
}
