// The registration of fixed-pool (one line in platforms/registered_platforms.cpp): its name and the factory
// that builds its model from a candidate's settings, checked against platforms/fixed_pool/fixed-pool.json.
#include "platforms/catalog.hpp"
#include "platforms/fixed_pool/fixed_pool_export.hpp"
#include "platforms/fixed_pool/fixed_pool_model.hpp"
#include "platforms/registry.hpp"

namespace servesim::platforms {

PlatformRegistration fixed_pool_platform() {
  PlatformRegistration r;
  r.name = "fixed-pool";
  r.make = [](const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
    const Settings settings(candidate, scenario.file);
    return std::unique_ptr<sim::PlatformModel>(
        std::make_unique<FixedPoolModel>(FixedPoolParams::from(settings), scenario));
  };
  r.exports = fixed_pool_export_formats();
  return r;
}

}  // namespace servesim::platforms
