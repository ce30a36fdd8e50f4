// Asynchronous invocation on the shared instance fleet (platforms/fleet/instance_fleet.*), through Google
// Cloud Run, and on a fixed pool: an event ends the way sim::Client::completed says for every platform
// (docs/events.md). Nobody waits for an event, so the client's timeout_s never applies: one that runs past it
// is served, its latency the delay from enqueue to the end of processing. Cloud Run's request timeout stops a
// request with HTTP 504
// ("If your service doesn't respond within this limit, Cloud Run closes the network connection and returns an
// HTTP 504 error", run/docs/configuring/request-timeout): for an event, a function error that the event queue
// retries 1 then 2 minutes later and then dead-letters. A refusal from the platform's queue (HTTP 429 after
// queue_timeout_s) is retried with backoff (1 s, 2 s, ...). Every number below is worked by hand from those
// rules.
#include <catch2/catch.hpp>
#include <vector>

#include "support/accounting.hpp"
#include "support/sim_harness.hpp"

namespace {

using nlohmann::json;
using servesim::test::constant_ms;
using servesim::test::TempDir;
using servesim::test::trace_at;

// One Cloud Run instance (1 vCPU, min = max = 1, concurrency 1: no cold start, one request at a time), a
// client timeout of 5 s, async clients, events at the given times, each taking service_ms alone on 1 vCPU.
json fleet_async_scenario(const TempDir& dir, const std::vector<double>& times_s, double service_ms) {
  json doc = servesim::test::one_candidate_scenario(
      {"gcp-cloud-run", "svc", 5, 100}, trace_at(dir, times_s), {{"warm", constant_ms(service_ms)}},
      {{"min_instances", 1}, {"max_instances", 1}, {"concurrency", 1}});
  doc["slo"] = {{"p99_ms", 5000}, {"timeout_s", 5}};
  doc["client"] = {{"invocation", "async"}};
  return doc;
}

}  // namespace

TEST_CASE("platforms::InstanceFleet: an async event that runs past the client timeout is served",
          "[fleet][async]") {
  TempDir dir;
  // One event at t = 0 needing 8 s on the warm instance: it ends at 8 s, 3 s past the 5 s client timeout.
  auto doc = fleet_async_scenario(dir, {0}, 8000);
  SECTION("async: served, latency 8 s, never timed out") {
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.arrived == 1);
    CHECK(r.requests.served == 1);
    CHECK(r.requests.timed_out == 0);
    CHECK(r.client.async_retries == 0);
    CHECK(r.latency.mean_s() == Approx(8.0).epsilon(1e-9));
    servesim::test::check_async_accounted(r);
  }
  SECTION("sync (unchanged): the caller gave up at 5 s, so it is timed out") {
    doc["client"] = {{"invocation", "sync"}};
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.served == 0);
    CHECK(r.requests.timed_out == 1);
  }
}

TEST_CASE("platforms::InstanceFleet: an async event stopped by the request timeout is a function error",
          "[fleet][async]") {
  TempDir dir;
  // The event needs 12 s; request_timeout_s 10 stops every attempt after 10 s (HTTP 504). Attempt 1 runs
  // 0..10 s; retry 1 at 10 + 60 = 70 s runs to 80 s; retry 2 at 80 + 120 = 200 s runs to 210 s; then the DLQ
  // (MaximumRetryAttempts 2).
  auto doc = fleet_async_scenario(dir, {0}, 12000);
  doc["candidates"][0]["request_timeout_s"] = 10;
  SECTION("async: 2 retries, then dead-lettered; never timed out") {
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.served == 0);
    CHECK(r.requests.timed_out == 0);
    CHECK(r.client.async_retries == 2);
    CHECK(r.client.dead_lettered == 1);
    CHECK(r.requests.dropped == 1);
    servesim::test::check_async_accounted(r);
  }
  SECTION("the second retry comes 200 s after the event: a 180 s maximum age expires it instead") {
    doc["client"]["async_max_event_age_s"] = 180;
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.client.async_retries == 1);
    CHECK(r.client.expired_by_age == 1);
    CHECK(r.requests.timed_out == 0);
    servesim::test::check_async_accounted(r);
  }
  SECTION("sync (unchanged): timed out at 10 s") {
    doc["client"] = {{"invocation", "sync"}};
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.timed_out == 1);
    CHECK(r.client.async_retries == 0);
  }
}

TEST_CASE("platforms::InstanceFleet: an async event refused by the full platform queue is retried",
          "[fleet][async]") {
  TempDir dir;
  // Two events at t = 0 of 10.5 s each on one instance of concurrency 1. The first runs 0..10.5 s. The second
  // waits; at 10 s (queue_timeout_s) Cloud Run refuses it (HTTP 429) and the event queue retries it 1 s
  // later, at 11 s, when the instance is free: it runs 11..21.5 s. Both are served, at 10.5 s and 21.5 s
  // after they were sent (mean 16 s), both past the 5 s client timeout.
  auto doc = fleet_async_scenario(dir, {0, 0}, 10500);
  SECTION("async: both served after one retry") {
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.arrived == 2);
    CHECK(r.requests.served == 2);
    CHECK(r.requests.timed_out == 0);
    CHECK(r.requests.throttled == 0);
    CHECK(r.client.async_retries == 1);
    CHECK(r.latency.mean_s() == Approx(16.0).epsilon(1e-9));
    CHECK(r.latency.max_s() == Approx(21.5).epsilon(1e-3));
    servesim::test::check_async_accounted(r);
  }
  SECTION("sync (unchanged): the second waited 10 s, past its caller's 5 s: timed out; the first too") {
    doc["client"] = {{"invocation", "sync"}};
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.served == 0);
    CHECK(r.requests.timed_out == 2);
  }
}

TEST_CASE("platforms::FixedPoolModel: an async event waits in the pool's queue however long it takes",
          "[fleet][async]") {
  TempDir dir;
  // One server, two events at t = 0 of 8 s each, client timeout 5 s. The first runs 0..8 s, the second 8..16
  // s: async, both are served (latencies 8 and 16 s, mean 12 s). A synchronous caller of the first gave up at
  // 5 s (timed out at 8 s); the second's caller has gone by the time the server frees at 8 s (timed out,
  // never run).
  json doc = fleet_async_scenario(dir, {0, 0}, 8000);
  doc["candidates"] = {{{"name", "pool"}, {"platform", "fixed-pool"}, {"servers", 1}}};
  SECTION("async: both served") {
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.served == 2);
    CHECK(r.requests.timed_out == 0);
    CHECK(r.latency.mean_s() == Approx(12.0).epsilon(1e-9));
    servesim::test::check_async_accounted(r);
  }
  SECTION("sync (unchanged): both timed out") {
    doc["client"] = {{"invocation", "sync"}};
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.served == 0);
    CHECK(r.requests.timed_out == 2);
  }
}

TEST_CASE("platforms::FixedPoolModel: an async event refused by the full queue is retried with backoff",
          "[fleet][async]") {
  TempDir dir;
  // One server, a queue of one, three events at t = 0 of 10 s each. The first runs 0..10 s, the second waits,
  // the third finds the queue full (HTTP 503, a system error). Its event queue retries it 1, 2, 4, 8 s after
  // each refusal: at 1, 3 and 7 s the second still waits (refused again); at 15 s the queue is empty (the
  // second started at 10 s), so it waits and runs 20..30 s. Served: 3 (latencies 10, 20, 30 s: mean 20 s),
  // 4 retries. A synchronous caller of the third is refused (dropped); the other two outlast the 5 s timeout.
  json doc = fleet_async_scenario(dir, {0, 0, 0}, 10000);
  doc["candidates"] = {{{"name", "pool"}, {"platform", "fixed-pool"}, {"servers", 1}, {"queue_capacity", 1}}};
  SECTION("async: all three served after 4 retries") {
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.served == 3);
    CHECK(r.requests.dropped == 0);
    CHECK(r.client.async_retries == 4);
    CHECK(r.latency.mean_s() == Approx(20.0).epsilon(1e-9));
    CHECK(r.latency.max_s() == Approx(30.0).epsilon(1e-3));
    servesim::test::check_async_accounted(r);
  }
  SECTION("sync (unchanged): the third is dropped, the others timed out") {
    doc["client"] = {{"invocation", "sync"}};
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.dropped == 1);
    CHECK(r.requests.timed_out == 2);
  }
}

TEST_CASE("platforms::KubernetesModel: an async event refused by a full ingress is retried, not lost",
          "[fleet][async]") {
  TempDir dir;
  // KEDA scales the service from zero: until the first pod is ready the ingress holds at most
  // queue_capacity = 1 request. Of three events at t = 0 the first waits there and the other two are refused
  // (HTTP 503). Their event queue retries them with backoff (1, 3, 7, 15, 31 s, ...) until the pod is ready,
  // so all three are served, after at least one retry each. A synchronous caller of those two is refused:
  // dropped.
  json doc = fleet_async_scenario(dir, {0, 0, 0}, 100);
  doc["candidates"] = {{{"name", "k8s"},
                        {"platform", "kubernetes-gpu"},
                        {"autoscaler", "keda"},
                        {"min_replicas", 0},
                        {"max_replicas", 1},
                        {"queue_capacity", 1},
                        {"image_size_gb", 0},
                        {"max_batch_size", 1},
                        {"max_queue_delay_ms", 0},
                        {"measured_batch_latency_ms", {{1, 100}}}}};
  doc["slo"]["timeout_s"] = 3600;
  SECTION("async: all three served") {
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.served == 3);
    CHECK(r.requests.dropped == 0);
    CHECK(r.client.async_retries >= 2);
    servesim::test::check_async_accounted(r);
  }
  SECTION("sync: the two refused are dropped, the first is served once the pod is ready") {
    doc["client"] = {{"invocation", "sync"}};
    const auto& r = servesim::test::simulate_first(doc);
    CHECK(r.requests.dropped == 2);
    CHECK(r.requests.served == 1);
  }
}
