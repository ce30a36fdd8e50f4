// fixed-pool's deployment template for `servesim export`: the pool as a Kubernetes Deployment of `servers`
// replicas, each with `vcpu_per_server` CPU, and a Service in front; no autoscaler (the pool is fixed).
#include "platforms/fixed_pool/fixed_pool_export.hpp"

#include "platforms/export.hpp"
#include "platforms/fleet/kubernetes_manifests.hpp"

namespace servesim::platforms {

namespace {

std::vector<ExportFile> write_pool_kubernetes(const ExportRequest& request) {
  const auto& s = request.settings;
  KubernetesWorkload w;
  w.name = dns_label(request.candidate);
  w.replicas = std::lround(s.value("servers", 1.0));
  w.cpu = cpu_quantity(s.value("vcpu_per_server", 1.0));
  std::vector<std::string> head = request.provenance;
  head.push_back(
      "Kubernetes: kubectl apply -f kubernetes.yaml (Deployment of a fixed pool, Service; no autoscaler)");
  add_settings_not_in_template(head, request, {"servers", "vcpu_per_server"},
                               "Other settings the scenario gave, not manifest fields:");
  return {{"kubernetes.yaml", yaml_comments(head) + kubernetes_manifests(w)}};
}

}  // namespace

std::vector<ExportFormat> fixed_pool_export_formats() {
  return {{"kubernetes", "Kubernetes Deployment (the fixed pool) and Service", write_pool_kubernetes}};
}

}  // namespace servesim::platforms
