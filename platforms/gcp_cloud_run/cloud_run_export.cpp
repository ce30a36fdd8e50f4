// gcp-cloud-run's deployment template for `servesim export`: a Cloud Run service in its Knative form
// (serving.knative.dev/v1 Service, `gcloud run services replace service.yaml`): CPU and memory limits,
// containerConcurrency, timeoutSeconds, min and max instances (autoscaling.knative.dev/minScale, maxScale on
// the revision template), CPU throttling (request-based billing) and startup CPU boost, and the GPU when the
// candidate has one: the nvidia.com/gpu limit, the run.googleapis.com/accelerator node selector (nvidia-l4 or
// nvidia-rtx-pro-6000, Cloud Run's --gpu-type names) and, when zonal redundancy is off, the
// run.googleapis.com/gpu-zonal-redundancy-disabled annotation.
#include "platforms/gcp_cloud_run/cloud_run_export.hpp"

#include <cmath>

#include "platforms/export.hpp"
#include "platforms/fleet/vllm_server.hpp"

namespace servesim::platforms {

namespace {

using ordered = nlohmann::ordered_json;

const std::vector<std::string> kCloudRunWritten = {
    "vcpu",          "memory_gib",           "concurrency",     "min_instances",
    "max_instances", "request_timeout_s",    "billing",         "startup_cpu_boost",
    "gpu",           "gpu_zonal_redundancy", "session_affinity"};

std::vector<ExportFile> write_cloud_run(const ExportRequest& request) {
  const auto& s = request.settings;
  auto whole = [&](const char* key, double fallback) { return std::lround(s.value(key, fallback)); };
  const std::string gpu = s.value("gpu", std::string("none"));
  const bool request_billing = s.value("billing", std::string("request")) == "request";

  ordered annotations;
  annotations["autoscaling.knative.dev/minScale"] = std::to_string(whole("min_instances", 0));
  annotations["autoscaling.knative.dev/maxScale"] = std::to_string(whole("max_instances", 100));
  // Request-based billing is CPU allocated only while a request is served: CPU throttling on.
  annotations["run.googleapis.com/cpu-throttling"] = request_billing ? "true" : "false";
  annotations["run.googleapis.com/startup-cpu-boost"] =
      s.value("startup_cpu_boost", false) ? "true" : "false";
  // Session affinity (run/docs/configuring/session-affinity): off unless turned on.
  if (s.value("session_affinity", false)) annotations["run.googleapis.com/sessionAffinity"] = "true";
  // GPU zonal redundancy is on unless turned off (run/docs/configuring/services/gpu-zonal-redundancy).
  if (gpu != "none" && !s.value("gpu_zonal_redundancy", true))
    annotations["run.googleapis.com/gpu-zonal-redundancy-disabled"] = "true";

  ordered limits;
  limits["cpu"] = cpu_quantity(s.value("vcpu", 1.0));
  limits["memory"] = memory_quantity(s.value("memory_gib", 0.5));
  if (gpu != "none") limits["nvidia.com/gpu"] = "1";
  // A language model on the GPU: the vLLM server the simulation ran (platforms/fleet/vllm_server.hpp).
  const auto server = gpu != "none" ? vllm_server(request.language_model, s, 1, 8080) : std::nullopt;
  ordered container = {{"image", server ? server->image : "REPLACE-WITH-YOUR-MODEL-SERVER-IMAGE"}};
  if (server) container["args"] = server->args;
  container["ports"] = ordered::array({{{"containerPort", 8080}}});
  container["resources"] = {{"limits", limits}};
  ordered spec;
  spec["containerConcurrency"] = whole("concurrency", 80);
  spec["timeoutSeconds"] = whole("request_timeout_s", 300);
  spec["containers"] = ordered::array({container});
  if (gpu != "none") spec["nodeSelector"] = {{"run.googleapis.com/accelerator", gpu}};

  const ordered doc = {
      {"apiVersion", "serving.knative.dev/v1"},
      {"kind", "Service"},
      {"metadata", {{"name", dns_label(request.candidate)}}},
      {"spec", {{"template", {{"metadata", {{"annotations", annotations}}}, {"spec", spec}}}}}};

  std::vector<std::string> head = request.provenance;
  head.push_back("Cloud Run service (Knative form): gcloud run services replace service.yaml");
  std::vector<std::string> written = kCloudRunWritten;
  if (server) {
    head.insert(head.end(), server->notes.begin(), server->notes.end());
    written.insert(written.end(), vllm_server_settings().begin(), vllm_server_settings().end());
  }
  add_settings_not_in_template(
      head, request, written,
      "Other settings the scenario gave (platform behaviour, the model), not service fields:");
  return {{"service.yaml", yaml_comments(head) + to_yaml(doc)}};
}

}  // namespace

std::vector<ExportFormat> cloud_run_export_formats() {
  return {{"cloud-run", "Cloud Run service, Knative serving.knative.dev/v1 YAML", write_cloud_run}};
}

}  // namespace servesim::platforms
