// The transfer pool carries each class of transfers as one SimGrid flow (sim/transfer_pool.hpp). These tests
// check it against max-min arithmetic worked by hand, and against the reference pool that runs one SimGrid
// communication per transfer (RunOptions::exhaustive_transfers) on storms, mixed sizes, slow-storage faults
// (two classes weighted on one link), Lambda downloads and image pulls.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "support/sim_harness.hpp"

using namespace servesim;
using nlohmann::json;

namespace {

// Cloud Run catalogue defaults (platforms/gcp_cloud_run/gcp-cloud-run.json): the model store is shared at
// 12.5 GB/s, one connection tops out at 85 MB/s; SimGrid's TCP window is 4 MiB (sim/engine.cpp), so the
// route's one-way latency is 4,194,304 / (2 x 85e6) s.
constexpr double kSharedBytesPerS = 12.5e9;
constexpr double kLatencyS = 4194304.0 / (2 * 85e6);

json cloud_run(uint32_t max_instances) {
  return {{"name", "cr"},     {"platform", "gcp-cloud-run"},   {"vcpu", 4}, {"memory_gib", 16},
          {"concurrency", 1}, {"max_instances", max_instances}};
}
// The same without the autoscaler's first decision for a minute: only the instances the requests start
// themselves download (at 2 s the autoscaler would add standby instances for 60% target utilisation, and
// their downloads would share the link too).
json cloud_run_requests_only(uint32_t max_instances) {
  json c = cloud_run(max_instances);
  c["autoscale_tick_s"] = 60;
  return c;
}

json storm_doc(const json& workload, double model_mb, const json& candidate) {
  return {{"seed", 3},
          {"workload", workload},
          {"service",
           {{"warm", test::constant_ms(1000)},
            {"cold_start",
             {{"runtime_init", test::constant_ms(500)},
              {"model_size_mb", model_mb},
              {"model_load", test::constant_ms(2000)}}}}},
          {"slo", {{"p99_ms", 1e7}, {"timeout_s", 3600}}},
          {"candidates", {candidate}}};
}

sim::CandidateResult run(const json& doc, bool exhaustive) {
  const sim::Scenario sc = test::scenario_from(doc);
  auto candidates = platforms::make_candidates(sc);
  auto options = sim::RunOptions::for_scenario(sc);
  options.exhaustive_transfers = exhaustive;
  return sim::simulate(options, candidates).at(0);
}

// Both pools must give the same outcome: the completion times come from SimGrid's max-min in both; only the
// number of SimGrid flows differs (one per class, one per transfer).
void require_same(const sim::CandidateResult& fast, const sim::CandidateResult& reference) {
  CHECK(fast.requests.arrived == reference.requests.arrived);
  CHECK(fast.requests.served == reference.requests.served);
  CHECK(fast.requests.cold_starts == reference.requests.cold_starts);
  CHECK(fast.requests.timed_out == reference.requests.timed_out);
  CHECK(fast.requests.throttled == reference.requests.throttled);
  CHECK(fast.latency.mean_s() == Approx(reference.latency.mean_s()).epsilon(1e-9));
  CHECK(fast.latency.quantile_s(0.99) == Approx(reference.latency.quantile_s(0.99)).epsilon(1e-9));
  CHECK(fast.latency.max_s() == Approx(reference.latency.max_s()).epsilon(1e-9));
  CHECK(fast.cost_total_usd == Approx(reference.cost_total_usd).epsilon(1e-9));
  CHECK(fast.simulated_s == Approx(reference.simulated_s).epsilon(1e-12));
}

}  // namespace

TEST_CASE("sim::TransferPool: simultaneous downloads share the store link max-min fairly (worked by hand)") {
  // 200 requests at t = 0, concurrency 1: 200 instances start at once, each downloads 500 MB after its 0.5 s
  // runtime init. 200 connections x 85 MB/s = 17 GB/s exceeds 12.5 GB/s, so each gets 12.5e9 / 200 =
  // 62.5 MB/s and all finish together after the route latency + 200 x 500e6 / 12.5e9 = 8 s. Every request
  // then waits for the 2 s model load and is served in 1 s:
  //   latency = 0.5 + 0.0246724 + 8 + 2 + 1 = 11.5246724 s.
  test::TempDir dir;
  const std::vector<double> at_zero(200, 0.0);
  const json doc = storm_doc(test::trace_at(dir, at_zero), 500, cloud_run_requests_only(1000));
  const double expected_s = 0.5 + kLatencyS + 200 * 500e6 / kSharedBytesPerS + 2 + 1;
  const sim::CandidateResult fast = run(doc, false);
  REQUIRE(fast.requests.cold_starts == 200);
  REQUIRE(fast.requests.served == 200);
  CHECK(fast.latency.mean_s() == Approx(expected_s).epsilon(1e-6));
  CHECK(fast.latency.max_s() == Approx(expected_s).epsilon(1e-6));
  require_same(fast, run(doc, true));
}

TEST_CASE("sim::TransferPool: k simultaneous equal downloads over one link finish at k x size / bandwidth") {
  // 5,000 requests at t = 0: 5,000 downloads of 50 MB start together after the 0.5 s runtime init, each at
  // 12.5e9 / 5,000 = 2.5 MB/s (below the 85 MB/s ceiling), carried by one SimGrid flow of weight 5,000. They
  // all finish after the latency + 5,000 x 50e6 / 12.5e9 = 20 s:
  //   latency = 0.5 + 0.0246724 + 20 + 2 + 1 = 23.5246724 s.
  test::TempDir dir;
  const json doc =
      storm_doc(test::trace_at(dir, std::vector<double>(5000, 0.0)), 50, cloud_run_requests_only(10000));
  const sim::CandidateResult pooled = run(doc, false);
  REQUIRE(pooled.requests.cold_starts == 5000);
  REQUIRE(pooled.requests.served == 5000);
  const double expected_s = 0.5 + kLatencyS + 5000 * 50e6 / kSharedBytesPerS + 2 + 1;
  CHECK(pooled.latency.mean_s() == Approx(expected_s).epsilon(1e-6));
  CHECK(pooled.latency.max_s() == Approx(expected_s).epsilon(1e-6));
}

TEST_CASE("sim::TransferPool: under the link's fair share each download runs at the per-connection ceiling") {
  // 100 connections x 85 MB/s = 8.5 GB/s < 12.5 GB/s: no sharing, 850 MB take 10 s at 85 MB/s.
  //   latency = 0.5 + 0.0246724 + 10 + 2 + 1 = 13.5246724 s.
  test::TempDir dir;
  const json doc =
      storm_doc(test::trace_at(dir, std::vector<double>(100, 0.0)), 850, cloud_run_requests_only(1000));
  const sim::CandidateResult fast = run(doc, false);
  REQUIRE(fast.requests.served == 100);
  CHECK(fast.latency.mean_s() == Approx(0.5 + kLatencyS + 10 + 2 + 1).epsilon(1e-6));
  CHECK(fast.latency.max_s() == Approx(0.5 + kLatencyS + 10 + 2 + 1).epsilon(1e-6));
}

TEST_CASE("sim::TransferPool: staggered starts finish in start order, as the reference pool finds") {
  // Arrivals spread over 60 s: downloads start at different times, so they finish at different times and
  // rates change at every start and finish. Both pools must agree on every completion.
  const json doc = storm_doc(test::poisson(40, 60), 1500, cloud_run(5000));
  const sim::CandidateResult fast = run(doc, false);
  REQUIRE(fast.requests.cold_starts > 1000);
  require_same(fast, run(doc, true));
}

TEST_CASE("sim::TransferPool: a slow-storage fault puts two classes of downloads on one link") {
  // Downloads started during the fault take the slow route (a quarter of the per-connection ceiling) and
  // share the store link with the nominal ones: two classes, each one SimGrid flow weighted by its latency.
  json doc = storm_doc(test::poisson(40, 90), 800, cloud_run(5000));
  doc["faults"] = {
      {{"kind", "slow-storage"}, {"start_s", 20}, {"duration_s", 30}, {"bandwidth_factor", 0.25}}};
  const sim::CandidateResult fast = run(doc, false);
  REQUIRE(fast.requests.cold_starts > 500);
  require_same(fast, run(doc, true));
}

TEST_CASE("sim::TransferPool: Lambda downloads and Kubernetes image pulls agree with the reference pool") {
  json lambda =
      storm_doc(test::poisson(30, 60), 400, {{"name", "l"}, {"platform", "aws-lambda"}, {"memory_mb", 3008}});
  require_same(run(lambda, false), run(lambda, true));
  json k8s = storm_doc(test::poisson(50, 120), 300,
                       {{"name", "k"},
                        {"platform", "kubernetes-gpu"},
                        {"min_replicas", 1},
                        {"max_replicas", 200},
                        {"max_nodes", 200},
                        {"model_gflops_per_request", 11},
                        {"model_weight_mb", 300}});
  k8s["service"]["cold_start"].erase("model_size_mb");
  require_same(run(k8s, false), run(k8s, true));
}
