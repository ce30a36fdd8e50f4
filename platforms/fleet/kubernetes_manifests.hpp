#pragma once
// Kubernetes manifests for `servesim export` (platforms/export.hpp), shared by the platforms that run as pods
// (kubernetes-gpu, fixed-pool): a Deployment, a Service in front of it and, when the workload scales, a
// HorizontalPodAutoscaler (autoscaling/v2) or a KEDA ScaledObject; one YAML stream, documents separated by
// "---".
//
//   KubernetesWorkload w{.name = dns_label(request.candidate), .replicas = 4, .cpu = "1"};
//   std::string yaml = kubernetes_manifests(w);
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace servesim::platforms {

constexpr int kModelServerPort = 8080;  // the serving container's port

struct KubernetesWorkload {
  std::string name;         // a DNS-1123 label: the Deployment's, Service's and autoscaler's name
  long replicas = 1;        // the Deployment's replicas (the autoscaler's minimum when it scales)
  std::string cpu, memory;  // the container's requests and limits (Kubernetes quantities); "" for none
  long gpus = 0;            // nvidia.com/gpu limit per pod; 0 for none
  std::map<std::string, std::string> node_selector;
  long termination_grace_period_s = -1;    // -1: the Kubernetes default (30 s)
  std::map<std::string, std::string> env;  // the serving container's environment
  std::string image;                       // "" for a placeholder to replace
  std::vector<std::string> args;           // the serving container's arguments; none when empty
  // The HorizontalPodAutoscaler's spec without scaleTargetRef ({minReplicas, maxReplicas, metrics,
  // behavior}); null for none.
  nlohmann::ordered_json hpa;
  // The KEDA ScaledObject's spec without scaleTargetRef; null for none (at most one of hpa and keda).
  nlohmann::ordered_json keda;
};

std::string kubernetes_manifests(const KubernetesWorkload& workload);

}  // namespace servesim::platforms
