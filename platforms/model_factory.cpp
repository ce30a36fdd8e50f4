#include "platforms/model_factory.hpp"

#include "platforms/catalog.hpp"
#include "platforms/registry.hpp"

namespace servesim::platforms {

std::unique_ptr<sim::PlatformModel> make_model(const sim::CandidateSpec& candidate,
                                               const sim::Scenario& scenario) {
  if (const PlatformRegistration* r = find_registration(candidate.platform))
    return r->make(candidate, scenario);
  // Not registered: Settings names the file, the pointer and the catalogue's platforms; a catalogued
  // platform without a registration has no model yet.
  const Settings settings(candidate, scenario.file);
  throw settings.error(
      "platform", "the catalogue lists " + settings.entry().platform + " but no model implements it yet");
}

std::vector<sim::CandidateRun> make_candidates(const sim::Scenario& scenario) {
  std::vector<sim::CandidateRun> runs;
  for (const auto& c : scenario.candidates)
    runs.push_back(sim::CandidateRun{c.name, make_model(c, scenario)});
  sim::check_faults(scenario.faults, runs);  // a fault a platform does not model is bad input, found here
  return runs;
}

}  // namespace servesim::platforms
