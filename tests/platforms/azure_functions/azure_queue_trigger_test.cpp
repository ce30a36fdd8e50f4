// The Azure Storage queue trigger (async events on azure-functions) against Microsoft's documented polling,
// batches and target-based scaling (docs/events.md), every number worked by hand.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/sim_harness.hpp"

using servesim::test::constant_ms;
using servesim::test::cost_line;
using servesim::test::scenario_from;
using servesim::test::simulate;
using servesim::test::TempDir;
using servesim::test::trace_at;

namespace {

// Async events (Storage-queue messages) on one Azure Functions candidate; a 1 s runtime init is the whole
// cold start (nothing downloaded).
nlohmann::json queue_scenario(nlohmann::json workload, double warm_ms, const nlohmann::json& fn) {
  auto doc = servesim::test::one_candidate_scenario(
      {"azure-functions", "fn", 13, 1}, std::move(workload),
      {{"warm", constant_ms(warm_ms)}, {"cold_start", {{"runtime_init", constant_ms(1000)}}}}, fn);
  doc["client"] = {{"invocation", "async"}};
  return doc;
}

std::vector<double> times_at(double t_s, int n) {
  return std::vector<double>(static_cast<size_t>(n), t_s);
}

}  // namespace

TEST_CASE("platforms::AzureQueueTrigger: the first message after an idle period waits for the next poll") {
  // Consumption, 1 s per message. Message 1 at t = 0 meets the poll at 0 (the listener's first), runs on a
  // cold instance (1 s init) and is served at 2 s. The queue is then empty: the poll 100 ms on (0.1 s) finds
  // nothing and the wait doubles from 0.2 s up to maxPollingInterval (60 s): polls at 0.1, 0.3, 0.7, 1.5,
  // 3.1, 6.3, 12.7, 25.5, 51.1, 102.3 (waits 0.2 ... 51.2 s), then every 60 s: 162.3, ..., 582.3, 642.3.
  // Message 2, put at 600 s after 10 idle minutes, is fetched at 642.3 s by the instance still warm (idle
  // timeout 1,200 s) and served at 643.3 s: 43.3 s after it was put.
  TempDir dir;
  auto doc = queue_scenario(trace_at(dir, {0.0, 600.0}), 1000, {{"plan", "consumption"}});
  SECTION("default maxPollingInterval 60 s") {
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.served == 2);
    CHECK(r.latency.max_s() == Approx(43.3).margin(1e-6));
    CHECK(r.latency.mean_s() == Approx((2.0 + 43.3) / 2).margin(1e-6));
  }
  SECTION("maxPollingInterval 2 s: polls at 0.1, 0.3, 0.7, 1.5, 3.1, then every 2 s; 601.1 s picks it up") {
    doc["candidates"][0]["queue_max_polling_interval_s"] = 2;
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.latency.max_s() == Approx(2.1).margin(1e-6));  // fetched at 601.1, served at 602.1
  }
}

TEST_CASE("platforms::AzureQueueTrigger: a burst is fetched in batches of 16, the next at the threshold") {
  // Consumption (1 vCPU; newBatchThreshold = 1 x 16 / 2 = 8), 1 s of CPU per message, idle timeout 10 s,
  // and no scale decision within the run (queue_scale_interval_s 3,600: the batches alone). A
  // lone message at t = 0 (fetched at once, served at 2 s: latency 2 s; its instance is removed at 12 s)
  // starts the empty-poll back-off at 0.1 s: polls at 0.1, 0.3, ..., 51.1, 102.3 s. 40 messages put at
  // 100 s: the poll at 102.3 s fetches 16; a new instance starts (ready at 103.3 s) and the 16 share its
  // vCPU: all end at 103.3 + 16 = 119.3 s. Meanwhile 16 in process > 8: no fetch. At 119.3 s the count
  // falls to the threshold and the next 16 are fetched (ending at 135.3 s), then the last 8 (143.3 s).
  // Delays from the put at 100 s: 16 x 19.3, 16 x 35.3, 8 x 43.3 s; with the lone message, mean
  // (2 + 16 x 19.3 + 16 x 35.3 + 8 x 43.3) / 41 = 1,222 / 41 s.
  TempDir dir;
  std::vector<double> times = times_at(100.0, 40);
  times.insert(times.begin(), 0.0);
  auto doc =
      queue_scenario(trace_at(dir, times), 1000,
                     {{"plan", "consumption"}, {"idle_timeout_s", 10}, {"queue_scale_interval_s", 3600}});
  SECTION("defaults: batchSize 16, newBatchThreshold 8") {
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.served == 41);
    CHECK(r.latency.mean_s() == Approx(1222.0 / 41).margin(1e-6));
    CHECK(r.latency.max_s() == Approx(43.3).margin(1e-6));
  }
  SECTION("newBatchThreshold 16: the second batch is fetched at the next poll (102.4 s), 32 at once") {
    // Both batches wait for the instance and share its vCPU from 103.3 s: all 32 end at 135.3 s; the last 8
    // end at 143.3 s. Mean (2 + 32 x 35.3 + 8 x 43.3) / 41 = 1,478 / 41 s.
    doc["candidates"][0]["queue_new_batch_threshold"] = 16;
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.served == 41);
    CHECK(r.latency.mean_s() == Approx(1478.0 / 41).margin(1e-6));
  }
}

TEST_CASE("platforms::AzureQueueTrigger: target-based scaling adds 4 instances per decision (every 10 s)") {
  // 2,000 messages put at t = 0 on Flex (2,048 MB = 1 vCPU, newBatchThreshold 8: 24 slots per instance),
  // 100 s of CPU each, so none ends during the ramp. The first message meets the poll at 0 alone and is
  // fetched; the other 1,999 arrive at the same instant; the poll at 0.1 s finds the listener at 1 <= 8 and
  // fetches 16 (17 in process, 1,983 waiting). Every 10 s the scale controller wants ceil(queue / 16)
  // instances and adds at most 4: at 10 s 124 wanted -> 5 listeners, the 4 new ones fetch 16 each (81 in
  // process, 1,919 waiting); at 20 s 9 (145); at 30 s 13 (209). The fleet starts one instance per listener:
  // 5, 9 and 13 instances. The ramp stops where the queue no longer asks for more: with A listeners
  // 1,999 - 16 A wait and 125 - A are wanted; at 150 s A = 61 wants 64, so 64 at 160 s (64 instances, 975
  // waiting), and at 170 s 975 waiting want 61 (the instances stay: none is idle).
  TempDir dir;
  auto doc =
      queue_scenario(trace_at(dir, times_at(0.0, 2000)), 100000, {{"plan", "flex"}, {"flex_timeout_s", 1e6}});
  const auto run = simulate(scenario_from(doc));
  const auto& rows = run.rows[0];
  REQUIRE(rows.size() > 300);
  // Rows are 1 s wide: row k covers [k, k + 1) s.
  CHECK(rows[5].instances_peak == 1);
  CHECK(rows[15].instances_peak == 5);
  CHECK(rows[25].instances_peak == 9);
  CHECK(rows[35].instances_peak == 13);
  CHECK(rows[165].instances_peak == 64);
  CHECK(rows[300].instances_peak == 64);
  CHECK(rows[5].queue_depth_peak == 1983);
  CHECK(rows[15].queue_depth_peak == 1919);
  CHECK(rows[165].queue_depth_peak == 975);
  CHECK(rows[300].queue_depth_peak == 975);
  const auto& q = run.results[0].requests;
  CHECK(q.served == 2000);
  CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
}

TEST_CASE("platforms::AzureQueueTrigger: every message is accounted for, and runs repeat exactly") {
  // Messages that always pass Consumption's 300 s function timeout go back to the queue (visibilityTimeout
  // 0) and, after maxDequeueCount 5 deliveries, to the poison queue; the others are served.
  TempDir dir;
  std::vector<double> times;
  for (int k = 0; k < 100; ++k) times.push_back(0.37 * k);
  auto doc = queue_scenario(trace_at(dir, times), 200, {{"plan", "consumption"}});
  const auto sc = scenario_from(doc);
  const auto a = simulate(sc);
  const auto b = simulate(sc);
  const auto& q = a.results[0].requests;
  CHECK(q.arrived == 100);
  CHECK(q.served == 100);
  CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
  CHECK(b.results[0].latency.mean_s() == a.results[0].latency.mean_s());
  doc["service"]["warm"] = constant_ms(400000);
  const auto& r = servesim::test::simulate_first(doc);
  CHECK(r.requests.dropped == 100);
  CHECK(r.client.dead_lettered == 100);
  CHECK(r.client.async_retries == 400);
}

TEST_CASE("platforms::AzureQueueTrigger: a Service Bus message is taken the moment a call is free") {
  // queue_trigger service-bus: no polling. Message 1 at t = 0 runs on a cold Consumption instance (1 s init
  // + 1 s): 2 s. Message 2, put at 600 s after 10 idle minutes, is taken at once by the warm instance
  // (idle timeout 1,200 s) and served at 601 s: 1 s, where the Storage queue's back-off made it 43.3 s.
  TempDir dir;
  auto doc = queue_scenario(trace_at(dir, {0.0, 600.0}), 1000,
                            {{"plan", "consumption"}, {"queue_trigger", "service-bus"}});
  const auto& r = servesim::test::simulate_first(doc);
  CHECK(r.requests.served == 2);
  CHECK(r.latency.max_s() == Approx(2.0).margin(1e-6));
  CHECK(r.latency.mean_s() == Approx(1.5).margin(1e-6));
}

TEST_CASE("platforms::AzureQueueTrigger: a Service Bus listener runs at most maxConcurrentCalls") {
  // maxConcurrentCalls 2 on one Consumption instance (1 vCPU), 1 s of CPU per message, no scale decision
  // within the run. Message 1 at 0: cold, 2 s. Five messages at 100 s on the warm instance: two taken at
  // once share the vCPU and end at 102 s; the next two are taken then and end at 104 s; the last alone ends
  // at 105 s. Latencies 2, 2, 2, 4, 4, 5: mean 19 / 6 s.
  TempDir dir;
  std::vector<double> times = times_at(100.0, 5);
  times.insert(times.begin(), 0.0);
  auto doc = queue_scenario(trace_at(dir, times), 1000,
                            {{"plan", "consumption"},
                             {"queue_trigger", "service-bus"},
                             {"service_bus_max_concurrent_calls", 2},
                             {"queue_scale_interval_s", 3600}});
  const auto& r = servesim::test::simulate_first(doc);
  CHECK(r.requests.served == 6);
  CHECK(r.latency.mean_s() == Approx(19.0 / 6).margin(1e-6));
  CHECK(r.latency.max_s() == Approx(5.0).margin(1e-6));
  CHECK(r.instances_peak == 1);
}

TEST_CASE("platforms::AzureQueueTrigger: Service Bus target-based scaling aims at maxConcurrentCalls") {
  // 2,000 messages at t = 0 on Flex, 100 s each (none ends during the ramp), maxConcurrentCalls 16: the first
  // listener takes 16 at once (1,984 waiting). Every 10 s the scale controller wants ceil(queue / 16) and
  // adds at most 4, each new listener taking 16: 5 listeners at 10 s (1,920 waiting), 9 at 20 s. With A
  // listeners 2,000 - 16 A wait and 125 - A are wanted: A = 61 at 150 s wants 64, so 64 at 160 s (976
  // waiting); at 170 s 61 are wanted and the listeners fall back, the 64 busy instances staying.
  TempDir dir;
  auto doc = queue_scenario(trace_at(dir, times_at(0.0, 2000)), 100000,
                            {{"plan", "flex"}, {"flex_timeout_s", 1e6}, {"queue_trigger", "service-bus"}});
  const auto run = simulate(scenario_from(doc));
  const auto& rows = run.rows[0];
  REQUIRE(rows.size() > 300);
  CHECK(rows[5].queue_depth_peak == 1984);
  CHECK(rows[5].instances_peak == 1);
  CHECK(rows[15].instances_peak == 5);
  CHECK(rows[15].queue_depth_peak == 1920);
  CHECK(rows[25].instances_peak == 9);
  CHECK(rows[165].instances_peak == 64);
  CHECK(rows[165].queue_depth_peak == 976);
  CHECK(rows[300].instances_peak == 64);
  CHECK(run.results[0].requests.served == 2000);
}

TEST_CASE("platforms::AzureQueueTrigger: Service Bus bills operations and its base charge; 10 deliveries") {
  // 100 messages, each served once: a send, a receive and a complete = 300 operations at $0.80 per million;
  // the base charge $0.0135 per hour of the run. Messages that always pass Consumption's 300 s timeout are
  // abandoned, delivered again at once, and dead-lettered after MaxDeliveryCount 10 deliveries: 9 retries
  // each, and 1 + 2 x 10 = 21 operations each.
  TempDir dir;
  std::vector<double> times;
  for (int k = 0; k < 100; ++k) times.push_back(0.37 * k);
  auto doc =
      queue_scenario(trace_at(dir, times), 200, {{"plan", "consumption"}, {"queue_trigger", "service-bus"}});
  const auto& r = servesim::test::simulate_first(doc);
  CHECK(r.requests.served == 100);
  CHECK(cost_line(r, "service_bus_operations_usd") == Approx(300 * 0.8e-6).epsilon(1e-9));
  CHECK(cost_line(r, "service_bus_base_usd") == Approx(r.simulated_s / 3600 * 0.0135).epsilon(1e-9));
  doc["service"]["warm"] = constant_ms(400000);
  const auto& failing = servesim::test::simulate_first(doc);
  CHECK(failing.requests.dropped == 100);
  CHECK(failing.client.dead_lettered == 100);
  CHECK(failing.client.async_retries == 900);
  CHECK(cost_line(failing, "service_bus_operations_usd") == Approx(2100 * 0.8e-6).epsilon(1e-9));
  // Without the Service Bus trigger there is no such charge.
  doc["candidates"][0].erase("queue_trigger");
  CHECK(cost_line(servesim::test::simulate_first(doc), "service_bus_operations_usd") == -1);
}
