#pragma once
// A candidate's own language model (candidates[i].llm, docs/scenario.md "A model per candidate"): its keys
// merged over service.llm for that candidate only, and the scenario its platform model sees.
//   parse_candidate_llm(service_llm_json, candidate_json["llm"], scenario.service, file, spec);  // parse
//   time const sim::Scenario own = sim::scenario_for(scenario, candidate);  // own.service.llm: the
//   candidate's
#include <nlohmann/json.hpp>
#include <string>

#include "sim/scenario.hpp"

namespace servesim::sim {

// Bytes per value at a precision name (fp32/tf32 4, fp16/bf16 2, fp8/int8 1, int4 0.5); 0 for an unknown
// name. The one table for weights and KV cache (platforms/fleet/llm_timing.hpp uses it too).
double llm_precision_bytes(const std::string& precision);
// The weights at the serving precision [MB, 10^6 bytes] = parameters x bytes per parameter.
double llm_weights_mb(const LlmShape& shape);
// True when the two shapes are different models or the same one at another weight precision.
bool is_other_model(const LlmShape& a, const LlmShape& b);

// Reads a candidate's "llm" object (`candidate_llm`, at spec.pointer + "/llm") over service.llm's keys
// (`service_llm`): a candidate that names a model or any shape key drops service.llm's shape keys and its
// per-token CPU costs (measured on the other model); precision, kv_precision, max_context_tokens and the
// default tokens carry over unless given. Fills spec.has_llm, spec.llm and spec.llm_model_size_mb. Throws
// InputError naming /candidates/<i>/llm/<key>.
void parse_candidate_llm(const nlohmann::json& service_llm, const nlohmann::json& candidate_llm,
                         const ServiceSpec& service, const std::string& file, CandidateSpec& spec);

// The service the candidate serves: the scenario's with the candidate's model and the cold start that
// follows it. Rule (docs/scenario.md): the candidate's llm.model_size_mb when given; else, when its weights
// differ from service.llm's and the scenario fetches a model (model_size_mb > 0), service.llm's weights in
// model_size_mb are replaced by the candidate's (model_size_mb - service weights + candidate weights) and
// model_load is scaled by the new size over the old (loading reads the bytes: an estimate). The service
// itself when the candidate has no "llm".
ServiceSpec service_for(const ServiceSpec& service, const CandidateSpec& candidate);
// The scenario with service_for() as its service (a copy).
Scenario scenario_for(const Scenario& scenario, const CandidateSpec& candidate);
// The model candidate `c` serves (service.llm when it has no "llm" of its own).
const LlmShape& llm_of(const Scenario& scenario, const CandidateSpec& c);
// True when two candidates serve different models (or precisions).
bool candidates_serve_different_models(const Scenario& scenario);

}  // namespace servesim::sim
