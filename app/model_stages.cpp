#include "app/model_stages.hpp"

#include <string>

namespace servesim::app {

std::vector<ModelStage> model_stages(const sim::CandidateSpec& topology) {
  std::vector<ModelStage> out;
  const auto stages = topology.settings.value("stages", nlohmann::json::array());
  if (!stages.is_array()) return out;
  for (std::size_t k = 0; k < stages.size(); ++k) {
    const auto& stage = stages[k];
    if (!stage.is_object() || stage.value("kind", "") != "model" || stage.contains("service") ||
        !stage.contains("candidate") || !stage["candidate"].is_object())
      continue;
    ModelStage s;
    s.index = k;
    s.spec.name = topology.name + "/" + stage.value("id", std::to_string(k));
    s.spec.platform = stage["candidate"].value("platform", "");
    s.spec.settings = stage["candidate"];
    s.spec.settings.erase("platform");
    s.spec.pointer = topology.pointer + "/stages/" + std::to_string(k) + "/candidate";
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace servesim::app
