// candidates[i].llm (docs/scenario.md "A model per candidate"): a candidate serving another model than
// service.llm, e.g. an 8B on L4s beside a 70B on 4 x H100 over the same trace.
#include "sim/candidate_llm.hpp"

#include <algorithm>
#include <iterator>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "sim/llm_presets.hpp"

namespace servesim::sim {

namespace {
// The keys that say which model it is: a candidate giving any of them replaces service.llm's.
constexpr const char* kShapeKeys[] = {"model",    "parameters_b", "layers", "heads",
                                      "kv_heads", "head_dim",     "hidden"};
}  // namespace

double llm_precision_bytes(const std::string& precision) {
  if (precision == "fp32" || precision == "tf32") return 4;
  if (precision == "fp16" || precision == "bf16") return 2;
  if (precision == "fp8" || precision == "int8") return 1;
  if (precision == "int4") return 0.5;
  return 0;
}

double llm_weights_mb(const LlmShape& shape) {
  return shape.parameters_b * 1e3 * llm_precision_bytes(shape.precision);
}

bool is_other_model(const LlmShape& a, const LlmShape& b) {
  return a.name != b.name || a.parameters_b != b.parameters_b || a.precision != b.precision ||
         a.layers != b.layers || a.kv_heads != b.kv_heads || a.head_dim != b.head_dim || a.hidden != b.hidden;
}

void parse_candidate_llm(const nlohmann::json& service_llm, const nlohmann::json& candidate_llm,
                         const ServiceSpec& service, const std::string& file, CandidateSpec& spec) {
  const std::string ptr = spec.pointer + "/llm";
  if (!service.llm.given)
    throw input_error(file, ptr,
                      "unexpected: a candidate's llm refines service.llm (the scenario's language model), "
                      "which is missing");
  if (!candidate_llm.is_object())
    throw input_error(file, ptr,
                      "expected an object of service.llm keys (model, precision, kv_precision, "
                      "max_context_tokens, ...), got " +
                          core::quote_json(candidate_llm));
  nlohmann::json merged = service_llm;
  const bool other_model = std::any_of(std::begin(kShapeKeys), std::end(kShapeKeys),
                                       [&](const char* k) { return candidate_llm.contains(k); });
  if (other_model) {
    for (const char* k : kShapeKeys) merged.erase(k);
    merged.erase("cpu_ms_per_input_token");
    merged.erase("cpu_ms_per_output_token");
  }
  for (const auto& [key, value] : candidate_llm.items()) merged[key] = value;
  core::JsonFields f(merged, file, ptr);
  spec.llm_model_size_mb = f.has("model_size_mb") ? f.number("model_size_mb", 0, 0, 1e7) : -1;
  spec.llm = parse_llm(f);
  spec.llm.pointer = ptr;
  spec.has_llm = true;
  // The cold start follows the model (service_for): replacing service.llm's weights in model_size_mb needs
  // model_size_mb to hold them.
  const double weights_mb = llm_weights_mb(service.llm);
  if (spec.llm_model_size_mb < 0 && service.given.model_size_mb && service.model_size_mb > 0 &&
      llm_weights_mb(spec.llm) != weights_mb && service.model_size_mb < 0.99 * weights_mb)
    throw f.error("model_size_mb",
                  "missing: service.cold_start.model_size_mb (" + core::quote_number(service.model_size_mb) +
                      " MB) is less than service.llm's weights (" + core::quote_number(weights_mb) +
                      " MB), so this candidate's cold start cannot be derived from its weights (" +
                      core::quote_number(llm_weights_mb(spec.llm)) + " MB): give its model_size_mb");
}

ServiceSpec service_for(const ServiceSpec& service, const CandidateSpec& candidate) {
  if (!candidate.has_llm) return service;
  ServiceSpec s = service;
  s.llm = candidate.llm;
  // Per-token CPU costs filled after parsing (a "model" profile) belong to service.llm's model: kept only
  // when the candidate serves that model.
  if (!is_other_model(candidate.llm, service.llm) && s.llm.cpu_s_per_input_token == 0 &&
      s.llm.cpu_s_per_output_token == 0) {
    s.llm.cpu_s_per_input_token = service.llm.cpu_s_per_input_token;
    s.llm.cpu_s_per_output_token = service.llm.cpu_s_per_output_token;
  }
  const double old_weights_mb = llm_weights_mb(service.llm), new_weights_mb = llm_weights_mb(candidate.llm);
  if (candidate.llm_model_size_mb >= 0) {
    s.model_size_mb = candidate.llm_model_size_mb;
    s.given.model_size_mb = true;
  } else if (service.model_size_mb > 0 && new_weights_mb != old_weights_mb) {
    s.model_size_mb = std::max(0.0, service.model_size_mb - old_weights_mb) + new_weights_mb;
  }
  if (service.model_size_mb > 0 && s.model_size_mb > 0 && s.model_size_mb != service.model_size_mb)
    s.model_load_s = service.model_load_s.scaled(s.model_size_mb / service.model_size_mb);
  return s;
}

Scenario scenario_for(const Scenario& scenario, const CandidateSpec& candidate) {
  Scenario own = scenario;
  own.service = service_for(scenario.service, candidate);
  return own;
}

const LlmShape& llm_of(const Scenario& scenario, const CandidateSpec& c) {
  return c.has_llm ? c.llm : scenario.service.llm;
}

bool candidates_serve_different_models(const Scenario& scenario) {
  if (!scenario.service.llm.given || scenario.candidates.empty()) return false;
  const LlmShape& first = llm_of(scenario, scenario.candidates.front());
  for (const CandidateSpec& c : scenario.candidates)
    if (is_other_model(llm_of(scenario, c), first)) return true;
  return false;
}

}  // namespace servesim::sim
