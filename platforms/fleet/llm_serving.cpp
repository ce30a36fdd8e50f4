#include "platforms/fleet/llm_serving.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "platforms/fleet/llm_calibration.hpp"

namespace servesim::platforms {

LlmServing make_llm_serving(const sim::LlmShape& s, const GpuSpec& gpu, LlmReplicaParams r,
                            const std::string& file) {
  const LlmSpec spec{.name = s.name,
                     .parameters_b = s.parameters_b,
                     .layers = s.layers,
                     .heads = s.heads,
                     .kv_heads = s.kv_heads,
                     .head_dim = s.head_dim,
                     .hidden = s.hidden,
                     .max_context_tokens = s.max_context_tokens,
                     .precision = s.precision,
                     .kv_precision = s.kv_precision};
  const LlmCalibration& cal = llm_calibration();
  const LlmGenerationFit* fit = cal.fit_for(gpu);
  const bool fitted = fit && r.compute_efficiency == 0 && r.bandwidth_efficiency == 0;
  const LlmReplicaParams calibrated = cal.replica_for(gpu);
  if (r.compute_efficiency == 0) r.compute_efficiency = calibrated.compute_efficiency;
  if (r.bandwidth_efficiency == 0) r.bandwidth_efficiency = calibrated.bandwidth_efficiency;
  if (r.overhead_s < 0) r.overhead_s = calibrated.overhead_s;
  LlmServing out;
  try {
    out.timing = std::make_shared<const LlmTiming>(spec, gpu, r);
  } catch (const std::invalid_argument& e) {
    throw input_error(file, s.pointer, e.what());
  }
  out.latency_source = fitted ? "calibrated" : "estimated";
  out.basis =
      s.name + " at " + s.precision + " (KV " + s.kv_precision + ") on " + std::to_string(r.tensor_parallel) +
      " x " + gpu.name + ": KV cache " + std::to_string(out.timing->kv_capacity_tokens()) +
      " tokens per replica; compute efficiency " + core::quote_number(r.compute_efficiency) +
      ", bandwidth efficiency " + core::quote_number(r.bandwidth_efficiency) + ", overhead " +
      core::quote_number(r.overhead_s * 1e3) + " ms per iteration (" +
      (fitted
           ? "efficiencies fitted on published " + gpu.generation + " throughput, docs/models/llm-serving.md"
           : std::string(fit ? "efficiencies given by the candidate: estimated"
                             : "no fit for the " + gpu.generation + " generation: estimated")) +
      ")";
  return out;
}

LlmEngineLimits vllm_limits(const GpuSpec& gpu, uint32_t concurrency) {
  LlmEngineLimits l;
  l.max_num_seqs = std::min<uint32_t>(256, std::max<uint32_t>(1, concurrency));
  l.max_batched_tokens = gpu.memory_gb >= 70 ? 8192 : 2048;
  return l;
}

bool llm_request_tokens(const sim::LlmShape& shape, const sim::RequestTokens* known, uint32_t& input,
                        uint32_t& output) {
  const bool has = known && known->known();
  input = has ? std::max<uint32_t>(1, known->input) : shape.default_input_tokens;
  output = has ? std::max<uint32_t>(1, known->output) : shape.default_output_tokens;
  return static_cast<uint64_t>(input) + output <= shape.max_context_tokens;
}

bool llm_prefix_caching_setting(const Settings& s, const sim::Scenario& scenario, bool on_gpu) {
  if (!s.boolean("llm_prefix_caching")) return false;
  if (!scenario.service.llm.given || !on_gpu)
    throw s.error(
        "llm_prefix_caching",
        "expected only with service.llm on a GPU (a language model served token by token), got true");
  if (scenario.workload.prefix_blocks_column.empty())
    throw s.error("llm_prefix_caching",
                  "expected a request trace with prefix_blocks_column (the prompts' prefix block ids, e.g. "
                  "Mooncake's hash_ids), got true without one");
  if (s.text("llm_capacity_policy") == "guaranteed_no_evict")
    throw s.error(
        "llm_capacity_policy",
        "expected \"preempt\" with llm_prefix_caching true (reservations over shared cached blocks are "
        "not modelled), got \"guaranteed_no_evict\"");
  return true;
}

LlmEngineSettings llm_engine_settings(const Settings& s, const sim::Scenario& scenario, bool on_gpu) {
  static const char* const kKeys[] = {"llm_max_num_seqs",           "llm_max_num_batched_tokens",
                                      "llm_chunked_prefill",        "llm_kv_block_tokens",
                                      "llm_gpu_memory_utilization", "llm_activation_reserve_gb",
                                      "llm_compute_efficiency",     "llm_bandwidth_efficiency",
                                      "llm_iteration_overhead_ms",  "llm_capacity_policy"};
  const std::string refused =
      "expected only with service.llm on a GPU (a language model served token by token)";
  if (!scenario.service.llm.given || !on_gpu)
    for (const char* key : kKeys)
      if (s.is_overridden(key)) throw s.error(key, refused + ", got " + core::quote_json(s.structured(key)));
  LlmEngineSettings out = read_llm_engine_settings(s);
  out.limits.prefix_caching = llm_prefix_caching_setting(s, scenario, on_gpu);
  return out;
}

LlmEngineSettings read_llm_engine_settings(const Settings& s) {
  LlmEngineSettings out;
  out.limits = LlmEngineLimits{
      .max_num_seqs = static_cast<uint32_t>(s.number("llm_max_num_seqs")),
      .max_batched_tokens = static_cast<uint32_t>(s.number("llm_max_num_batched_tokens")),
      .block_tokens = static_cast<uint32_t>(s.number("llm_kv_block_tokens")),
      .chunked_prefill = s.boolean("llm_chunked_prefill"),
      .guaranteed_no_evict = s.text("llm_capacity_policy") == "guaranteed_no_evict",
  };
  out.replica = LlmReplicaParams{
      .memory_utilization = s.number("llm_gpu_memory_utilization"),
      .activation_reserve_gb = s.number("llm_activation_reserve_gb"),
      .compute_efficiency = s.number("llm_compute_efficiency"),
      .bandwidth_efficiency = s.number("llm_bandwidth_efficiency"),
      .overhead_s = s.number("llm_iteration_overhead_ms") / 1e3,
  };
  return out;
}

void check_whole_prefill_fits(const LlmEngineLimits& limits, const sim::LlmShape& shape,
                              const std::string& file) {
  if (!limits.chunked_prefill && limits.max_batched_tokens < shape.max_context_tokens)
    throw input_error(file, shape.pointer + "/max_context_tokens",
                      "expected at most the candidate's llm_max_num_batched_tokens (" +
                          std::to_string(limits.max_batched_tokens) +
                          ") when llm_chunked_prefill is false (a prompt is prefilled whole), got " +
                          std::to_string(shape.max_context_tokens));
}

LlmMeter::LlmMeter(const sim::SloSpec& slo, const LlmServing& serving, uint32_t gpus_per_replica)
    : slo_(slo) {
  out_.present = true;
  out_.gpus_per_replica = gpus_per_replica;
  out_.basis = serving.basis;
}

void LlmMeter::finished(const LlmRequest& r, double first_token_s, double t_s) {
  if (client_->completed(*rec_, t_s, r.arrival_s, r.attempt, sim::Client::Ended::finished, slo_.timeout_s,
                         sim::RequestTokens{r.input, r.output}))
    served(r, first_token_s, t_s, t_s - r.arrival_s);
}

void LlmMeter::served(const LlmRequest& r, double first_token_s, double t_s, double latency_s) {
  const double ttft_s = first_token_s - r.arrival_s;
  out_.ttft.add(ttft_s);
  bool good = latency_s * 1e3 <= slo_.p99_ms && (slo_.ttft_ms <= 0 || ttft_s * 1e3 <= slo_.ttft_ms);
  double tpot_s = -1;
  if (r.output > 1) {
    tpot_s = (t_s - first_token_s) / (r.output - 1);
    out_.tpot.add(tpot_s);
    good = good && (slo_.tpot_ms <= 0 || tpot_s * 1e3 <= slo_.tpot_ms);
  }
  if (rec_) rec_->llm_served(t_s, ttft_s, tpot_s, r.output);
  out_.input_tokens += r.input;
  out_.output_tokens += r.output;
  out_.prefix_hit_tokens += r.cached_tokens;
  if (good) ++out_.goodput;
}

sim::LlmOutcome LlmMeter::outcome(uint64_t preemptions) const {
  sim::LlmOutcome out = out_;
  out.preemptions = preemptions;
  out.kv_utilization_mean = kv_time_ > 0 ? kv_area_ / kv_time_ : 0;
  return out;
}

}  // namespace servesim::platforms
