#pragma once
// The model stages of a serving topology (docs/topology.md) that serve the scenario's own model: kind
// "model", a `candidate` object and no `service` of their own. What the scenario says about its model (the
// memory it needs, a GPU profile's measured latencies) applies to them as to a top-level candidate.
//   for (const ModelStage& stage : model_stages(candidate)) check(stage.spec);
#include <cstddef>
#include <vector>

#include "sim/scenario.hpp"

namespace servesim::app {

struct ModelStage {
  std::size_t index = 0;  // position in the topology's "stages"
  // The stage's candidate as a candidate of its own: name "<topology>/<stage id>", its platform and
  // settings, pointer "<topology>/stages/<index>/candidate".
  sim::CandidateSpec spec;
};

// Empty for a candidate that is not a topology (no "stages") or has no such stage.
std::vector<ModelStage> model_stages(const sim::CandidateSpec& topology);

}  // namespace servesim::app
