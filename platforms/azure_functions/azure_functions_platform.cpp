// The registration of azure-functions (one line in platforms/registered_platforms.cpp): its name and the
// factory that builds its model from a candidate's settings, checked against
// platforms/azure_functions/azure-functions.json.
#include "platforms/azure_functions/azure_functions_model.hpp"
#include "platforms/azure_functions/azure_queue_trigger.hpp"
#include "platforms/catalog.hpp"
#include "platforms/registry.hpp"

namespace servesim::platforms {

PlatformRegistration azure_functions_platform() {
  PlatformRegistration r;
  r.name = "azure-functions";
  r.make = [](const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
    const Settings settings(candidate, scenario.file);
    auto function = std::make_unique<AzureFunctionsModel>(
        AzureFunctionsParams::from(settings, scenario.service), scenario);
    // Async events are Storage-queue messages, fetched by the queue trigger (azure_queue_trigger.hpp).
    if (scenario.client.async)
      return std::unique_ptr<sim::PlatformModel>(std::make_unique<AzureQueueTrigger>(std::move(function)));
    return std::unique_ptr<sim::PlatformModel>(std::move(function));
  };
  r.queue_when_async = true;
  return r;
}

}  // namespace servesim::platforms
