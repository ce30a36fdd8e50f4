#pragma once
// What one iteration of a language-model server costs on a GPU replica, and how many tokens of KV cache the
// replica holds (docs/models/llm-serving.md). The served model is a decoder-only transformer described by
// its shape (LlmSpec); the replica is `tensor_parallel` GPUs of one type (platforms/fleet/gpus.json).
//
// One iteration (one forward pass of a continuous batch) takes
//   t = max(flops / (tp x peak x compute_efficiency), bytes / (tp x bandwidth x bandwidth_efficiency))
//       + overhead + all-reduce
// with
//   flops = 2 x parameters x (prefill tokens + decode sequences)                       (dense layers)
//         + 4 x layers x heads x head_dim x (attention pairs of the prefill chunks + context of decodes)
//   bytes = weight bytes + KV bytes per token x (context read by the decodes + prefill tokens written)
//   all-reduce (tp > 1) = 2 x layers x (latency + alpha + tokens x hidden x activation bytes / beta)
// where alpha and beta come from a ring all-reduce simulated on the node's GPU links with SimGrid
// (platforms/fleet/node_fabric.hpp; on a non-blocking NVSwitch beta = link x tp / (2 (tp - 1)) and alpha =
// 2 (tp - 1) x the GPU-to-GPU latency, shared links lower beta).
// Prefill is compute-bound, decode at small batches bandwidth-bound (weights read once per step); the max
// is the roofline of Williams, Waterman and Patterson (CACM 2009) applied per iteration, as in Vidur
// (Agrawal et al., MLSys 2024) and LLM-Viewer (Yuan et al., 2024).
//
// KV capacity = (tp x GPU memory x memory_utilization - weights - activation reserve) / KV bytes per token,
// with KV bytes per token = 2 (K and V) x layers x kv_heads x head_dim x KV precision bytes.
#include <cstdint>
#include <string>

#include "platforms/fleet/gpu_catalog.hpp"
#include "platforms/fleet/node_fabric.hpp"

namespace servesim::platforms {

struct LlmSpec {
  std::string name = "llm";
  double parameters_b = 8.0;  // [billions]
  uint32_t layers = 32;
  uint32_t heads = 32;    // attention (query) heads
  uint32_t kv_heads = 8;  // key/value heads (grouped-query attention; = heads without it)
  uint32_t head_dim = 128;
  uint32_t hidden = 4096;  // model width (heads x head_dim for most models)
  uint32_t max_context_tokens = 8192;
  std::string precision = "fp16";     // weights and matrix compute
  std::string kv_precision = "fp16";  // KV cache
  double weight_bytes() const;        // parameters x precision bytes
  double kv_bytes_per_token() const;  // 2 x layers x kv_heads x head_dim x KV precision bytes
};

struct LlmReplicaParams {
  uint32_t tensor_parallel = 1;        // GPUs one replica spans (1..8, on one node)
  double memory_utilization = 0.9;     // share of GPU memory the server takes (vLLM gpu_memory_utilization)
  double activation_reserve_gb = 1;    // per GPU, kept for activations and the CUDA graphs [GB]
  double compute_efficiency = 0.5;     // of the dense peak at the precision [fraction]
  double bandwidth_efficiency = 0.8;   // of the datasheet memory bandwidth [fraction]
  double overhead_s = 0.002;           // per iteration: scheduling, sampling, launch [s]
  NodeFabric fabric{};                 // the node's GPU links, for tp > 1 (none: no all-reduce modelled)
  double allreduce_latency_s = 10e-6;  // per all-reduce, besides the links' latency: launch, sync [s]
};

class LlmTiming {
 public:
  // Throws std::invalid_argument with a one-line reason (the caller names file and pointer) when the GPU has
  // no tensor path at the precision, a precision is unknown, or the weights leave no room for KV cache.
  LlmTiming(const LlmSpec& model, const GpuSpec& gpu, const LlmReplicaParams& replica);

  // One iteration [s]: `prefill_tokens` prompt tokens computed, whose attention spans `prefill_pairs`
  // (sum over the chunks of chunk x (tokens before it + chunk / 2)); `decode_seqs` sequences each generating
  // one token over `decode_context` context tokens in all.
  double iteration_s(double prefill_tokens, double prefill_pairs, double decode_seqs,
                     double decode_context) const;
  // Tokens of KV cache the replica holds.
  uint64_t kv_capacity_tokens() const { return kv_capacity_tokens_; }
  const LlmSpec& model() const { return model_; }
  const LlmReplicaParams& replica() const { return replica_; }
  double peak_flops_per_s() const { return peak_flops_per_s_; }            // all tp GPUs, at the precision
  double bandwidth_bytes_per_s() const { return bandwidth_bytes_per_s_; }  // all tp GPUs
  // One all-reduce of the hidden states of `tokens` tokens over the tp GPUs [s] (0 at tp 1).
  double allreduce_s(double tokens) const;
  const AllReduceCost& allreduce_cost() const { return allreduce_; }

 private:
  LlmSpec model_;
  LlmReplicaParams replica_;
  double peak_flops_per_s_ = 0, bandwidth_bytes_per_s_ = 0;
  double weight_bytes_ = 0, kv_bytes_per_token_ = 0, attention_flops_per_pair_ = 0;
  double activation_bytes_ = 0;
  AllReduceCost allreduce_;
  uint64_t kv_capacity_tokens_ = 0;
};

}  // namespace servesim::platforms
