#include "reports/candidate_model.hpp"

#include <cstdio>

#include "reports/run_report.hpp"
#include "sim/candidate_llm.hpp"

namespace servesim::reports {

nlohmann::ordered_json model_json(const sim::LlmShape& llm) {
  return {{"name", llm.name},
          {"parameters_b", llm.parameters_b},
          {"precision", llm.precision},
          {"kv_precision", llm.kv_precision},
          {"weights_gb", round_significant(sim::llm_weights_mb(llm) / 1e3)},
          {"max_context_tokens", llm.max_context_tokens}};
}

const sim::LlmShape& llm_of_result(const sim::Scenario& scenario, const std::string& name) {
  for (const sim::CandidateSpec& c : scenario.candidates)
    if (c.name == name) return sim::llm_of(scenario, c);
  return scenario.service.llm;
}

std::string model_lines(const sim::Scenario& scenario, const std::vector<sim::CandidateResult>& results) {
  if (!sim::candidates_serve_different_models(scenario)) return "";
  std::string out;
  char line[512];
  for (const auto& r : results) {
    const sim::LlmShape& llm = llm_of_result(scenario, r.name);
    std::snprintf(line, sizeof line, "model: %-24s %s at %s (%.1f GB of weights)\n", r.name.c_str(),
                  llm.name.c_str(), llm.precision.c_str(), sim::llm_weights_mb(llm) / 1e3);
    out += line;
  }
  return out;
}

}  // namespace servesim::reports
