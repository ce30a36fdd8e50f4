#pragma once
// The language model each candidate serves (service.llm, or the candidate's own "llm": docs/scenario.md),
// as summary.json "model" and the lines under the result table when candidates serve different models.
//   c["model"] = reports::model_json(sim::llm_of(scenario, candidate));
//   out << reports::model_lines(scenario, results);   // "" when every candidate serves the same model
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/run_result.hpp"
#include "sim/scenario.hpp"

namespace servesim::reports {

// {"name", "parameters_b", "precision", "kv_precision", "weights_gb", "max_context_tokens"}; weights_gb =
// parameters x bytes per weight at the precision [GB, 10^9 bytes].
nlohmann::ordered_json model_json(const sim::LlmShape& llm);
// The model of the result named `name` (service.llm when no candidate has that name).
const sim::LlmShape& llm_of_result(const sim::Scenario& scenario, const std::string& name);
// One line per result, "model: <candidate> <name> at <precision> (<weights> GB of weights)", when the
// candidates serve different models; else "".
std::string model_lines(const sim::Scenario& scenario, const std::vector<sim::CandidateResult>& results);

}  // namespace servesim::reports
