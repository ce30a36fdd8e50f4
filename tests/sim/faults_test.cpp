// Faults injected into runs (scenario "faults", docs/faults.md): each kind changes the results the way its
// definition says, every arrival stays accounted for, and the same seed gives the same answer. Expected
// values come from the fault's definition and the arrival schedule, not from the code's output.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/input_error.hpp"
#include "platforms/kubernetes_gpu/kubernetes_model.hpp"
#include "support/sim_harness.hpp"

namespace {
using namespace servesim;
using nlohmann::json;
using test::constant_ms;
using test::scenario_from;
using test::TempDir;

// One request every 0.1 s for 1,000 s: 10,000 requests, 3,000 of them in [200, 500).
json every_100ms(const TempDir& dir) {
  std::vector<double> times;
  for (int k = 0; k < 10000; ++k) times.push_back(k / 10.0);
  return test::trace_at(dir, times);
}

json lambda_scenario(const json& workload, double service_ms) {
  return {{"seed", 7},
          {"workload", workload},
          {"service", {{"warm", constant_ms(service_ms)}}},
          {"slo", {{"p99_ms", 5000}, {"timeout_s", 900}}},
          {"candidates", {{{"name", "fn"}, {"platform", "aws-lambda"}, {"memory_mb", 1769}}}}};
}

json outage(double start_s, double duration_s) {
  return {{"kind", "outage"}, {"start_s", start_s}, {"duration_s", duration_s}};
}

void check_conservation(const sim::CandidateResult& r) {
  const auto& q = r.requests;
  CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
}

}  // namespace

TEST_CASE("a 5-minute outage with no retries loses exactly the requests that arrive in it", "[faults]") {
  TempDir dir;
  auto doc = lambda_scenario(every_100ms(dir), 10);
  doc["faults"] = json::array({outage(200, 300)});
  const auto& r = test::simulate_first(doc);
  CHECK(r.requests.arrived == 10000);
  CHECK(r.requests.dropped == 3000);
  CHECK(r.requests.served == 7000);
  CHECK(r.requests.retries == 0);
  CHECK(r.faults.at(0).requests_lost == 3000);
  CHECK(r.faults.at(0).attempts_failed == 3000);
  CHECK(r.fault_windows.at(0).arrived == 3000);
  CHECK(r.fault_windows.at(0).served == 0);
  check_conservation(r);
}

TEST_CASE("client retries during an outage follow the backoff schedule; a budget caps them", "[faults]") {
  TempDir dir;
  auto doc = lambda_scenario(every_100ms(dir), 10);
  doc["faults"] = json::array({outage(200, 300)});
  // 3 retries, full jitter with caps 100, 200, 400 ms: every retry of a request that arrived before
  // 500 - 0.7 s lands inside the outage and fails; the last 7 arrivals may escape it.
  doc["client"] = {{"max_retries", 3}, {"backoff_base_ms", 100}, {"backoff_max_ms", 10000}};
  SECTION("no budget: three retries per request caught by the outage") {
    const auto& r = test::simulate_first(doc);
    const uint64_t lost = r.faults.at(0).requests_lost;
    CHECK(lost >= 2993);
    CHECK(lost <= 3000);
    CHECK(r.requests.dropped == lost);
    CHECK(r.requests.retries >= 3 * lost);
    CHECK(r.requests.retries <= 3 * lost + 3 * (3000 - lost));
    CHECK(r.faults.at(0).attempts_failed == lost * 4 + (r.requests.retries - 3 * lost));
    CHECK(r.client.retries == r.requests.retries);
    check_conservation(r);
  }
  SECTION("a 10% budget over 10 s allows about one retry per second at 10 requests/s") {
    doc["client"]["retry_budget"] = {{"ratio", 0.1}, {"min_per_s", 0}, {"window_s", 10}};
    const auto& r = test::simulate_first(doc);
    // 300 s of outage at 1 retry/s, plus at most one window's worth at its edges.
    CHECK(r.requests.retries >= 290);
    CHECK(r.requests.retries <= 320);
    CHECK(r.client.retries_denied >= 2800);  // each request lost to a refusal asked once
    CHECK(r.requests.dropped >= 2993);
    check_conservation(r);
  }
}

TEST_CASE("async events failed by an outage (5xx) are retried with backoff until it ends, all served",
          "[faults]") {
  TempDir dir;
  auto doc = lambda_scenario(every_100ms(dir), 10);
  doc["faults"] = json::array({outage(200, 300)});
  doc["client"] = {{"invocation", "async"}};
  const auto& r = test::simulate_first(doc);
  // A system error (503) is retried after 1 s, 2 s, 4 s, ... (AWS Lambda asynchronous invocation), within the
  // 6-hour maximum age: an event at t in [200, 500) makes k retries, k the first with t + 2^k - 1 >= 500.
  uint64_t retries = 0;
  for (int k = 0; k < 10000; ++k) {
    double t = k / 10.0;
    for (double delay_s = 1; t >= 200 && t < 500; delay_s *= 2) {
      t += delay_s;
      ++retries;
    }
  }
  CHECK(r.client.async_retries == retries);
  // Every attempt but an event's last fails: 3,000 first attempts + retries - 3,000 last ones.
  CHECK(r.faults.at(0).attempts_failed == retries);
  CHECK(r.client.dead_lettered == 0);
  CHECK(r.client.expired_by_age == 0);
  CHECK(r.requests.served == 10000);
  check_conservation(r);
}

TEST_CASE("async events crashed while running are retried 1 and 2 minutes later, then dead-lettered",
          "[faults]") {
  TempDir dir;
  // Crashes at 3,600/h per environment over [200, 500) with 1 s requests: an invocation that runs inside the
  // window crashes with p = 1 - e^-1 (a function error); outside it none does.
  auto doc = lambda_scenario(every_100ms(dir), 1000);
  doc["faults"] = {
      {{"kind", "crash"}, {"rate_per_instance_hour", 3600}, {"start_s", 200}, {"duration_s", 300}}};
  doc["client"] = {{"invocation", "async"}};
  const auto& r = test::simulate_first(doc);
  // A crashed event is retried at most twice (60 s, then 120 s later) and dead-lettered only if all three
  // attempts crash, so only events whose retries still fall in the window can be lost: t + 1 + 60 + 1 + 120
  // < 500 means t < 318. Each crash is one retry or one dead letter.
  CHECK(r.client.async_retries + r.client.dead_lettered == r.faults.at(0).requests_in_flight_lost);
  CHECK(r.client.dead_lettered > 0);
  CHECK(r.client.dead_lettered < 1180);  // < the 1,180 events in [200, 318)
  CHECK(r.client.expired_by_age == 0);
  check_conservation(r);
}

TEST_CASE("a throttling storm with concurrency 0 throttles every request in its window", "[faults]") {
  TempDir dir;
  auto doc = lambda_scenario(every_100ms(dir), 10);
  doc["faults"] = {{{"kind", "throttle"}, {"start_s", 200}, {"duration_s", 300}, {"concurrency_limit", 0}}};
  const auto& r = test::simulate_first(doc);
  CHECK(r.requests.throttled == 3000);
  CHECK(r.faults.at(0).attempts_failed == 3000);
  CHECK(r.requests.served == 7000);
  check_conservation(r);
}

TEST_CASE("instance crashes lose in-flight requests at the rate's probability", "[faults]") {
  TempDir dir;
  // 1 s requests, crash rate 0.1/s per instance: an invocation crashes with p = 1 - e^-0.1.
  auto doc = lambda_scenario(every_100ms(dir), 1000);
  doc["faults"] = {{{"kind", "crash"}, {"rate_per_instance_hour", 360}}};
  const double p = 1 - std::exp(-0.1), n = 10000;
  SECTION("no retries: about N p requests lost") {
    const auto& r = test::simulate_first(doc);
    const double sigma = std::sqrt(n * p * (1 - p));
    CHECK(std::abs(static_cast<double>(r.requests.dropped) - n * p) < 4 * sigma);
    CHECK(r.faults.at(0).requests_in_flight_lost == r.requests.dropped);
    CHECK(r.faults.at(0).instances_lost >= r.requests.dropped);  // idle environments crash too
    check_conservation(r);
  }
  SECTION("idempotent requests are retried: lost only when three attempts crash") {
    doc["client"] = {{"max_retries", 2}};
    const auto& r = test::simulate_first(doc);
    const double retries = n * p + n * p * p, sigma = std::sqrt(n * p);
    CHECK(std::abs(static_cast<double>(r.requests.retries) - retries) < 4 * sigma + 5);
    CHECK(static_cast<double>(r.requests.dropped) < n * p * p * p + 4 * std::sqrt(n * p * p * p) + 5);
    check_conservation(r);
  }
  SECTION("non-idempotent requests are not retried after a crash") {
    doc["client"] = {{"max_retries", 2}, {"idempotent", false}};
    const auto& r = test::simulate_first(doc);
    CHECK(r.requests.retries == 0);
    CHECK(r.faults.at(0).requests_lost == r.requests.dropped);
    check_conservation(r);
  }
}

TEST_CASE("slow model storage stretches the download part of a cold start", "[faults]") {
  TempDir dir;
  // 85 MB at the model store's per-connection ceiling (85 MB/s in the catalogue) is a 1 s download plus the
  // route's one-way latency (TCP window / (2 x ceiling) = 4 MiB / 170 MB/s). A slow store cuts the ceiling
  // through a longer round trip, so at a quarter both take 4 times as long. Two requests 100 s apart, each a
  // cold start (keep-alive 10 s).
  auto doc = lambda_scenario(test::trace_at(dir, {0, 100}), 10);
  doc["candidates"][0]["keep_alive_s"] = 10;
  doc["service"]["cold_start"] = {{"model_size_mb", 85}};
  const double plain_s = test::simulate(scenario_from(doc)).results[0].latency.max_s();
  REQUIRE(plain_s > 1.0);
  doc["faults"] = {
      {{"kind", "slow-storage"}, {"start_s", 50}, {"duration_s", 200}, {"bandwidth_factor", 0.25}}};
  const double slow_s = test::simulate(scenario_from(doc)).results[0].latency.max_s();
  const double download_s = 1.0 + 4194304.0 / (2 * 85e6);
  CHECK(slow_s - plain_s == Approx(3 * download_s).margin(1e-3));
  // The profile is placed on SimGrid's process-wide clock: a second run in the same process agrees.
  const double again_s = test::simulate(scenario_from(doc)).results[0].latency.max_s();
  CHECK(again_s == slow_s);
  SECTION("outside its window the download runs at full speed") {
    doc["faults"][0]["start_s"] = 200;
    const double after_s = test::simulate(scenario_from(doc)).results[0].latency.max_s();
    CHECK(after_s == plain_s);
  }
}

TEST_CASE("faults and retries are deterministic for a seed", "[faults]") {
  TempDir dir;
  auto doc = lambda_scenario(every_100ms(dir), 1000);
  doc["faults"] = {outage(200, 60), {{"kind", "crash"}, {"rate_per_instance_hour", 100}}};
  doc["client"] = {{"max_retries", 3}, {"retry_budget", json::object()}};
  const auto a = test::simulate(scenario_from(doc));
  const auto b = test::simulate(scenario_from(doc));
  CHECK(a.results[0].requests.retries == b.results[0].requests.retries);
  CHECK(a.results[0].requests.dropped == b.results[0].requests.dropped);
  CHECK(a.results[0].cost_total_usd == b.results[0].cost_total_usd);
  CHECK(a.results[0].latency.quantile_s(0.99) == b.results[0].latency.quantile_s(0.99));
  check_conservation(a.results[0]);
}

TEST_CASE("a fault names only candidates it applies to, and faults a platform does not model are refused",
          "[faults]") {
  TempDir dir;
  auto doc = lambda_scenario(every_100ms(dir), 10);
  doc["candidates"].push_back({{"name", "pool"}, {"platform", "fixed-pool"}, {"servers", 4}});
  SECTION("an outage of one candidate leaves the other alone") {
    doc["faults"] = json::array({outage(200, 300)});
    doc["faults"][0]["candidates"] = {"pool"};
    const auto s = test::simulate(scenario_from(doc));
    CHECK(s.results[0].requests.dropped == 0);
    CHECK(s.results[1].requests.dropped == 3000);
  }
  SECTION("unknown candidate") {
    doc["faults"] = json::array({outage(200, 300)});
    doc["faults"][0]["candidates"] = {"nope"};
    CHECK_THROWS_WITH(
        scenario_from(doc),
        "test-scenario.json: /faults/0/candidates/0: expected the name of a candidate, got \"nope\"");
  }
  SECTION("a throttling storm on a platform without a concurrency limit") {
    doc["faults"] = {{{"kind", "throttle"},
                      {"start_s", 1},
                      {"duration_s", 1},
                      {"concurrency_limit", 1},
                      {"candidates", {"pool"}}}};
    CHECK_THROWS_WITH(
        test::simulate(scenario_from(doc)),
        "test-scenario.json: /faults/0/kind: expected a fault that platform fixed-pool (candidate "
        "\"pool\") models, got \"throttle\" (see docs/faults.md)");
  }
  SECTION("a throttle without its limit") {
    doc["faults"] = {{{"kind", "throttle"}, {"start_s", 1}, {"duration_s", 1}}};
    CHECK_THROWS_WITH(
        scenario_from(doc),
        "test-scenario.json: /faults/0/concurrency_limit: missing (the concurrency, or instances, "
        "allowed during the storm)");
  }
}

// Two GPU pods (one per node) serving 200 requests/s of 200-GFLOP requests (several ms each on a T4: the pods
// are rarely empty) for 30 minutes, with the given faults.
json k8s_two_pods(const json& faults) {
  return {{"seed", 3},
          {"workload", test::poisson(200, 1800)},
          {"service", {{"warm", constant_ms(20)}}},
          {"slo", {{"p99_ms", 5000}, {"timeout_s", 60}}},
          {"candidates",
           {{{"name", "k8s"},
             {"platform", "kubernetes-gpu"},
             {"gpus_per_node", 1},
             {"min_replicas", 2},
             {"max_replicas", 2},
             {"model_gflops_per_request", 200}}}},
          {"faults", faults}};
}

TEST_CASE("a Kubernetes node failure loses the requests on its pods and a new node replaces it", "[faults]") {
  json doc = k8s_two_pods({{{"kind", "node-failure"}, {"at_s", 1200}}});
  auto run = [&](const json& d) {
    const auto sc = scenario_from(d);
    auto candidates = platforms::make_candidates(sc);
    auto* model = dynamic_cast<platforms::KubernetesModel*>(candidates[0].model.get());
    auto options = sim::RunOptions::for_scenario(sc);
    auto results = sim::simulate(options, candidates);
    // Nodes launched after the failure (the replacement: the failed one's id is reused for it).
    uint32_t launched_after = 0;
    for (uint32_t i = 0; i < model->nodes().node_ids(); ++i)
      launched_after += model->nodes().node(i).launched_s >= 1200;
    return std::make_tuple(results.at(0), launched_after, model->nodes().live_nodes());
  };
  SECTION("no retries: the requests on the failed pod are dropped") {
    const auto [r, launched_after, live_nodes] = run(doc);
    CHECK(r.faults.at(0).instances_lost == 1);
    CHECK(r.faults.at(0).requests_in_flight_lost > 0);  // 100 requests/s per pod of several ms each: busy
    CHECK(launched_after == 1);
    CHECK(live_nodes == 2);
    CHECK(r.requests.dropped == r.faults.at(0).requests_in_flight_lost);
    CHECK(r.faults.at(0).requests_lost == r.faults.at(0).requests_in_flight_lost);
    check_conservation(r);
  }
  SECTION("one retry: every lost request is retried on the surviving pod and served") {
    doc["client"] = {{"max_retries", 1}};
    const auto [r, launched_after, live_nodes] = run(doc);
    CHECK(r.faults.at(0).requests_lost == 0);
    CHECK(r.client.retries == r.faults.at(0).requests_in_flight_lost);
    CHECK(r.requests.dropped == 0);
    check_conservation(r);
  }
}

TEST_CASE("Kubernetes pods crash at the given rate and are replaced", "[faults]") {
  // Two pods ready for the whole 1,800 s run (their replacements start at once: no runtime init or model
  // load given), 60 crashes per pod-hour: 2 x 60 x 0.5 h = 60 crashes expected (Poisson, sigma 7.7).
  json doc = k8s_two_pods({{{"kind", "crash"}, {"rate_per_instance_hour", 60}}});
  const auto s = test::simulate(scenario_from(doc));
  const auto& r = s.results.at(0);
  CHECK(std::abs(static_cast<double>(r.faults.at(0).instances_lost) - 60.0) < 4 * std::sqrt(60.0));
  CHECK(r.faults.at(0).requests_in_flight_lost > 0);
  CHECK(r.requests.dropped == r.faults.at(0).requests_lost);
  check_conservation(r);
}

TEST_CASE("Cloud Run instances crash at the given rate: their requests are lost, minimum instances restart",
          "[faults]") {
  TempDir dir;
  // Concurrency 1 and 1 s requests on 1 vCPU: as on Lambda, a request is lost with p = 1 - e^-0.1.
  auto doc = lambda_scenario(every_100ms(dir), 1000);
  doc["candidates"] = {
      {{"name", "run"}, {"platform", "gcp-cloud-run"}, {"concurrency", 1}, {"max_instances", 100}}};
  doc["faults"] = {{{"kind", "crash"}, {"rate_per_instance_hour", 360}}};
  const double p = 1 - std::exp(-0.1), n = 10000;
  SECTION("dynamic instances") {
    const auto& r = test::simulate_first(doc);
    CHECK(std::abs(static_cast<double>(r.requests.dropped) - n * p) < 4 * std::sqrt(n * p * (1 - p)));
    CHECK(r.faults.at(0).requests_in_flight_lost == r.requests.dropped);
    CHECK(r.faults.at(0).instances_lost >= r.requests.dropped);
    check_conservation(r);
  }
  SECTION("minimum instances are restarted (each restart is a cold start)") {
    doc["candidates"][0]["min_instances"] = 20;
    const auto& r = test::simulate_first(doc);
    CHECK(std::abs(static_cast<double>(r.requests.dropped) - n * p) < 4 * std::sqrt(n * p * (1 - p)));
    CHECK(r.instances_peak >= 20);
    check_conservation(r);
  }
}
