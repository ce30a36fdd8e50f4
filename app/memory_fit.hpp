#pragma once
// Does each candidate hold the model in memory? The figure comes from the scenario (service.model_memory_mb)
// or from a model profile's measured peak (app/scenario_model.hpp); a candidate below it would be killed out
// of memory on the real platform, so the run is refused before anything is simulated.
#include <optional>
#include <string>

#include "sim/scenario.hpp"

namespace servesim::app {

// Memory of a candidate [MiB] from its settings, generically: "memory_mb" (MiB, as AWS counts it),
// "memory_gib", or "<plan>_memory_mb" for a platform with a "plan" key (Azure Flex: flex_memory_mb); the
// scenario's value, else the catalogue default. nullopt when the platform has no such key (a fixed pool, GPU
// nodes, Azure's Consumption and Premium plans): those candidates are not checked.
struct CandidateMemory {
  std::string key;  // the settings key it came from
  double mib = 0;
  bool is_default = false;  // the catalogue default, not the scenario's value
};
std::optional<CandidateMemory> candidate_memory(const sim::CandidateSpec& candidate, const std::string& file);

// Throws InputError (the scenario file, the candidate's memory key) for the first candidate, or model stage
// of a serving topology that serves the scenario's model, whose memory is below required_mib. `because`
// says where the figure comes from ("800 MB (service.model_memory_mb)").
void check_candidates_memory(const sim::Scenario& scenario, double required_mib, const std::string& because);

// service.model_memory_mb, when the scenario gives it: check_candidates_memory with that figure.
void check_given_memory(const sim::Scenario& scenario);

}  // namespace servesim::app
