// Replays a whole rate trace (default: the 22-day Twitter trace, 120.8 M requests) against the Kubernetes GPU
// model (g4dn.xlarge nodes, the HPA on 10 requests/s per pod, the Cluster Autoscaler, image pulls, dynamic
// batching with the roofline batch latency) through sim::simulate, then the same accounting as a bare loop
// (bare_kubernetes_loop.hpp), on the same trace in one process run. Prints both sides' outputs side by side,
// wall time, requests per second, peak memory and the ratio.
// Usage: bench_kubernetes_replay [TRACE.bz2] [--runs N] [--days D]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "bare_kubernetes_loop.hpp"
#include "bench_util.hpp"
#include "platforms/model_factory.hpp"
#include "sim/engine.hpp"
#include "sim/scenario.hpp"

using namespace servesim;

int main(int argc, char** argv) {
  const bench::ReplayArgs args = bench::parse_replay_args(argc, argv);
  bench::BareKubernetesConfig bc;  // the one place the settings are written; the scenario below reads them
  bc.trace_path = args.trace;
  bc.duration_s = args.days > 0 ? std::floor(args.days * 86400) : -1;
  nlohmann::json workload = {{"type", "rate_trace"}, {"path", bc.trace_path}};
  if (bc.duration_s > 0) workload["duration_s"] = bc.duration_s;
  auto lognormal = [](double mean_s, double p99_s) {
    return nlohmann::json{{"type", "lognormal"}, {"mean_ms", mean_s * 1e3}, {"p99_ms", p99_s * 1e3}};
  };
  const auto& h = bc.hpa;
  const nlohmann::json doc = {
      {"seed", bc.seed},
      {"workload", workload},
      {"service",
       {{"warm", lognormal(0.385, 0.469)},  // CPU service time: not used on GPU pods
        {"cold_start",
         {{"runtime_init", lognormal(bc.init_mean_s, bc.init_p99_s)},
          {"model_load", lognormal(bc.load_mean_s, bc.load_p99_s)}}}}},
      {"slo", {{"p99_ms", 1000}, {"timeout_s", bc.client_timeout_s}}},
      {"metrics", {{"interval_s", 60}}},
      {"candidates",
       {{{"name", "k8s-t4-hpa"},
         {"platform", "kubernetes-gpu"},
         {"node_type", "g4dn.xlarge"},
         {"gpus_per_node", bc.gpus_per_node},
         {"price_usd_per_h_g4dn_xlarge", bc.price_usd_per_h},
         {"max_nodes", bc.max_nodes},
         {"node_provisioner", "cluster-autoscaler"},
         {"ca_scan_interval_s", bc.scan_interval_s},
         {"ca_scale_up_latency_s", bc.scale_up_latency_s},
         {"ca_scale_down_unneeded_s", bc.unneeded_s},
         {"ca_scale_down_delay_after_add_s", bc.delay_after_add_s},
         {"node_boot_s", bc.boot_s},
         {"gpu_driver_setup_s", bc.driver_s},
         {"image_size_gb", bc.image_bytes / 1e9},
         {"registry_per_connection_mb_per_s", bc.registry_per_connection_bytes_per_s / 1e6},
         {"registry_shared_gb_per_s", bc.registry_shared_bytes_per_s / 1e9},
         {"autoscaler", "hpa"},
         {"min_replicas", bc.min_replicas},
         {"max_replicas", bc.max_replicas},
         {"hpa_metric", "requests_per_pod"},
         {"hpa_target_requests_per_pod_per_s", bc.hpa_target_requests_per_pod_per_s},
         {"hpa_sync_period_s", bc.hpa_sync_period_s},
         {"hpa_tolerance", h.tolerance},
         {"hpa_scale_up_pods", h.scale_up_pods},
         {"hpa_scale_up_percent", h.scale_up_percent},
         {"hpa_scale_up_period_s", h.scale_up_period_s},
         {"hpa_scale_up_stabilization_s", h.scale_up_stabilization_s},
         {"hpa_scale_down_percent", h.scale_down_percent},
         {"hpa_scale_down_period_s", h.scale_down_period_s},
         {"hpa_scale_down_stabilization_s", h.scale_down_stabilization_s},
         {"termination_grace_period_s", bc.termination_grace_period_s},
         {"max_batch_size", bc.max_batch_size},
         {"max_queue_delay_ms", bc.max_queue_delay_s * 1e3},
         {"model_gflops_per_request", bc.gflops_per_request},
         {"model_weight_mb", bc.weight_bytes / 1e6},
         {"activation_mb_per_request", bc.activation_bytes_per_request / 1e6},
         {"precision", "fp16"},
         {"model_class", "other"},
         {"peak_tflops_override", bc.peak_flops_per_s / 1e12},
         {"memory_bandwidth_gb_per_s_override", bc.memory_bytes_per_s / 1e9},
         {"roofline_efficiency", bc.efficiency},
         {"launch_overhead_ms", bc.launch_overhead_s * 1e3}}}}};
  const sim::Scenario sc = sim::parse_scenario(doc, "bench", ".");

  sim::CandidateResult r;
  bench::BareKubernetesResult bare;
  const auto times = bench::run_side_by_side(
      args, [&] { r = bench::simulate_first(sc); }, [&] { bare = bench::run_bare_kubernetes(bc); });
  const auto& q = r.requests;
  std::printf("bare loop started %llu pods and launched %llu nodes\n", (unsigned long long)bare.pods_started,
              (unsigned long long)bare.nodes_launched);
  const double count_tol = 1e-3, cost_tol = 1e-3, p99_tol = 0.015;
  if (args.servesim && args.bare)
    bench::print_agreement({
        {"arrived", double(q.arrived), double(bare.requests), 0},
        {"served", double(q.served), double(bare.served), count_tol},
        {"timed out", double(q.timed_out), double(bare.timed_out), count_tol},
        {"dropped", double(q.dropped), double(bare.dropped), count_tol},
        {"cold starts", double(q.cold_starts), double(bare.cold_starts), count_tol},
        {"peak pods", double(r.instances_peak), double(bare.peak_pods), count_tol},
        {"cost [USD]", r.cost_total_usd, bare.cost_usd, cost_tol},
        {"p99 latency [ms]", r.latency.quantile_s(0.99) * 1e3, bare.p99_s * 1e3, p99_tol},
        {"end of run [s]", r.simulated_s, bare.end_s, 1e-9},
    });
  bench::print_medians(args.runs, double(std::max<uint64_t>(q.arrived, bare.requests)), times.sim_s,
                       times.bare_s, times.sim_mb, times.bare_mb);
  return 0;
}
