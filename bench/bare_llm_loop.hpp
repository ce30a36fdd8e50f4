#pragma once
// The bare-loop baseline of language-model serving on a fixed Kubernetes GPU fleet (kubernetes-gpu with
// service.llm: platforms/kubernetes_gpu/kubernetes_model.cpp, platforms/fleet/llm_engine.hpp), in plain C++
// with no simulator, no platform model and no engine class, for the settings of bench_llm_replay:
// - arrivals: the rows of a per-request CSV trace (timestamp and token columns), each replayed floor(scale)
//   times (one copy at the row's instant, the others spread uniformly within +-0.5 s, drawn from the same
//   derived random stream as ServeSim's request-trace replay, sim/request_trace_source.hpp), all held in one
//   vector and sorted by time;
// - a Service routing round-robin over `replicas` pods that are all ready from the start (min_replicas =
//   max_replicas, so no autoscaling and no cold starts);
// - per replica, vLLM's scheduler as one loop over the batch's sequences per iteration: a FIFO queue; each
//   iteration first gives every decoding sequence one token, then continues the prompts being prefilled, then
//   admits waiting requests, within max_batched_tokens tokens and max_num_seqs sequences (chunked prefill);
//   a KV cache of kv_capacity_tokens (whole blocks), each sequence holding its tokens plus half a block of
//   slack; the most recently admitted sequence preempted (recompute) when the decodes do not fit; waiting
//   requests older than the client timeout dropped when an iteration starts;
// - the iteration time from LlmTiming::iteration_s (the same roofline formula ServeSim uses, called
// directly). Its counts should agree with ServeSim's exactly and its TTFT/TPOT up to histogram resolution
// (the quantiles here come from BareLatencyHistogram, 0.1 ms buckets).
#include <cstdint>
#include <string>

#include "platforms/fleet/llm_timing.hpp"

namespace servesim::bench {

struct BareLlmConfig {
  std::string trace_path;  // CSV with a header: TIMESTAMP ("YYYY-MM-DD HH:MM:SS[.f]"), ContextTokens, ...
  std::string timestamp_column = "TIMESTAMP", input_column = "ContextTokens",
              output_column = "GeneratedTokens";
  uint64_t seed = 2023;
  uint32_t scale = 32;  // copies of each row (a whole number here)
  uint32_t replicas = 16;
  uint32_t max_num_seqs = 256, max_batched_tokens = 8192, block_tokens = 16;
  double timeout_s = 120;                        // the client gives up after this long [s]
  const platforms::LlmTiming* timing = nullptr;  // iteration time and KV capacity of one replica
};

struct BareLlmResult {
  uint64_t requests = 0, served = 0, timed_out = 0;
  uint64_t input_tokens = 0, output_tokens = 0;  // of the served requests
  uint64_t preemptions = 0, iterations = 0;
  double ttft_mean_s = 0, ttft_p50_s = 0, ttft_p99_s = 0;
  double tpot_mean_s = 0, tpot_p50_s = 0, tpot_p99_s = 0;  // of served requests with 2 tokens or more
  double busy_s = 0;                                       // sum over replicas of iteration time [s]
  double end_s = 0;                                        // the last token [s]
};

BareLlmResult run_bare_llm(const BareLlmConfig& config);

}  // namespace servesim::bench
