#pragma once
// One request's warm service time on the scenario's reference_vcpu [s], for the platform models that run a
// request alone on CPUs: a language model with per-token CPU costs (service.llm.cpu_ms_per_*_token) charges
// the request's tokens (the llm's default counts when the workload gives none); any other service draws
// from service.warm.
//   double work_s = sim::warm_service_s(service_, *rng_, ctx.request_tokens);
#include "sim/arrival_source.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace servesim::sim {

inline bool uses_token_costs(const ServiceSpec& s) {
  return s.llm.given && (s.llm.cpu_s_per_input_token > 0 || s.llm.cpu_s_per_output_token > 0);
}

inline double warm_service_s(const ServiceSpec& s, Rng& rng, const RequestTokens* tokens) {
  if (!uses_token_costs(s)) return s.warm_s.sample(rng);
  const bool known = tokens && tokens->known();
  const double in = known ? tokens->input : s.llm.default_input_tokens;
  const double out = known ? tokens->output : s.llm.default_output_tokens;
  return s.llm.cpu_s_per_input_token * in + s.llm.cpu_s_per_output_token * out;
}

}  // namespace servesim::sim
