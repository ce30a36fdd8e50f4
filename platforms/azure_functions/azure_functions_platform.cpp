// The registration of azure-functions (one line in platforms/registered_platforms.cpp): its name and the
// factory that builds its model from a candidate's settings, checked against
// platforms/azure_functions/azure-functions.json.
#include "platforms/azure_functions/azure_functions_model.hpp"
#include "platforms/catalog.hpp"
#include "platforms/registry.hpp"

namespace servesim::platforms {

PlatformRegistration azure_functions_platform() {
  PlatformRegistration r;
  r.name = "azure-functions";
  r.make = [](const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
    const Settings settings(candidate, scenario.file);
    return std::unique_ptr<sim::PlatformModel>(std::make_unique<AzureFunctionsModel>(
        AzureFunctionsParams::from(settings, scenario.service), scenario));
  };
  return r;
}

}  // namespace servesim::platforms
