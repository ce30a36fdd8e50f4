// The registration of azure-container-apps (one line in platforms/registered_platforms.cpp): its name and the
// factory that builds its model from a candidate's settings, checked against
// platforms/azure_container_apps/azure-container-apps.json.
#include "platforms/azure_container_apps/container_apps_export.hpp"
#include "platforms/azure_container_apps/container_apps_model.hpp"
#include "platforms/catalog.hpp"
#include "platforms/fleet/llm_serving.hpp"
#include "platforms/registry.hpp"

namespace servesim::platforms {

PlatformRegistration azure_container_apps_platform() {
  PlatformRegistration r;
  r.name = "azure-container-apps";
  r.make = [](const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
    const Settings settings(candidate, scenario.file);
    ContainerAppsParams params = ContainerAppsParams::from(settings, scenario.service);
    params.llm_engine = llm_engine_settings(settings, scenario, params.has_gpu());
    return std::unique_ptr<sim::PlatformModel>(std::make_unique<ContainerAppsModel>(params, scenario));
  };
  r.candidate_gpu = [](const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
    return ContainerAppsParams::from(Settings(candidate, scenario.file), scenario.service).gpu_id;
  };
  r.measured_gpu_key = "measured_request_latency_ms";
  r.exports = container_apps_export_formats();
  return r;
}

}  // namespace servesim::platforms
