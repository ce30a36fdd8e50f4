// The Kubernetes GPU model against hand-computed timelines: HPA replica counts, Cluster Autoscaler node
// timing with shared image pulls, grace-period billing, dynamic batch formation, conservation, bad input.
#include "platforms/kubernetes_gpu/kubernetes_model.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <sstream>

#include "platforms/fleet/gpu_catalog.hpp"
#include "support/sim_harness.hpp"

using servesim::InputError;
using servesim::platforms::BatchLatency;
using servesim::platforms::gpu_catalog;
using servesim::platforms::KubernetesModel;
using servesim::platforms::KubernetesParams;
using servesim::platforms::NodePool;
using servesim::platforms::RooflineInputs;
using servesim::platforms::Settings;
using servesim::test::scenario_from;
namespace sim = servesim::sim;

namespace {

nlohmann::json base_doc(nlohmann::json candidate) {
  candidate["platform"] = "kubernetes-gpu";
  return {{"seed", 5},
          {"workload", {{"type", "poisson"}, {"rate_rps", 1}, {"duration_s", 10}}},
          {"service", {{"warm", {{"type", "constant"}, {"value_ms", 1}}}}},
          {"slo", {{"p99_ms", 1e6}, {"timeout_s", 1e5}}},
          {"candidates", {candidate}}};
}

// Drives one model without SimGrid (no image pulls: image_size_gb 0), with the engine's ordering: a model
// event due at or before the next arrival goes first.
struct Replay {
  sim::Scenario scenario;
  std::unique_ptr<KubernetesModel> model;
  sim::Recorder rec{60, 1e6, [](const sim::IntervalRow&) {}};
  sim::TransferPool transfers{0};
  sim::Rng rng{1};
  sim::Client client{sim::ClientSpec{}, 0, rec, rng};
  sim::CrashHazard crashes;
  sim::ModelContext ctx{rec, transfers, rng, client, crashes};

  explicit Replay(const nlohmann::json& doc) : scenario(scenario_from(doc)) {
    const auto& c = scenario.candidates.at(0);
    model = std::make_unique<KubernetesModel>(KubernetesParams::from(Settings(c, scenario.file), c.settings),
                                              scenario);
    model->start(ctx);
  }
  size_t next_ = 0;  // arrivals fed so far
  // Feeds the arrivals (the same list on every call) and runs the model's events up to and including
  // until_s.
  void run(const std::vector<double>& arrivals, double until_s) {
    size_t& i = next_;
    for (;;) {
      const double t_arrival = i < arrivals.size() ? arrivals[i] : KubernetesModel::kNever;
      const double t_model = model->next_event_s();
      if (std::min(t_arrival, t_model) > until_s) break;
      if (t_model <= t_arrival) {
        model->handle_next_event();
      } else {
        rec.arrival(t_arrival);
        model->on_arrival(t_arrival, t_arrival, 0);
        ++i;
      }
    }
  }
};

std::vector<double> every(double from_s, double to_s, double step_s) {
  std::vector<double> out;
  for (double t = from_s; t < to_s; t += step_s) out.push_back(t);
  return out;
}

}  // namespace

TEST_CASE("platforms::KubernetesModel: HPA replica counts for a step in load, end to end") {
  // One 16-GPU node is ready from the start, so new pods start at once (runtime init and model load 0).
  // requests_per_pod with target 1/s; 32 requests/s for 60 s, then 1/s.
  auto doc = base_doc({{"gpus_per_node", 16},
                       {"max_replicas", 16},
                       {"hpa_metric", "requests_per_pod"},
                       {"hpa_target_requests_per_pod_per_s", 1},
                       {"image_size_gb", 0},
                       {"max_batch_size", 1},
                       {"max_queue_delay_ms", 0},
                       {"measured_batch_latency_ms", {{1, 1}}}});
  Replay r(doc);
  auto arrivals = every(0, 60, 1.0 / 32);  // exact binary fractions: 480 per 15 s window
  for (double t = 60.5; t < 500; t += 1) arrivals.push_back(t);
  // Hand-computed: t=15 desired ceil(32) -> limited to max(1+4, 2x1) = 5; t=30 -> max(9, 10) = 10;
  // t=45 -> max(14, 20) = 20 -> capped at 16. From t=75 the load is 1/s: desired ceil(1/16 x 16) = 1, held
  // at 16 by the 300 s stabilisation until the last recommendation of 32 (t=60) leaves it at t=360.
  const std::vector<std::pair<double, uint32_t>> expected = {
      {14.9, 1}, {15, 5}, {29.9, 5}, {30, 10}, {45, 16}, {200, 16}, {359.9, 16}, {360, 1}, {480, 1}};
  for (const auto& [t, n] : expected) {
    r.run(arrivals, t);
    INFO("t = " << t);
    CHECK(r.model->replicas() == n);
  }
  r.run(arrivals, 1000);
  r.model->finish(1000);
  const auto& q = r.rec.totals();
  CHECK(q.served == q.arrived);
}

TEST_CASE("platforms::KubernetesModel: grace-period billing and node removal after the unneeded time") {
  // One 1-GPU node (g4dn.xlarge, $0.526/h). 32 req/s for 60 s, then none, until t = 2000 s.
  auto doc = base_doc({{"max_replicas", 2},
                       {"hpa_metric", "requests_per_pod"},
                       {"hpa_target_requests_per_pod_per_s", 1},
                       {"image_size_gb", 0},
                       {"node_boot_s", 60},
                       {"gpu_driver_setup_s", 0},
                       {"max_batch_size", 1},
                       {"max_queue_delay_ms", 0},
                       {"measured_batch_latency_ms", {{1, 1}}}});
  Replay r(doc);
  r.run(every(0, 60, 1.0 / 32), 2000);
  r.model->finish(2000);
  // t=15: HPA -> 2 pods; the second is pending on a full cluster. CA scan at t=20, node requested at 25
  // (scale-up latency 5 s), booted at 85, pod ready at 85. The load stops at 60: recommendations 0 from
  // t=75; the 32 of t=60 leaves the 300 s window at t=360 -> 1 pod. The newest-ready pod (the second)
  // terminates at 360 and holds its GPU for 30 s; its node is empty at 390, found unneeded by the scan at
  // 390 and removed by the scan at 990 (10 min later; the last scale-up at 20 is more than 10 min ago).
  const NodePool& pool = r.model->nodes();
  REQUIRE(pool.node_ids() == 2);
  CHECK(pool.node(1).launched_s == Approx(25));
  CHECK(pool.node(1).ready_s == Approx(85));
  CHECK(pool.node(1).removed_s == Approx(990));
  CHECK(pool.node(0).state == NodePool::State::ready);
  const double node_s = 2000 + (990 - 25);
  const double idle_s = 30 + 600;  // grace period + unneeded time, on node 1's only GPU
  CHECK(pool.node_seconds() == Approx(node_s));
  CHECK(pool.idle_slot_seconds() == Approx(idle_s));
  const double usd_per_s = 0.526 / 3600;
  double nodes_usd = 0, idle_usd = 0;
  for (const auto& [name, usd] : r.rec.costs()) {
    if (name == "gpu_nodes_usd") nodes_usd = usd;
    if (name == "gpu_idle_terminating_usd") idle_usd = usd;
  }
  CHECK(idle_usd == Approx(idle_s * usd_per_s));
  CHECK(nodes_usd == Approx((node_s - idle_s) * usd_per_s));
  CHECK(r.rec.totals().served == r.rec.totals().arrived);
}

TEST_CASE("platforms::KubernetesModel: dynamic batch formation under max queue delay") {
  // One pod; every batch takes 10 ms whatever its size; max 4 per batch, max queue delay 20 ms.
  auto doc = base_doc({{"min_replicas", 1},
                       {"max_replicas", 1},
                       {"image_size_gb", 0},
                       {"max_batch_size", 4},
                       {"max_queue_delay_ms", 20},
                       {"measured_batch_latency_ms", {{1, 10}, {8, 10}}}});
  SECTION("arrivals slower than the batch fills: batches of one leave at the max queue delay") {
    Replay r(doc);
    r.run(every(1, 2, 0.125), 10);  // 8 requests 125 ms apart
    CHECK(r.rec.totals().served == 8);
    CHECK(r.rec.latency().mean_s() == Approx(0.030));  // 20 ms wait + 10 ms batch, each
    CHECK(r.rec.latency().max_s() == Approx(0.030));
  }
  SECTION("a burst: full batches of max_batch_size, the rest at the max queue delay") {
    Replay r(doc);
    r.run(std::vector<double>(6, 1.0), 10);  // 6 requests at t = 1 s
    // Batch of 4 at 1.000 (full) -> done 1.010; the remaining 2 wait until 1.000 + 20 ms -> done 1.030.
    CHECK(r.rec.totals().served == 6);
    CHECK(r.rec.latency().mean_s() == Approx((4 * 0.010 + 2 * 0.030) / 6));
    CHECK(r.rec.latency().max_s() == Approx(0.030));
  }
  SECTION("a burst of two full batches: the second leaves as soon as the GPU is free") {
    Replay r(doc);
    r.run(std::vector<double>(8, 1.0), 10);
    CHECK(r.rec.latency().mean_s() == Approx((4 * 0.010 + 4 * 0.020) / 8));
  }
}

TEST_CASE("platforms::KubernetesModel: the roofline batch latency (an estimate)") {
  // T4 at fp16: 65 TFLOP/s, 320 GB/s (NVIDIA T4 datasheet); 10 GFLOP and 1 MB of activations per request,
  // 100 MB of weights, model class other: efficiency 0.5 (of compute), 1 ms overhead.
  // b=1: max(10e9/32.5e12 = 0.3077 ms, 101e6/320e9 = 0.315625 ms) = 0.315625 ms (memory bound) + 1 ms;
  // b=8: max(80e9/32.5e12 = 2.4615 ms, 108e6/320e9 = 0.3375 ms) + 1 ms (compute bound).
  const RooflineInputs in{10, 100e6, 1e6, 65e12, 320e9, 0.5, 1e-3};
  const auto t = BatchLatency::roofline(in, 8);
  CHECK(t.seconds(1) == Approx(1.315625e-3));
  CHECK(t.seconds(8) == Approx(1e-3 + 80e9 / 32.5e12));
  SECTION("the weights default to the scenario's model_size_mb; the latency is estimated") {
    auto doc = base_doc({{"model_gflops_per_request", 10}, {"activation_mb_per_request", 1}});
    doc["service"]["cold_start"] = {{"model_size_mb", 100}};
    Replay r(doc);
    CHECK(r.model->batch_latency().seconds(1) == Approx(1.315625e-3));
    CHECK(r.model->latency_source() == "estimated");
  }
  SECTION("model class cnn at int8 on a g6.xlarge: the L4's INT8 peak and the Ada cnn fit; calibrated") {
    // 8.2 GFLOP, 25.6 MB (ResNet-50 in INT8): b=1 memory bound, 25.6e6 / 300e9 = 85.33 us, plus the fitted
    // overhead (gpus.json, cnn/ada).
    auto doc = base_doc({{"node_type", "g6.xlarge"},
                         {"model_class", "cnn"},
                         {"precision", "int8"},
                         {"model_gflops_per_request", 8.2},
                         {"model_weight_mb", 25.6}});
    Replay r(doc);
    const double overhead_s = gpu_catalog().fit_for("cnn", "ada")->overhead_ms / 1e3;
    CHECK(r.model->batch_latency().seconds(1) == Approx(25.6e6 / 300e9 + overhead_s));
    CHECK(r.model->latency_source() == "calibrated");
  }
  SECTION("a measured table wins and is measured") {
    auto doc = base_doc({{"model_class", "cnn"}, {"precision", "int8"}});
    doc["candidates"][0]["measured_batch_latency_ms"] =
        nlohmann::json::array({nlohmann::json::array({1, 2.0})});
    Replay r(doc);
    CHECK(r.model->batch_latency().seconds(1) == Approx(2e-3));
    CHECK(r.model->latency_source() == "measured");
  }
}

TEST_CASE("platforms::KubernetesModel: node types, GPUs per pod and their errors") {
  SECTION("a p5.48xlarge has 8 H100s; gpus_per_pod 9 is refused with the node's count") {
    auto doc = base_doc({{"node_type", "p5.48xlarge"}, {"gpus_per_pod", 8}});
    CHECK_NOTHROW(Replay(doc));
    doc["candidates"][0]["gpus_per_pod"] = 3;
    CHECK_THROWS_WITH(
        Replay(doc),
        "test-scenario.json: /candidates/0/gpus_per_pod: expected a divisor of the node's 8 GPUs "
        "(p5.48xlarge), got 3");
    doc["candidates"][0]["gpus_per_pod"] = 2;
    doc["candidates"][0]["node_type"] = "g6e.xlarge";
    CHECK_THROWS_WITH(Replay(doc),
                      "test-scenario.json: /candidates/0/gpus_per_pod: expected 1..1 (the GPUs of a "
                      "g6e.xlarge node), got 2");
    doc["candidates"][0]["gpus_per_pod"] = 9;
    CHECK_THROWS_WITH(Replay(doc), Catch::Contains("/candidates/0/gpus_per_pod: expected 1..8 GPUs, got 9"));
  }
  SECTION("a precision the GPU lacks is refused: the T4 has no bf16") {
    auto doc = base_doc({{"precision", "bf16"}});
    CHECK_THROWS_WITH(
        Replay(doc),
        "test-scenario.json: /candidates/0/precision: expected a precision the NVIDIA T4 supports "
        "(fp32, fp16, int8), got \"bf16\"");
  }
  SECTION("a pod with 4 GPUs splits a batch of 4 x max_batch_size over them") {
    // p4d.24xlarge (8 x A100 40 GB), 2 pods per node; measured latency 10 ms for any batch, max batch 2:
    // 8 requests at once fill one pod's 4 GPUs with 2 each and all leave together after 10 ms.
    auto doc = base_doc({{"node_type", "p4d.24xlarge"}, {"gpus_per_pod", 4}, {"max_batch_size", 2}});
    doc["candidates"][0]["measured_batch_latency_ms"] =
        nlohmann::json::array({nlohmann::json::array({1, 10.0})});
    Replay r(doc);
    r.run(std::vector<double>(8, 1.0), 10);
    CHECK(r.rec.latency().max_s() == Approx(0.010));
  }
}

TEST_CASE("platforms::KubernetesModel: node timing, alone and sharing the registry link") {
  // A 6 GB image over 60 MB/s per connection: 100 s alone. HPA (requests_per_pod, target 1/s) at t=15
  // asks for more pods than the 1-GPU node holds; the CA scan at 20 decides, the node is requested at 25,
  // booted at 295, driver ready at 565, pulled at 665 (+ the route's latency, 35 ms).
  auto doc = base_doc({{"hpa_metric", "requests_per_pod"},
                       {"hpa_target_requests_per_pod_per_s", 1},
                       {"image_size_gb", 6},
                       {"registry_per_connection_mb_per_s", 60},
                       {"max_batch_size", 1},
                       {"max_queue_delay_ms", 0},
                       {"measured_batch_latency_ms", {{1, 1}}}});
  // 32 requests/s for 800 s, as a request trace with exact timestamps.
  servesim::test::TempDir dir;
  std::ostringstream csv;
  csv << "TIMESTAMP\n";
  for (int k = 0; k < 800 * 32; ++k) csv << k / 32.0 << "\n";
  doc["workload"] = {{"type", "request_trace"}, {"path", dir.write("trace.csv", csv.str())}};
  const double ready_alone_s = 20 + 5 + 270 + 270 + 6e9 / 60e6;
  sim::ColdStartParts parts;
  auto run = [&](uint32_t max_replicas, double shared_gb_per_s) {
    doc["candidates"][0]["max_replicas"] = max_replicas;
    doc["candidates"][0]["registry_shared_gb_per_s"] = shared_gb_per_s;
    const auto sc = scenario_from(doc);
    auto candidates = servesim::platforms::make_candidates(sc);
    auto* model = dynamic_cast<KubernetesModel*>(candidates[0].model.get());
    sim::RunOptions options;
    options.workload = sc.workload;
    options.seed = sc.seed;
    const auto results = sim::simulate(options, candidates);
    CHECK(results[0].requests.served == results[0].requests.arrived);
    parts = results[0].cold_start_parts;
    std::vector<double> ready;
    for (uint32_t i = 1; i < model->nodes().node_ids(); ++i) ready.push_back(model->nodes().node(i).ready_s);
    return ready;
  };
  SECTION("one new node pulls alone at the per-connection rate") {
    const auto ready = run(2, 1.25);
    REQUIRE(ready.size() == 1);
    CHECK(ready[0] == Approx(ready_alone_s).margin(0.1));
    // summary.json's cold_start: the new pod (created at 15 s) waited 550 s for the node (scale-up, boot,
    // driver: allocation) and 100 s for its pull, then its own init and load; the 6,000 MB counted once.
    REQUIRE(parts.count == 1);
    CHECK(parts.allocation_s == Approx(565 - 15).margin(0.1));
    CHECK(parts.pull_s == Approx(100).margin(0.1));
    CHECK(parts.fetched_mb == Approx(6000));
  }
  SECTION("two nodes pulling at once over a link of 60 MB/s take twice as long") {
    const auto ready = run(3, 0.06);
    REQUIRE(ready.size() == 2);
    CHECK(ready[0] == Approx(ready_alone_s + 100).margin(0.1));
    CHECK(ready[1] == Approx(ready_alone_s + 100).margin(0.1));
    // Two new pods, one per node, each the first on its node's pull: 200 s of pull each, 6,000 MB each.
    REQUIRE(parts.count == 2);
    CHECK(parts.pull_s == Approx(2 * 200).margin(0.2));
    CHECK(parts.fetched_mb == Approx(12000));
  }
}

TEST_CASE("platforms::KubernetesModel: conservation and determinism") {
  auto doc = base_doc({{"max_replicas", 4},
                       {"image_size_gb", 1},
                       {"node_boot_s", 30},
                       {"gpu_driver_setup_s", 10},
                       {"queue_capacity", 50},
                       {"max_batch_size", 4},
                       {"measured_batch_latency_ms", {{1, 20}, {4, 40}}}});
  doc["workload"] = {{"type", "spike"}, {"base_rps", 20},          {"spike_factor", 8}, {"spike_start_s", 60},
                     {"ramp_s", 30},    {"spike_duration_s", 120}, {"duration_s", 600}};
  doc["slo"]["timeout_s"] = 2;
  doc["service"]["cold_start"] = {{"runtime_init", {{"type", "constant"}, {"value_ms", 5000}}}};
  for (const std::string autoscaler : {"hpa", "keda"}) {
    doc["candidates"][0]["autoscaler"] = autoscaler;
    doc["candidates"][0]["min_replicas"] = autoscaler == "keda" ? 0 : 1;
    const auto sc = scenario_from(doc);
    const auto a = servesim::test::simulate(sc);
    const auto b = servesim::test::simulate(sc);
    const auto& q = a.results.at(0).requests;
    INFO(autoscaler);
    CHECK(q.arrived > 10000);
    CHECK(q.served > 0);
    CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
    CHECK(b.results.at(0).requests.served == q.served);
    CHECK(b.results.at(0).requests.timed_out == q.timed_out);
    // SimGrid's clock does not restart between runs in one process: transfer times may differ in the last
    // bits.
    CHECK(b.results.at(0).latency.mean_s() == Approx(a.results.at(0).latency.mean_s()).epsilon(1e-12));
    CHECK(b.results.at(0).cost_total_usd == Approx(a.results.at(0).cost_total_usd).epsilon(1e-12));
  }
}

TEST_CASE("platforms::KubernetesModel: bad input names the field and the allowed values") {
  auto error_of = [](const nlohmann::json& candidate) -> std::string {
    const auto sc = scenario_from(base_doc(candidate));
    try {
      servesim::platforms::make_candidates(sc);
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(error_of({{"node_type", "p3.2xlarge"}}),
             Catch::Contains("/candidates/0/node_type") &&
                 Catch::Contains(
                     "expected one of g4dn.xlarge, g5.xlarge, g6.xlarge, g6e.xlarge, g6.12xlarge, "
                     "g6e.12xlarge, g6e.48xlarge, p4d.24xlarge, p4de.24xlarge, p5.48xlarge, p5e.48xlarge, "
                     "got \"p3.2xlarge\""));
  CHECK_THAT(error_of({{"max_batch_size", 0}}),
             Catch::Contains("/candidates/0/max_batch_size") && Catch::Contains("expected 1..4096"));
  CHECK_THAT(error_of({{"min_replicas", 5}, {"max_replicas", 2}}),
             Catch::Contains("/candidates/0/min_replicas") &&
                 Catch::Contains("expected 0..max_replicas (2), got 5"));
  CHECK_THAT(error_of({{"min_replicas", 0}}),
             Catch::Contains("/candidates/0/min_replicas") && Catch::Contains("autoscaler keda"));
  CHECK_THAT(error_of({{"measured_batch_latency_ms", {{4, 10}, {2, 5}}}}),
             Catch::Contains("/candidates/0/measured_batch_latency_ms") && Catch::Contains("increasing"));
}

TEST_CASE("platforms::KubernetesModel: replay speed against a fixed pool [.perf]", "[.perf]") {
  // Not run by default: `test_platforms_kubernetes_model [.perf]`. 4 M requests through 64 pods.
  auto doc = base_doc({{"min_replicas", 64},
                       {"max_replicas", 64},
                       {"gpus_per_node", 8},
                       {"image_size_gb", 0},
                       {"measured_batch_latency_ms", {{1, 5}, {8, 10}}}});
  doc["workload"] = {{"type", "poisson"}, {"rate_rps", 4000}, {"duration_s", 1000}};
  auto pool = doc;
  pool["candidates"] = {{{"platform", "fixed-pool"}, {"servers", 64}}};
  const auto k8s = servesim::test::simulate(scenario_from(doc));
  const auto fixed = servesim::test::simulate(scenario_from(pool));
  WARN("kubernetes-gpu " << k8s.results[0].wall_s << " s, fixed-pool " << fixed.results[0].wall_s << " s for "
                         << k8s.results[0].requests.arrived << " requests");
  CHECK(k8s.results[0].requests.served == k8s.results[0].requests.arrived);
}

TEST_CASE("platforms::StartupProbe: readiness on the probe grid, killed past its budget") {
  using servesim::platforms::StartupProbe;
  // Kubernetes' defaults: initialDelaySeconds 0, periodSeconds 10, failureThreshold 3 (probes at 10, 20, 30
  // s).
  StartupProbe probe;
  probe.enabled = true;
  // Loaded after 23 s: the probes at 10 and 20 s fail, the one at 30 s passes (7 s added).
  CHECK(probe.judge(23).passes);
  CHECK(probe.judge(23).at_s == 30);
  CHECK(probe.judge(30).at_s == 30);   // ready exactly on a probe: that probe passes
  CHECK(probe.judge(0.5).at_s == 10);  // the first probe comes one period after the initial delay
  // failureThreshold 2: the budget is 0 + 2 x 10 = 20 s; not loaded by then, killed at 20 s.
  probe.failure_threshold = 2;
  CHECK_FALSE(probe.judge(23).passes);
  CHECK(probe.judge(23).at_s == 20);
  // initialDelaySeconds 5: probes at 15, 25, ...
  probe.initial_delay_s = 5;
  CHECK(probe.judge(23).at_s == 25);
}

TEST_CASE("platforms::KubernetesModel: a startup probe delays new pods and kills those past its budget") {
  // As the HPA step above: one 16-GPU node from the start; new pods (from t = 15 s) load the model in 23 s.
  auto doc = base_doc({{"gpus_per_node", 16},
                       {"max_replicas", 16},
                       {"hpa_metric", "requests_per_pod"},
                       {"hpa_target_requests_per_pod_per_s", 1},
                       {"image_size_gb", 0},
                       {"max_batch_size", 1},
                       {"max_queue_delay_ms", 0},
                       {"measured_batch_latency_ms", {{1, 1}}},
                       {"startup_probe", {{"period_s", 10}}}});
  doc["service"]["cold_start"] = {{"model_load", {{"type", "constant"}, {"value_ms", 23000}}}};
  auto arrivals = every(0, 60, 1.0 / 32);
  for (double t = 60.5; t < 500; t += 1) arrivals.push_back(t);
  auto lever = [](const KubernetesModel& m, const std::string& name) {
    for (const auto& [k, v] : m.lever_outcome())
      if (k == name) return v;
    return -1.0;
  };
  SECTION("failureThreshold 3: every new pod passes at 30 s, 7 s after its model is loaded") {
    Replay r(doc);
    r.run(arrivals, 1000);
    r.model->finish(1000);
    const double passed = lever(*r.model, "startup_probe_passed");
    CHECK(passed >= 4);  // the HPA's first step alone starts 4 pods
    CHECK(lever(*r.model, "startup_probe_wait_s") == Approx(7 * passed));
    CHECK(lever(*r.model, "startup_probe_kills") == 0);
    const auto& q = r.rec.totals();
    CHECK(q.served == q.arrived);
  }
  SECTION("failureThreshold 2: killed at 20 s and restarted, never ready; every arrival accounted for") {
    doc["candidates"][0]["startup_probe"]["failure_threshold"] = 2;
    Replay r(doc);
    r.run(arrivals, 1000);
    r.model->finish(1000);
    CHECK(lever(*r.model, "startup_probe_passed") == 0);
    CHECK(lever(*r.model, "startup_probe_kills") >= 4);
    const auto& q = r.rec.totals();
    CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
  }
  SECTION("bad probe fields are refused with their pointer") {
    doc["candidates"][0]["startup_probe"] = {{"period_s", 0}};
    const auto sc = scenario_from(doc);
    const auto& c = sc.candidates.at(0);
    CHECK_THROWS_WITH(KubernetesParams::from(Settings(c, sc.file), c.settings),
                      Catch::Contains("/candidates/0/startup_probe/period_s: expected 1..86400, got 0"));
  }
}
