// Azure Functions model (Consumption, Flex Consumption, Premium) against the documented behaviour
// (platforms/azure_functions/azure-functions.json) and hand calculations.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "support/sim_harness.hpp"

using servesim::test::constant_ms;
using servesim::test::every_10_s;
using servesim::test::poisson;
using servesim::test::scenario_from;
using servesim::test::simulate;
using servesim::test::TempDir;
using servesim::test::trace_at;

namespace {

// A scenario with one Azure Functions candidate; `fn` adds or overrides candidate settings.
nlohmann::json azure_scenario(nlohmann::json workload, nlohmann::json service, nlohmann::json fn) {
  return servesim::test::one_candidate_scenario({"azure-functions", "fn", 13, 1}, std::move(workload),
                                                std::move(service), fn);
}

}  // namespace

TEST_CASE("platforms::AzureFunctionsModel: Consumption adds at most one instance per second (HTTP)") {
  // A step from nothing to 50 requests/s of 5 s each: ~250 concurrent requests wanted, concurrency 1.
  const auto doc = azure_scenario(
      poisson(50, 30), {{"warm", constant_ms(5000)}, {"cold_start", {{"runtime_init", constant_ms(200)}}}},
      {{"plan", "consumption"}});
  const auto run = simulate(scenario_from(doc));
  const auto& rows = run.rows[0];
  REQUIRE(rows.size() >= 30);
  CHECK(rows[0].instances_peak <= 1);
  for (size_t k = 1; k < rows.size(); ++k) CHECK(rows[k].instances_peak <= rows[k - 1].instances_peak + 1);
  CHECK(rows[29].instances_peak == 30);  // one new instance in every second of the step
  const auto& q = run.results[0].requests;
  CHECK(q.queued > 0);
  CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
}

TEST_CASE("platforms::AzureFunctionsModel: Flex CPU follows memory (2,048 MB = 1 vCPU, assumed)") {
  TempDir dir;
  // 1 s of CPU work on one vCPU: 4 s on a 512 MB instance (0.25 vCPU), 1 s on 4,096 MB (2 vCPU, one thread).
  auto doc = azure_scenario(trace_at(dir, {0}), {{"warm", constant_ms(1000)}},
                            {{"plan", "flex"}, {"flex_always_ready", 1}, {"flex_memory_mb", 512}});
  CHECK(simulate(scenario_from(doc)).results[0].latency.mean_s() == Approx(4.0).margin(1e-3));
  doc["candidates"][0]["flex_memory_mb"] = 4096;
  CHECK(simulate(scenario_from(doc)).results[0].latency.mean_s() == Approx(1.0).margin(1e-3));
}

TEST_CASE("platforms::AzureFunctionsModel: Premium keeps a pre-warmed instance ahead of demand") {
  TempDir dir;
  // Always ready 1, pre-warmed 1, 1 s runtime init. The first request makes the always-ready instance busy
  // and a pre-warmed one starts; the second (at 5 s, overlapping the first) finds it warm.
  auto doc =
      azure_scenario(trace_at(dir, {0, 5}),
                     {{"warm", constant_ms(10000)}, {"cold_start", {{"runtime_init", constant_ms(1000)}}}},
                     {{"plan", "premium"}});
  const auto r = simulate(scenario_from(doc)).results.at(0);
  CHECK(r.requests.cold_starts == 0);
  CHECK(r.latency.max_s() == Approx(10.0).margin(1e-3));
  CHECK(r.instances_peak == 3);  // the buffer is replenished at 5 s
}

TEST_CASE("platforms::AzureFunctionsModel: billing by hand") {
  TempDir dir;
  auto doc = azure_scenario(trace_at(dir, every_10_s(), 100), {{"warm", constant_ms(1000)}},
                            {{"plan", "consumption"}});
  auto cost = [&](nlohmann::json settings) {
    auto d = doc;
    for (auto& [k, v] : settings.items()) d["candidates"][0][k] = v;
    return simulate(scenario_from(d)).results.at(0).cost_total_usd;
  };
  SECTION("Consumption: 10 x 1 s x 1.5 GB x $0.000016 + 10 x $0.20/1M") {
    CHECK(cost({{"plan", "consumption"}}) == Approx(10 * 1.5 * 0.000016 + 10 * 0.20e-6).epsilon(1e-9));
  }
  SECTION("Consumption: memory rounded up to 128 MB (200 MB is billed as 256 MB)") {
    CHECK(cost({{"consumption_billed_memory_mb", 200}}) ==
          Approx(10 * 0.25 * 0.000016 + 10 * 0.20e-6).epsilon(1e-9));
  }
  SECTION("Consumption: the monthly free grant covers this workload") {
    CHECK(cost({{"consumption_free_grant", true}}) == 0.0);
  }
  SECTION("Flex on demand: 2 GB x (busy time, at least 1 s) x $0.000026 + 10 x $0.40/1M") {
    CHECK(cost({{"plan", "flex"}}) == Approx(10 * 2 * 0.000026 + 10 * 0.40e-6).epsilon(1e-9));
    doc["service"]["warm"] = constant_ms(300);  // 0.3 s executions are billed as 1 s
    CHECK(cost({{"plan", "flex"}}) == Approx(10 * 2 * 0.000026 + 10 * 0.40e-6).epsilon(1e-9));
  }
  SECTION("Flex always ready: baseline 100 s x 2 GB x $0.000004 + executing 10 s x 2 GB x $0.000016") {
    CHECK(cost({{"plan", "flex"}, {"flex_always_ready", 1}}) ==
          Approx(100 * 2 * 0.000004 + 10 * 2 * 0.000016 + 10 * 0.40e-6).epsilon(1e-9));
  }
  SECTION("Premium EP1: every allocated instance (always ready + pre-warmed) x 100 s, no execution fee") {
    const double ep1_usd_per_s = 1 * 0.000048 + 3.5 * 0.0000034;
    CHECK(cost({{"plan", "premium"}}) == Approx(2 * 100 * ep1_usd_per_s).epsilon(1e-9));
    CHECK(cost({{"plan", "premium"}, {"premium_prewarmed", 0}}) == Approx(100 * ep1_usd_per_s).epsilon(1e-9));
  }
}

TEST_CASE("platforms::AzureFunctionsModel: idle instances are removed after idle_timeout_s") {
  TempDir dir;
  auto doc = azure_scenario(trace_at(dir, {0, 500}), {{"warm", constant_ms(1000)}},
                            {{"plan", "consumption"}, {"idle_timeout_s", 100}});
  doc["metrics"]["interval_s"] = 50;
  const auto run = simulate(scenario_from(doc));
  CHECK(run.results[0].requests.cold_starts == 2);
  CHECK(run.rows[0][1].idle_mean == Approx(1.0));                    // 50-100 s
  CHECK(run.rows[0][2].idle_mean == Approx(1.0 / 50).margin(1e-6));  // removed at 101 s
  CHECK(run.rows[0][3].idle_mean + run.rows[0][3].busy_mean == Approx(0));
}

TEST_CASE("platforms::AzureFunctionsModel: bad settings name the field and the allowed range") {
  auto doc = azure_scenario(poisson(1, 10), {{"warm", constant_ms(10)}}, nlohmann::json::object());
  auto error_for = [&](nlohmann::json settings) {
    auto d = doc;
    for (auto& [k, v] : settings.items()) d["candidates"][0][k] = v;
    const auto sc = scenario_from(d);
    try {
      servesim::platforms::make_candidates(sc);
    } catch (const servesim::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error_for({{"plan", "flex"}, {"flex_memory_mb", 1000}}),
             Catch::Contains("/candidates/0/flex_memory_mb: expected one of 512, 2048, 4096 MB, got 1000"));
  CHECK_THAT(error_for({{"http_concurrency", 0}}),
             Catch::Contains("/candidates/0/http_concurrency: expected 1..1000"));
  CHECK_THAT(error_for({{"consumption_max_instances", 500}}),
             Catch::Contains("/candidates/0/consumption_max_instances: expected 1..200 instances, got 500"));
  CHECK_THAT(
      error_for({{"flex_memory_mb", 4096}}),
      Catch::Contains("/candidates/0/flex_memory_mb: applies to plan flex only, but plan is consumption"));
  CHECK_THAT(error_for({{"plan", "premium"}, {"premium_sku", "EP4"}}),
             Catch::Contains("/candidates/0/premium_sku: expected one of EP1, EP2, EP3, got \"EP4\""));
  CHECK_THAT(
      error_for({{"plan", "premium"}, {"premium_always_ready", 5}, {"premium_max_burst", 2}}),
      Catch::Contains("/candidates/0/premium_always_ready: expected at most premium_max_burst (2), got 5"));
}

TEST_CASE("platforms::AzureFunctionsModel: conservation and determinism on every plan") {
  for (const std::string plan : {"consumption", "flex", "premium"}) {
    // Overloaded: few instances, and clients that give up after 5 s.
    nlohmann::json settings = {{"plan", plan}};
    if (plan == "consumption") settings["consumption_max_instances"] = 3;
    if (plan == "flex") settings["flex_max_instances"] = 40, settings["flex_http_concurrency"] = 1;
    if (plan == "premium") settings["premium_max_burst"] = 3;
    auto doc = azure_scenario(poisson(plan == "flex" ? 150 : 20, 120),
                              {{"warm", {{"type", "exponential"}, {"mean_ms", 300}}},
                               {"cold_start", {{"runtime_init", constant_ms(500)}}}},
                              settings);
    doc["slo"]["timeout_s"] = 5;
    const auto sc = scenario_from(doc);
    const auto a = simulate(sc);
    const auto b = simulate(sc);
    const auto& q = a.results[0].requests;
    INFO("plan " << plan);
    CHECK(q.timed_out > 0);
    CHECK(q.served > 0);
    CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
    CHECK(b.results[0].requests.served == q.served);
    CHECK(b.results[0].requests.timed_out == q.timed_out);
    CHECK(b.results[0].latency.mean_s() == a.results[0].latency.mean_s());
    CHECK(b.results[0].cost_total_usd == a.results[0].cost_total_usd);
  }
}

TEST_CASE("platforms::AzureFunctionsModel: container images only on the Premium plan") {
  // functions-scale.md (hosting options): container support on Premium and Dedicated; Flex and Consumption:
  // none.
  nlohmann::json doc = {{"workload", {{"type", "poisson"}, {"rate_rps", 1}, {"duration_s", 10}}},
                        {"service",
                         {{"warm", {{"type", "constant"}, {"value_ms", 10}}},
                          {"cold_start", {{"source", "image"}, {"model_size_mb", 500}}}}},
                        {"candidates", {{{"platform", "azure-functions"}, {"plan", "flex"}}}}};
  CHECK_THROWS_WITH(
      simulate(scenario_from(doc)),
      "test-scenario.json: /candidates/0/plan: expected \"premium\" with source image (Azure Functions "
      "runs containers on the Premium plan; Flex Consumption and Consumption have none; or use zip, "
      "object-store or volume), got \"flex\"");
  doc["candidates"][0]["plan"] = "premium";
  CHECK_NOTHROW(simulate(scenario_from(doc)));
  doc["service"]["cold_start"]["source"] = "layer";
  CHECK_THROWS_WITH(
      simulate(scenario_from(doc)),
      "test-scenario.json: /candidates/0: Azure Functions has no layers (source layer); use zip, image "
      "(Premium), object-store (Blob storage) or volume (Azure Files)");
}

TEST_CASE(
    "platforms::AzureFunctionsModel: an async event is bound by the function timeout, not the HTTP cap") {
  // One request at t = 0 needing 250 s on a Consumption instance (cold start: a 1 s runtime init, nothing
  // downloaded). The 230 s cap is the HTTP front end's (includes/functions-timeout-duration.md); the function
  // timeout is 300 s (Consumption's default).
  TempDir dir;
  auto doc =
      azure_scenario(trace_at(dir, {0.0}),
                     {{"warm", constant_ms(250000)}, {"cold_start", {{"runtime_init", constant_ms(1000)}}}},
                     {{"plan", "consumption"}});
  doc["slo"] = {{"p99_ms", 600000}, {"timeout_s", 600}};
  SECTION("HTTP (synchronous): stopped at 230 s, timed out") {
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.served == 0);
    CHECK(r.requests.timed_out == 1);
  }
  SECTION("an event (async): runs to its end, served 251 s after it arrived") {
    doc["client"] = {{"invocation", "async"}};
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.served == 1);
    CHECK(r.requests.timed_out + r.requests.dropped == 0);
    CHECK(r.latency.mean_s() == Approx(251.0).margin(1e-6));
  }
  SECTION("an event longer than the function timeout is a function error: retried, then dead-lettered") {
    doc["client"] = {{"invocation", "async"}};
    doc["service"]["warm"] = constant_ms(400000);
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.served == 0);
    CHECK(r.requests.dropped == 1);
    CHECK(r.client.dead_lettered == 1);
  }
}

TEST_CASE(
    "platforms::AzureFunctionsModel: a failing queue message is dequeued maxDequeueCount times, then "
    "poisoned") {
  // A queue-triggered function (async events) whose every run passes Consumption's 300 s function timeout
  // (the event needs 400 s). Azure Storage queues redeliver a failed message themselves (host.json queues:
  // maxDequeueCount 5, visibilityTimeout 0) and move it to the poison queue after the fifth failure: 4
  // retries, not Lambda's 2 (1 and 2 minutes later).
  TempDir dir;
  auto doc =
      azure_scenario(trace_at(dir, {0.0}),
                     {{"warm", constant_ms(400000)}, {"cold_start", {{"runtime_init", constant_ms(1000)}}}},
                     {{"plan", "consumption"}});
  doc["slo"] = {{"p99_ms", 600000}, {"timeout_s", 600}};
  doc["client"] = {{"invocation", "async"}};
  SECTION("defaults: five deliveries, then the poison queue") {
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.client.async_retries == 4);
    CHECK(r.client.dead_lettered == 1);
    CHECK(r.requests.dropped == 1);
    CHECK(r.requests.served + r.requests.timed_out == 0);
  }
  SECTION("maxDequeueCount 2: one retry") {
    doc["candidates"][0]["queue_max_dequeue_count"] = 2;
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.client.async_retries == 1);
    CHECK(r.client.dead_lettered == 1);
  }
  SECTION("a 600 s visibility timeout and a 1,000 s message TTL: the second retry would come too late") {
    // Delivery 1 fails at about 301 s (1 s cold start + 300 s); visible again at about 901 s, within the TTL,
    // and fetched by the queue trigger's next poll (942.3 s, azure_queue_trigger_test.cpp); it fails at about
    // 1,242 s, and the next delivery (about 1,842 s) is past the 1,000 s TTL: expired.
    doc["candidates"][0]["queue_visibility_timeout_s"] = 600;
    doc["candidates"][0]["queue_message_ttl_s"] = 1000;
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.client.async_retries == 1);
    CHECK(r.client.expired_by_age == 1);
    CHECK(r.client.dead_lettered == 0);
    CHECK(r.requests.dropped == 1);
  }
}
