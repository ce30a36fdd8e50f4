// kubernetes-gpu's deployment template for `servesim export`: a Deployment of GPU pods on the simulated node
// type, a Service, and the autoscaler the simulation ran (an autoscaling/v2 HorizontalPodAutoscaler with its
// scale-up and scale-down behaviour, or a KEDA ScaledObject). The HPA's metric comes from a custom-metrics
// adapter (prometheus-adapter over DCGM's or the model server's metrics): the names are the usual ones and
// are said in the comment head.
#include "platforms/kubernetes_gpu/kubernetes_export.hpp"

#include <cmath>

#include "platforms/catalog.hpp"
#include "platforms/export.hpp"
#include "platforms/fleet/kubernetes_manifests.hpp"
#include "platforms/fleet/vllm_server.hpp"

namespace servesim::platforms {

namespace {

using ordered = nlohmann::ordered_json;

const std::vector<std::string> kKubernetesWritten = {"node_type",
                                                     "llm_routing",
                                                     "llm_routing_balance_abs_threshold",
                                                     "llm_routing_balance_rel_threshold",
                                                     "gpus_per_pod",
                                                     "purchase_option",
                                                     "min_replicas",
                                                     "max_replicas",
                                                     "autoscaler",
                                                     "hpa_metric",
                                                     "hpa_target_gpu_utilization",
                                                     "hpa_target_requests_per_pod_per_s",
                                                     "hpa_target_in_flight_per_pod",
                                                     "hpa_target_queue_length_per_pod",
                                                     "hpa_target_kv_cache_utilization",
                                                     "hpa_scale_up_stabilization_s",
                                                     "hpa_scale_up_percent",
                                                     "hpa_scale_up_pods",
                                                     "hpa_scale_up_period_s",
                                                     "hpa_scale_down_stabilization_s",
                                                     "hpa_scale_down_percent",
                                                     "hpa_scale_down_period_s",
                                                     "keda_polling_interval_s",
                                                     "keda_cooldown_s",
                                                     "termination_grace_period_s",
                                                     "max_batch_size",
                                                     "max_queue_delay_ms",
                                                     "node_provisioner",
                                                     "max_nodes",
                                                     "karpenter_empty_node_removal_s",
                                                     "karpenter_batch_idle_s",
                                                     "karpenter_batch_max_s"};

// The custom metric per hpa_metric, its target as the metric reports it, and where it comes from.
struct Metric {
  std::string name, target, source;
};

Metric hpa_metric(const nlohmann::json& s) {
  const std::string metric = s.value("hpa_metric", std::string("gpu_utilization"));
  auto number = [&](const char* key) { return s.contains(key) ? s[key].get<double>() : 0.0; };
  auto text = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return std::string(buf);
  };
  if (metric == "requests_per_pod")
    return {"requests_per_second", text(number("hpa_target_requests_per_pod_per_s")),
            "the model server's request rate per pod"};
  if (metric == "in_flight")
    return {"requests_in_flight", text(number("hpa_target_in_flight_per_pod")),
            "the model server's requests in flight per pod"};
  if (metric == "queue_length")
    return {"vllm:num_requests_waiting", text(number("hpa_target_queue_length_per_pod")),
            "vLLM's requests waiting per pod"};
  if (metric == "kv_cache_utilization")
    return {"vllm:kv_cache_usage_perc", text(number("hpa_target_kv_cache_utilization")),
            "vLLM's KV-cache use, a fraction"};
  // DCGM's exporter reports GPU utilisation in percent; the catalogue's target is a fraction.
  return {"DCGM_FI_DEV_GPU_UTIL", text(std::round(number("hpa_target_gpu_utilization") * 100)),
          "NVIDIA DCGM exporter's GPU utilisation, percent"};
}

ordered behavior(const nlohmann::json& s) {
  auto whole = [&](const char* key) { return std::lround(s.value(key, 0.0)); };
  return {{"scaleUp",
           {{"stabilizationWindowSeconds", whole("hpa_scale_up_stabilization_s")},
            {"selectPolicy", "Max"},
            {"policies", ordered::array({{{"type", "Percent"},
                                          {"value", whole("hpa_scale_up_percent")},
                                          {"periodSeconds", whole("hpa_scale_up_period_s")}},
                                         {{"type", "Pods"},
                                          {"value", whole("hpa_scale_up_pods")},
                                          {"periodSeconds", whole("hpa_scale_up_period_s")}}})}}},
          {"scaleDown",
           {{"stabilizationWindowSeconds", whole("hpa_scale_down_stabilization_s")},
            {"selectPolicy", "Max"},
            {"policies", ordered::array({{{"type", "Percent"},
                                          {"value", whole("hpa_scale_down_percent")},
                                          {"periodSeconds", whole("hpa_scale_down_period_s")}}})}}}};
}

// With node_provisioner karpenter: a Karpenter v1 NodePool that launches the simulated node type (and
// purchase option), capped at max_nodes nodes' GPUs, removing a node once it has been empty for
// karpenter_empty_node_removal_s (consolidationPolicy WhenEmpty: the simulation removes empty nodes only; it
// does not repack pods onto fewer nodes). The EC2NodeClass (AMI, subnets, role) is the cluster's.
ordered karpenter_node_pool(const std::string& name, const nlohmann::json& s, const std::string& node_type) {
  const std::string type_key = catalog_key_part(node_type);
  const long gpus_per_node = std::lround(s.value("gpus_per_node", 0.0)) > 0
                                 ? std::lround(s.value("gpus_per_node", 0.0))
                                 : std::lround(s.value("node_gpus_" + type_key, 1.0));
  const long max_nodes = std::lround(s.value("max_nodes", 0.0));
  const bool spot = s.value("purchase_option", std::string()) == "spot";
  ordered requirements = ordered::array({{{"key", "node.kubernetes.io/instance-type"},
                                          {"operator", "In"},
                                          {"values", ordered::array({node_type})}},
                                         {{"key", "karpenter.sh/capacity-type"},
                                          {"operator", "In"},
                                          {"values", ordered::array({spot ? "spot" : "on-demand"})}}});
  return {{"apiVersion", "karpenter.sh/v1"},
          {"kind", "NodePool"},
          {"metadata", {{"name", name + "-gpu"}}},
          {"spec",
           {{"template",
             {{"spec",
               {{"requirements", requirements},
                {"nodeClassRef",
                 {{"group", "karpenter.k8s.aws"},
                  {"kind", "EC2NodeClass"},
                  {"name", "REPLACE-WITH-YOUR-EC2NODECLASS"}}},
                {"taints", ordered::array({{{"key", "nvidia.com/gpu"}, {"effect", "NoSchedule"}}})}}}}},
            {"limits", {{"nvidia.com/gpu", std::to_string(max_nodes * gpus_per_node)}}},
            {"disruption",
             {{"consolidationPolicy", "WhenEmpty"},
              {"consolidateAfter",
               std::to_string(std::lround(s.value("karpenter_empty_node_removal_s", 90.0))) + "s"}}}}}};
}

std::vector<ExportFile> write_kubernetes(const ExportRequest& request) {
  const auto& s = request.settings;
  auto whole = [&](const char* key, double fallback) { return std::lround(s.value(key, fallback)); };
  KubernetesWorkload w;
  w.name = dns_label(request.candidate);
  const long min_replicas = whole("min_replicas", 1), max_replicas = whole("max_replicas", 10);
  w.replicas = min_replicas;
  w.gpus = whole("gpus_per_pod", 1);
  const std::string node_type = s.value("node_type", std::string());
  if (!node_type.empty()) w.node_selector["node.kubernetes.io/instance-type"] = node_type;
  const bool karpenter = s.value("node_provisioner", std::string()) == "karpenter";
  if (s.value("purchase_option", std::string()) == "spot") {
    if (karpenter)
      w.node_selector["karpenter.sh/capacity-type"] = "spot";
    else
      w.node_selector["eks.amazonaws.com/capacityType"] = "SPOT";
  }
  w.termination_grace_period_s = whole("termination_grace_period_s", 30);
  // A language model: one pod is one vLLM replica on llm_tensor_parallel GPUs (gpus_per_pod and the dynamic
  // batcher are not used; docs/models/llm-serving.md).
  const long tensor_parallel = whole("llm_tensor_parallel", 1);
  const auto server = vllm_server(request.language_model, s, tensor_parallel, kModelServerPort);
  if (server) {
    w.gpus = tensor_parallel;
    w.image = server->image;
    w.args = server->args;
  } else {
    w.env["MAX_BATCH_SIZE"] = std::to_string(whole("max_batch_size", 1));
    w.env["MAX_QUEUE_DELAY_MS"] = nlohmann::json(s.value("max_queue_delay_ms", 0.0)).dump();
  }

  const Metric metric = hpa_metric(s);
  const ordered metrics =
      ordered::array({{{"type", "Pods"},
                       {"pods",
                        {{"metric", {{"name", metric.name}}},
                         {"target", {{"type", "AverageValue"}, {"averageValue", metric.target}}}}}}});
  const bool keda = s.value("autoscaler", std::string("hpa")) == "keda";
  if (keda) {
    w.keda = {{"pollingInterval", whole("keda_polling_interval_s", 30)},
              {"cooldownPeriod", whole("keda_cooldown_s", 300)},
              {"minReplicaCount", min_replicas},
              {"maxReplicaCount", max_replicas},
              {"advanced", {{"horizontalPodAutoscalerConfig", {{"behavior", behavior(s)}}}}},
              {"triggers", ordered::array({{{"type", "prometheus"},
                                            {"metadata",
                                             {{"serverAddress", "REPLACE-WITH-YOUR-PROMETHEUS-URL"},
                                              {"query", "avg(" + metric.name + "{app=\"" + w.name + "\"})"},
                                              {"threshold", metric.target}}}}})}};
  } else {
    w.hpa = {{"minReplicas", min_replicas},
             {"maxReplicas", max_replicas},
             {"metrics", metrics},
             {"behavior", behavior(s)}};
  }

  std::vector<std::string> head = request.provenance;
  head.push_back("Kubernetes: kubectl apply -f kubernetes.yaml (Deployment, Service, " +
                 std::string(keda ? "KEDA ScaledObject" : "HorizontalPodAutoscaler autoscaling/v2") + ")");
  head.push_back("Autoscaling metric: " + metric.name + " (" + metric.source + "), target " + metric.target +
                 " per pod, served to the " +
                 (keda ? "ScaledObject by Prometheus" : "HPA by a custom-metrics adapter"));
  if (karpenter)
    head.push_back("Nodes: " + node_type + " with " + std::to_string(w.gpus) +
                   " GPU(s) per pod, provisioned by Karpenter through the NodePool below (its GPU limit is " +
                   std::to_string(whole("max_nodes", 0)) +
                   " nodes' worth); the launch batching the simulation assumed is the controller's "
                   "BATCH_IDLE_DURATION = " +
                   std::to_string(whole("karpenter_batch_idle_s", 1)) +
                   "s and BATCH_MAX_DURATION = " + std::to_string(whole("karpenter_batch_max_s", 10)) + "s");
  else
    head.push_back("Nodes: " + node_type + " with " + std::to_string(w.gpus) +
                   " GPU(s) per pod, provisioned by " +
                   s.value("node_provisioner", std::string("cluster-autoscaler")) + ", at most " +
                   std::to_string(whole("max_nodes", 0)) + " nodes (set these on the node group)");
  if (server)
    head.insert(head.end(), server->notes.begin(), server->notes.end());
  else
    head.push_back(
        "MAX_BATCH_SIZE and MAX_QUEUE_DELAY_MS: the dynamic batching the simulation assumed, for the model "
        "server to read.");
  const std::string routing = s.value("llm_routing", std::string("round-robin"));
  if (routing != "round-robin")
    head.push_back(
        "Routing: the simulation sent requests " +
        std::string(
            routing == "prefix-aware" || routing == "prefix-aware-approx"
                ? "to the replica caching the longest prefix (a cache-aware gateway such as "
                  "the SGLang model gateway's cache_aware policy, " +
                      std::string(
                          routing == "prefix-aware"
                              ? "with the servers' KV-cache events"
                              : "in its approximate mode (no KV events), cache threshold " +
                                    s.value("llm_routing_cache_threshold", nlohmann::json(0.5)).dump()) +
                      ", balance thresholds " +
                      std::to_string(whole("llm_routing_balance_abs_threshold", 32)) + " requests and " +
                      s.value("llm_routing_balance_rel_threshold", nlohmann::json(1.1)).dump() + "x)"
                : "to the replica with the fewest in flight (a least-request gateway)") +
        ": put that gateway in front of the Service, which alone routes round robin");
  std::vector<std::string> written = kKubernetesWritten;
  if (server) written.insert(written.end(), vllm_server_settings().begin(), vllm_server_settings().end());
  add_settings_not_in_template(
      head, request, written,
      "Other settings the scenario gave (cluster, controller, the model), not manifest fields:");
  std::string yaml = yaml_comments(head) + kubernetes_manifests(w);
  if (karpenter) yaml += "---\n" + to_yaml(karpenter_node_pool(w.name, s, node_type));
  return {{"kubernetes.yaml", yaml}};
}

}  // namespace

std::vector<ExportFormat> kubernetes_export_formats() {
  return {{"kubernetes", "Kubernetes Deployment, Service and HorizontalPodAutoscaler (or KEDA ScaledObject)",
           write_kubernetes}};
}

}  // namespace servesim::platforms
