// azure-container-apps's deployment template for `servesim export`: the YAML of `az containerapp create
// --yaml` (Microsoft.App/containerApps): the container's CPU and memory, the workload profile (Consumption,
// or the serverless GPU profile of the candidate's GPU), min and max replicas, the scale rule on concurrent
// HTTP requests and the cooldown period (Scale.cooldownPeriod).
#include "platforms/azure_container_apps/container_apps_export.hpp"

#include <cmath>
#include <cstdio>

#include "platforms/export.hpp"
#include "platforms/fleet/vllm_server.hpp"

namespace servesim::platforms {

namespace {

using ordered = nlohmann::ordered_json;

const std::vector<std::string> kContainerAppsWritten = {
    "vcpu", "memory_gib",     "concurrent_requests", "min_replicas", "max_replicas", "cooldown_period_s",
    "gpu",  "sticky_sessions"};

// The serverless GPU workload profile types of Container Apps, by the catalogue's gpu value.
std::string workload_profile(const std::string& gpu) {
  if (gpu == "nvidia-t4") return "Consumption-GPU-NC8as-T4";
  if (gpu == "nvidia-a100") return "Consumption-GPU-NC24-A100";
  return "Consumption";
}

std::vector<ExportFile> write_container_apps(const ExportRequest& request) {
  const auto& s = request.settings;
  auto whole = [&](const char* key, double fallback) { return std::lround(s.value(key, fallback)); };
  const std::string gpu = s.value("gpu", std::string("none"));
  char memory[32];
  std::snprintf(memory, sizeof memory, "%gGi", s.value("memory_gib", 1.0));

  // A language model on the GPU: the vLLM server the simulation ran (platforms/fleet/vllm_server.hpp).
  const auto server = gpu != "none" ? vllm_server(request.language_model, s, 1, 8080) : std::nullopt;
  ordered container = {{"name", "model-server"},
                       {"image", server ? server->image : "REPLACE-WITH-YOUR-MODEL-SERVER-IMAGE"}};
  if (server) container["args"] = server->args;
  container["resources"] = {{"cpu", s.value("vcpu", 0.5)}, {"memory", memory}};
  const ordered scale = {
      {"minReplicas", whole("min_replicas", 0)},
      {"maxReplicas", whole("max_replicas", 10)},
      {"cooldownPeriod", whole("cooldown_period_s", 300)},
      {"rules",
       ordered::array({{{"name", "http-concurrency"},
                        {"http",
                         {{"metadata",
                           {{"concurrentRequests", std::to_string(whole("concurrent_requests", 10))}}}}}}})}};
  ordered ingress = {{"external", true}, {"targetPort", 8080}, {"transport", "auto"}};
  // Sticky sessions (container-apps/sticky-sessions: single revision mode, HTTP ingress).
  if (s.value("sticky_sessions", false)) ingress["stickySessions"] = {{"affinity", "sticky"}};
  const ordered doc = {{"name", dns_label(request.candidate)},
                       {"type", "Microsoft.App/containerApps"},
                       {"location", "REPLACE-WITH-YOUR-REGION"},
                       {"properties",
                        {{"managedEnvironmentId", "REPLACE-WITH-YOUR-ENVIRONMENT-ID"},
                         {"workloadProfileName", workload_profile(gpu)},
                         {"configuration", {{"activeRevisionsMode", "Single"}, {"ingress", ingress}}},
                         {"template", {{"containers", ordered::array({container})}, {"scale", scale}}}}}};

  std::vector<std::string> head = request.provenance;
  head.push_back(
      "Azure Container Apps: az containerapp create --name NAME --resource-group GROUP --yaml "
      "containerapp.yaml");
  if (gpu != "none")
    head.push_back("The environment needs a workload profile of type " + workload_profile(gpu) +
                   " named so (az containerapp env workload-profile add).");
  std::vector<std::string> written = kContainerAppsWritten;
  if (server) {
    head.insert(head.end(), server->notes.begin(), server->notes.end());
    written.insert(written.end(), vllm_server_settings().begin(), vllm_server_settings().end());
  }
  add_settings_not_in_template(
      head, request, written,
      "Other settings the scenario gave (platform behaviour, the model), not app fields:");
  return {{"containerapp.yaml", yaml_comments(head) + to_yaml(doc)}};
}

}  // namespace

std::vector<ExportFormat> container_apps_export_formats() {
  return {
      {"container-apps", "Azure Container Apps YAML (az containerapp create --yaml)", write_container_apps}};
}

}  // namespace servesim::platforms
