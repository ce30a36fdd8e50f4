#include "platforms/fleet/llm_timing.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/json_fields.hpp"
#include "sim/candidate_llm.hpp"

namespace servesim::platforms {

double LlmSpec::weight_bytes() const {
  return parameters_b * 1e9 * sim::llm_precision_bytes(precision);
}

double LlmSpec::kv_bytes_per_token() const {
  return 2.0 * layers * kv_heads * head_dim * sim::llm_precision_bytes(kv_precision);
}

LlmTiming::LlmTiming(const LlmSpec& model, const GpuSpec& gpu, const LlmReplicaParams& replica)
    : model_(model), replica_(replica) {
  if (sim::llm_precision_bytes(model.precision) == 0 || sim::llm_precision_bytes(model.kv_precision) == 0)
    throw std::invalid_argument("expected precisions fp32, fp16, bf16, fp8, int8 or int4, got \"" +
                                model.precision + "\" and \"" + model.kv_precision + "\"");
  // int4 weights are dequantised to fp16 for the matrix products (AWQ/GPTQ kernels).
  const std::string compute = model.precision == "int4" ? "fp16" : model.precision;
  const std::optional<double> peak = gpu.peak_tflops_at(compute);
  if (!peak)
    throw std::invalid_argument("expected a precision the " + gpu.name + " supports (" +
                                gpu.supported_precisions() + "), got \"" + compute + "\"");
  const double tp = replica.tensor_parallel;
  peak_flops_per_s_ = *peak * 1e12 * tp;
  bandwidth_bytes_per_s_ = gpu.memory_bandwidth_gb_per_s * 1e9 * tp;
  weight_bytes_ = model.weight_bytes();
  kv_bytes_per_token_ = model.kv_bytes_per_token();
  attention_flops_per_pair_ = 4.0 * model.layers * model.heads * model.head_dim;
  activation_bytes_ = 2.0;  // hidden states are exchanged at 16 bits between the tensor-parallel GPUs
  const double usable =
      tp * (gpu.memory_gb * 1e9 * replica.memory_utilization - replica.activation_reserve_gb * 1e9);
  const double kv_bytes = usable - weight_bytes_;
  if (kv_bytes < kv_bytes_per_token_ * model.max_context_tokens)
    throw std::invalid_argument(
        "expected the model to fit the GPU memory with room for one full context of KV cache: weights " +
        core::quote_number(std::round(weight_bytes_ / 1e7) / 100) + " GB at " + model.precision + " + KV " +
        core::quote_number(std::round(kv_bytes_per_token_ * model.max_context_tokens / 1e7) / 100) +
        " GB for " + std::to_string(model.max_context_tokens) + " tokens, but " +
        std::to_string(replica.tensor_parallel) + " x " + gpu.name + " offer " +
        core::quote_number(std::round(std::max(0.0, usable) / 1e7) / 100) +
        " GB (memory x memory_utilization - activation reserve); use more tensor_parallel GPUs, a larger "
        "GPU, a lower precision or a shorter max_context_tokens");
  kv_capacity_tokens_ = static_cast<uint64_t>(kv_bytes / kv_bytes_per_token_);
  // Probed with SimGrid once per (fabric, tp) in the process, before any simulation runs.
  allreduce_ = replica.fabric.allreduce_cost(replica.tensor_parallel);
}

double LlmTiming::allreduce_s(double tokens) const {
  if (allreduce_.bytes_per_s <= 0) return 0;
  return replica_.allreduce_latency_s + allreduce_.time_s(tokens * model_.hidden * activation_bytes_);
}

double LlmTiming::iteration_s(double prefill_tokens, double prefill_pairs, double decode_seqs,
                              double decode_context) const {
  const double tokens = prefill_tokens + decode_seqs;
  if (tokens <= 0) return 0;
  const double flops =
      2.0 * model_.parameters_b * 1e9 * tokens + attention_flops_per_pair_ * (prefill_pairs + decode_context);
  const double bytes = weight_bytes_ + kv_bytes_per_token_ * (decode_context + prefill_tokens);
  const double compute_s = flops / (peak_flops_per_s_ * replica_.compute_efficiency);
  const double memory_s = bytes / (bandwidth_bytes_per_s_ * replica_.bandwidth_efficiency);
  double t = std::max(compute_s, memory_s) + replica_.overhead_s;
  // Two all-reduces per layer (after attention and after the MLP).
  if (allreduce_.bytes_per_s > 0) t += 2.0 * model_.layers * allreduce_s(tokens);
  return t;
}

}  // namespace servesim::platforms
