#include "platforms/kubernetes_gpu/kubernetes_params.hpp"

#include <cmath>
#include <stdexcept>

#include "core/json_fields.hpp"
#include "platforms/fleet/gpu_latency.hpp"
#include "platforms/fleet/llm_serving.hpp"

namespace servesim::platforms {

namespace {
// [[batch size, ms], ...] with sizes >= 1 strictly increasing and latencies > 0.
std::vector<std::pair<double, double>> read_table(const Settings& s, const nlohmann::json& overrides) {
  const std::string key = "measured_batch_latency_ms";
  const nlohmann::json& table = overrides.contains(key) ? overrides.at(key) : s.entry().find(key)->value;
  const std::string expected =
      "expected an array of [batch size >= 1, latency ms > 0] pairs with increasing sizes";
  if (!table.is_array()) throw s.error(key, expected + ", got " + core::quote_json(table));
  std::vector<std::pair<double, double>> out;
  for (const auto& row : table) {
    if (!row.is_array() || row.size() != 2 || !row[0].is_number() || !row[1].is_number())
      throw s.error(key, expected + ", got " + core::quote_json(row));
    const double b = row[0].get<double>(), ms = row[1].get<double>();
    if (!std::isfinite(b) || !std::isfinite(ms) || b < 1 || ms <= 0 ||
        (!out.empty() && b <= out.back().first))
      throw s.error(key, expected + ", got " + core::quote_json(row));
    out.emplace_back(b, ms / 1e3);
  }
  return out;
}
}  // namespace

KubernetesParams KubernetesParams::from(const Settings& s, const nlohmann::json& overrides) {
  KubernetesParams p;
  p.node_type = s.text("node_type");
  const std::string type_key = catalog_key_part(p.node_type);
  p.gpu = s.text("node_gpu_" + type_key);
  const GpuSpec* gpu = gpu_catalog().find(p.gpu);
  if (!gpu)
    throw s.error("node_gpu_" + type_key,
                  "expected a GPU of platforms/fleet/gpus.json, got \"" + p.gpu + "\"");
  p.node_gpus = s.number("gpus_per_node") > 0 ? static_cast<uint32_t>(s.number("gpus_per_node"))
                                              : static_cast<uint32_t>(s.number("node_gpus_" + type_key));
  p.gpus_per_pod = static_cast<uint32_t>(s.number("gpus_per_pod"));
  if (p.gpus_per_pod > p.node_gpus)
    throw s.error("gpus_per_pod", "expected 1.." + std::to_string(p.node_gpus) + " (the GPUs of a " +
                                      p.node_type + " node), got " + std::to_string(p.gpus_per_pod));
  if (p.node_gpus % p.gpus_per_pod != 0)
    throw s.error("gpus_per_pod", "expected a divisor of the node's " + std::to_string(p.node_gpus) +
                                      " GPUs (" + p.node_type + "), got " + std::to_string(p.gpus_per_pod));
  const bool karpenter = s.text("node_provisioner") == "karpenter";
  const bool spot = s.text("purchase_option") == "spot";
  p.pool = NodePoolParams{
      .pods_per_node = p.node_gpus / p.gpus_per_pod,
      .price_usd_per_h = s.number((spot ? "spot_price_usd_per_h_" : "price_usd_per_h_") + type_key),
      .max_nodes = static_cast<uint32_t>(s.number("max_nodes")),
      .karpenter = karpenter,
      .scan_interval_s = s.number("ca_scan_interval_s"),
      .scale_up_latency_s = karpenter ? 0.0 : s.number("ca_scale_up_latency_s"),
      .unneeded_s =
          karpenter ? s.number("karpenter_empty_node_removal_s") : s.number("ca_scale_down_unneeded_s"),
      .delay_after_add_s = karpenter ? 0.0 : s.number("ca_scale_down_delay_after_add_s"),
      .batch_idle_s = s.number("karpenter_batch_idle_s"),
      .batch_max_s = s.number("karpenter_batch_max_s"),
      .boot_s = s.number("node_boot_s"),
      .driver_s = s.number("gpu_driver_setup_s"),
  };
  p.image_bytes = s.number("image_size_gb") * 1e9;
  p.registry_per_connection_bytes_per_s = s.number("registry_per_connection_mb_per_s") * 1e6;
  p.registry_shared_bytes_per_s = s.number("registry_shared_gb_per_s") * 1e9;

  p.keda = s.text("autoscaler") == "keda";
  p.min_replicas = static_cast<uint32_t>(s.number("min_replicas"));
  p.max_replicas = static_cast<uint32_t>(s.number("max_replicas"));
  if (p.min_replicas > p.max_replicas)
    throw s.error("min_replicas", "expected 0..max_replicas (" + std::to_string(p.max_replicas) + "), got " +
                                      std::to_string(p.min_replicas));
  if (p.min_replicas == 0 && !p.keda)
    throw s.error("min_replicas", "expected 1.." + std::to_string(p.max_replicas) +
                                      " with autoscaler hpa (scaling to zero needs autoscaler keda), got 0");
  const std::string metric = s.text("hpa_metric");
  p.metric_gpu_utilization = metric == "gpu_utilization";
  p.hpa_target = p.metric_gpu_utilization ? s.number("hpa_target_gpu_utilization")
                                          : s.number("hpa_target_requests_per_pod_per_s");
  if (metric == "in_flight") {
    p.llm_metric = KubernetesParams::LlmMetric::in_flight;
    p.hpa_target = s.number("hpa_target_in_flight_per_pod");
  } else if (metric == "queue_length") {
    p.llm_metric = KubernetesParams::LlmMetric::queue_length;
    p.hpa_target = s.number("hpa_target_queue_length_per_pod");
  } else if (metric == "kv_cache_utilization") {
    p.llm_metric = KubernetesParams::LlmMetric::kv_cache;
    p.hpa_target = s.number("hpa_target_kv_cache_utilization");
  }
  p.hpa_sync_period_s = s.number("hpa_sync_period_s");
  p.hpa = HpaPolicy{
      .tolerance = s.number("hpa_tolerance"),
      .scale_up_pods = static_cast<uint32_t>(s.number("hpa_scale_up_pods")),
      .scale_up_percent = s.number("hpa_scale_up_percent"),
      .scale_up_period_s = s.number("hpa_scale_up_period_s"),
      .scale_up_stabilization_s = s.number("hpa_scale_up_stabilization_s"),
      .scale_down_percent = s.number("hpa_scale_down_percent"),
      .scale_down_period_s = s.number("hpa_scale_down_period_s"),
      .scale_down_stabilization_s = s.number("hpa_scale_down_stabilization_s"),
  };
  p.keda_polling_interval_s = s.number("keda_polling_interval_s");
  p.keda_cooldown_s = s.number("keda_cooldown_s");
  p.termination_grace_period_s = s.number("termination_grace_period_s");
  // Kubernetes' probe fields have no upper bound (initialDelaySeconds, periodSeconds >= 1).
  p.startup_probe = StartupProbe::from(
      s, "startup_probe", {.initial_delay_max_s = 86400, .period_max_s = 86400, .budget_max_s = 0});
  p.restart_backoff_initial_s = s.number("restart_backoff_initial_s");
  p.restart_backoff_max_s = s.number("restart_backoff_max_s");

  p.max_batch_size = static_cast<uint32_t>(s.number("max_batch_size"));
  p.max_queue_delay_s = s.number("max_queue_delay_ms") / 1e3;
  GpuWorkload workload;
  workload.model_class = s.text("model_class");
  workload.precision = s.text("precision");
  workload.gflops_per_request = s.number("model_gflops_per_request");
  workload.weight_bytes = s.number("model_weight_mb") * 1e6;
  workload.activation_bytes_per_request = s.number("activation_mb_per_request") * 1e6;
  workload.fallback_efficiency = s.number("roofline_efficiency");
  workload.fallback_overhead_s = s.number("launch_overhead_ms") / 1e3;
  workload.peak_tflops_override = s.number("peak_tflops_override");
  workload.bandwidth_gb_per_s_override = s.number("memory_bandwidth_gb_per_s_override");
  try {
    const GpuLatency latency = gpu_latency(*gpu, workload);
    p.roofline = latency.roofline;
    p.latency_source = latency.latency_source;
    p.latency_basis = latency.basis;
  } catch (const std::invalid_argument& e) {
    throw s.error("precision", e.what());
  }
  if (s.number("model_weight_mb") <= 0) p.roofline.weight_bytes = -1.0;  // the scenario's model_size_mb
  p.measured_batch_latency_s = read_table(s, overrides);
  if (!p.measured_batch_latency_s.empty()) {
    p.latency_source = "measured";
    p.latency_basis = "measured_batch_latency_ms (the scenario's table)";
  }
  p.queue_capacity = static_cast<uint64_t>(s.number("queue_capacity"));
  const LlmEngineSettings engine = read_llm_engine_settings(s);
  p.llm_limits = engine.limits;
  if (p.llm_limits.max_batched_tokens == 0)  // vLLM's default for the node's GPU, as on the serverless GPUs
    p.llm_limits.max_batched_tokens = vllm_limits(*gpu, 1).max_batched_tokens;
  p.llm_replica = engine.replica;
  p.llm_replica.tensor_parallel = static_cast<uint32_t>(s.number("llm_tensor_parallel"));
  // NVLink through NVSwitch on the p4d, p4de, p5 and p5e nodes, PCIe on the g nodes; 0 GB/s on one-GPU nodes.
  const double link_gb_per_s = s.number("node_interconnect_gb_per_s_" + type_key);
  p.llm_replica.fabric = s.text("node_fabric_" + type_key) == "pcie" ? NodeFabric::pcie(link_gb_per_s)
                                                                     : NodeFabric::nvswitch(link_gb_per_s);
  const std::string routing = s.text("llm_routing");
  p.llm_routing = routing == "prefix-aware"          ? LlmRouting::prefix_aware
                  : routing == "prefix-aware-approx" ? LlmRouting::prefix_aware_approx
                  : routing == "least-requests"      ? LlmRouting::least_requests
                                                     : LlmRouting::round_robin;
  p.llm_balance =
      LlmBalance{.abs_threshold = static_cast<uint64_t>(s.number("llm_routing_balance_abs_threshold")),
                 .rel_threshold = s.number("llm_routing_balance_rel_threshold"),
                 .cache_threshold = s.number("llm_routing_cache_threshold")};
  p.llm_tree_eviction_interval_s = s.number("llm_routing_eviction_interval_s");
  p.llm_tree_max_blocks = static_cast<uint64_t>(s.number("llm_routing_tree_max_blocks"));
  const uint32_t tp = p.llm_replica.tensor_parallel;
  if (tp > p.node_gpus || p.node_gpus % tp != 0)
    throw s.error("llm_tensor_parallel", "expected a divisor of the node's " + std::to_string(p.node_gpus) +
                                             " GPUs (" + p.node_type + "), got " + std::to_string(tp));
  return p;
}

}  // namespace servesim::platforms
