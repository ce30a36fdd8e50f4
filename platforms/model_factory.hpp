#pragma once
// Builds the platform model of each candidate of a scenario, checking its settings against the catalogue.
#include <memory>
#include <vector>

#include "sim/engine.hpp"
#include "sim/scenario.hpp"

namespace servesim::platforms {

std::unique_ptr<sim::PlatformModel> make_model(const sim::CandidateSpec& candidate,
                                               const sim::Scenario& scenario);
// All candidates of the scenario, in order. Throws InputError for the first bad one.
std::vector<sim::CandidateRun> make_candidates(const sim::Scenario& scenario);

}  // namespace servesim::platforms
