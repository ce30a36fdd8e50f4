#pragma once
// The parameters of the "kubernetes-gpu" platform: one field per catalogue parameter (units in the names;
// defaults, ranges, status and sources in platforms/kubernetes_gpu/kubernetes-gpu.json), read and
// cross-checked once where the scenario enters.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "platforms/catalog.hpp"
#include "platforms/fleet/batch_latency.hpp"
#include "platforms/fleet/llm_engine.hpp"
#include "platforms/fleet/startup_probe.hpp"
#include "platforms/kubernetes_gpu/hpa_controller.hpp"
#include "platforms/kubernetes_gpu/llm_router.hpp"
#include "platforms/kubernetes_gpu/node_pool.hpp"

namespace servesim::platforms {

struct KubernetesParams {
  std::string node_type;      // g4dn.xlarge | g5.xlarge | ... | p5e.48xlarge (the catalogue's list)
  std::string gpu;            // the node type's GPU, an id of platforms/fleet/gpus.json
  uint32_t node_gpus = 1;     // GPUs per node
  uint32_t gpus_per_pod = 1;  // data-parallel replicas of the model in one pod (1..node_gpus)
  NodePoolParams pool;        // node price, pods per node (node_gpus / gpus_per_pod) and the provisioner
  double image_bytes = 0;
  double registry_per_connection_bytes_per_s = 0;
  double registry_shared_bytes_per_s = 0;

  bool keda = false;  // autoscaler keda (else hpa)
  uint32_t min_replicas = 1, max_replicas = 1;
  bool metric_gpu_utilization = true;  // else requests per pod per second, or one of the two below
  enum class LlmMetric : uint8_t {
    none,
    in_flight,
    queue_length,
    kv_cache
  };  // service.llm gauges read at the sync
  LlmMetric llm_metric = LlmMetric::none;
  double hpa_target = 0;  // [fraction] or [requests/s per pod]
  double hpa_sync_period_s = 15;
  HpaPolicy hpa;
  double keda_polling_interval_s = 30, keda_cooldown_s = 300;
  double termination_grace_period_s = 30;
  // startupProbe (off unless given): readiness on the probe grid; a container that fails it is killed and
  // restarted after the CrashLoopBackOff delay (restart_backoff_initial_s, doubling, at most
  // restart_backoff_max_s).
  StartupProbe startup_probe;
  double restart_backoff_initial_s = 10, restart_backoff_max_s = 300;

  uint32_t max_batch_size = 1;
  double max_queue_delay_s = 0;
  RooflineInputs roofline;     // weight_bytes < 0: take the scenario's model_size_mb
  std::string latency_source;  // calibrated | estimated (the roofline's); measured with a measured table
  std::string latency_basis;   // one line: what the GPU latency rests on
  std::vector<std::pair<double, double>> measured_batch_latency_s;  // (batch size, s); empty = roofline
  uint64_t queue_capacity = 0;
  // service.llm: each pod is one replica of a token-level server on llm.tensor_parallel GPUs.
  LlmEngineLimits llm_limits;
  LlmReplicaParams llm_replica;
  LlmRouting llm_routing = LlmRouting::round_robin;  // which ready replica a request goes to (llm_router.hpp)
  LlmBalance llm_balance;
  // prefix-aware-approx: the gateway trims each replica's approximate tree every interval to at most this
  // many blocks (approx_prefix_tree.hpp).
  double llm_tree_eviction_interval_s = 30;
  uint64_t llm_tree_max_blocks = 10000;

  // overrides: the candidate's settings as written (for the array-valued measured_batch_latency_ms).
  static KubernetesParams from(const Settings& settings, const nlohmann::json& overrides);
};

}  // namespace servesim::platforms
