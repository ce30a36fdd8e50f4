// The registration of the serving topology (one line in platforms/registered_platforms.cpp): a composite of
// the other platforms' models with no catalogue entry of its own, so it brings the placements hook that
// tells the advisor where its stages run (docs/topology.md).
#include "platforms/registry.hpp"
#include "platforms/topology/topology_model.hpp"
#include "platforms/topology/topology_spec.hpp"

namespace servesim::platforms {

namespace {

// Its model stages run where their platforms do; an edge-device stage's candidate is an always-on server (a
// container); an edge cache and a split compute nothing and have no placement.
std::vector<PlacementUse> topology_placements(const sim::CandidateSpec& candidate,
                                              const sim::Scenario& scenario) {
  std::vector<PlacementUse> uses;
  for (const auto& s : parse_topology(candidate, scenario).stages) {
    if (s.kind == StageSpec::Kind::edge_device)
      uses.push_back({placement_of(s.candidate.platform), "stage \"" + s.id + "\" (an edge device)"});
    else if (s.kind == StageSpec::Kind::model)
      uses.push_back(
          {placement_of(s.candidate.platform), "stage \"" + s.id + "\" on " + s.candidate.platform});
  }
  return uses;
}

}  // namespace

PlatformRegistration topology_platform() {
  PlatformRegistration r;
  r.name = TopologyModel::kPlatform;
  r.make = [](const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
    return std::unique_ptr<sim::PlatformModel>(
        std::make_unique<TopologyModel>(parse_topology(candidate, scenario), scenario));
  };
  r.placements = topology_placements;
  r.composite_title = "Serving topology (docs/topology.md)";
  return r;
}

}  // namespace servesim::platforms
