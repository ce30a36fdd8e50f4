#pragma once
// The bare-loop baseline of the Kubernetes GPU model (platforms/kubernetes_model.hpp, node_pool.hpp,
// hpa_controller.hpp, batch_latency.hpp), in plain C++ with no simulator and no PlatformModel interface, for
// the settings of bench_kubernetes_replay: a Service routing round-robin over the ready pods; per pod dynamic
// batching (a batch leaves at max_batch_size requests or when its oldest request has waited
// max_queue_delay_s) and one batch at a time on the GPU for the roofline batch latency; the HPA on requests
// per pod per second every sync period (bare_hpa.hpp), with the ReplicaSet's deletion order; pods scheduled
// on GPU nodes, started for runtime init + model load (lognormal samples, the same stream as ServeSim),
// drained for the termination grace period; the Cluster Autoscaler (scans: ceil(unplaced pods / GPUs per
// node) new nodes after the decision latency; empty nodes removed after unneeded_s and delay_after_add_s);
// node boot, GPU driver set-up and the image pull over a registry link that the pulling nodes share fairly up
// to a per-connection ceiling (bare_node_pool.hpp: a fluid model of what ServeSim hands to SimGrid, with
// SimGrid's latency first and its order for pulls that end together); nodes billed from their launch to
// their removal. It draws the same random numbers in the same order as ServeSim (arrivals, then a runtime
// init and a model load per pod started), so on the same trace its counts agree exactly and its cost and p99
// up to rounding and histogram resolution.
//
// Left out, because the benchmark's settings never reach them: KEDA, Karpenter, the GPU-utilisation metric,
// the ingress queue's capacity limit, node failures and other faults, and the split of the bill into
// serving and idle GPU time (only its total is compared).
#include <cstdint>
#include <string>

#include "bare_hpa.hpp"

namespace servesim::bench {

struct BareKubernetesConfig {
  std::string trace_path;
  uint64_t seed = 1;
  double duration_s = -1;  // < 0: the whole trace
  // Node pool (g4dn.xlarge, Cluster Autoscaler).
  uint32_t gpus_per_node = 1, max_nodes = 100;
  double price_usd_per_h = 0.526;
  double scan_interval_s = 10, scale_up_latency_s = 5, unneeded_s = 600, delay_after_add_s = 600;
  double boot_s = 270, driver_s = 270;
  double image_bytes = 15e9, registry_per_connection_bytes_per_s = 58e6, registry_shared_bytes_per_s = 1.25e9;
  // Deployment and HPA.
  uint32_t min_replicas = 2, max_replicas = 100;
  double hpa_target_requests_per_pod_per_s = 10, hpa_sync_period_s = 15;
  BareHpaPolicy hpa;
  double termination_grace_period_s = 30;
  // Pod start: lognormal runtime init and model load (mean, p99).
  double init_mean_s = 0.4, init_p99_s = 0.8, load_mean_s = 1.94, load_p99_s = 2.5;
  // Batching and the roofline batch latency (T4).
  uint32_t max_batch_size = 8;
  double max_queue_delay_s = 0.005;
  double gflops_per_request = 11.17, weight_bytes = 264e6, activation_bytes_per_request = 1e6;
  double peak_flops_per_s = 65e12, memory_bytes_per_s = 320e9, efficiency = 0.5, launch_overhead_s = 0.001;
  double client_timeout_s = 30;
};

struct BareKubernetesResult {
  uint64_t requests = 0, served = 0, timed_out = 0, dropped = 0, cold_starts = 0, pods_started = 0,
           nodes_launched = 0;
  uint32_t peak_pods = 0;  // starting, ready or terminating
  double cost_usd = 0, p99_s = 0, end_s = 0;
};

BareKubernetesResult run_bare_kubernetes(const BareKubernetesConfig& config);

}  // namespace servesim::bench
