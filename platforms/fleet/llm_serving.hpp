#pragma once
// What a platform model needs to serve service.llm token by token (docs/models/llm-serving.md), shared by
// kubernetes-gpu (a pod is a replica) and the fleet platforms with GPUs (an instance is a replica):
// - make_llm_serving(): the iteration-time model for the scenario's model on the candidate's GPUs, with the
//   efficiencies of the fit for the GPU's generation unless the candidate gives its own, what the latency
//   rests on and a one-line basis;
// - LlmMeter: TTFT, TPOT, goodput, tokens and KV-cache utilisation of the requests a model serves.
//   LlmServing s = make_llm_serving(scenario.service.llm, *gpu, replica, scenario.file);
//   LlmEngine engine(*s.timing, limits);
//   meter.served(request, first_token_s, t_s, latency_s);   // from the engine's Sink
#include <memory>
#include <string>

#include "platforms/catalog.hpp"
#include "platforms/fleet/gpu_catalog.hpp"
#include "platforms/fleet/llm_engine.hpp"
#include "platforms/fleet/llm_timing.hpp"
#include "sim/client.hpp"
#include "sim/recorder.hpp"
#include "sim/run_result.hpp"
#include "sim/scenario.hpp"

namespace servesim::platforms {

struct LlmServing {
  std::shared_ptr<const LlmTiming> timing;
  std::string latency_source;  // calibrated (the fit) | estimated (efficiencies given, or no fit)
  std::string basis;
};

// `replica`: efficiencies 0 and overhead < 0 take the fit's. Throws InputError naming `file` and the
// shape's pointer (/service/llm, or a candidate's /candidates/<i>/llm) when the model does not fit the GPUs
// at its precision.
LlmServing make_llm_serving(const sim::LlmShape& shape, const GpuSpec& gpu, LlmReplicaParams replica,
                            const std::string& file);

// The engine limits of a vLLM server on `gpu` whose platform sends it at most `concurrency` requests at once:
// max_num_seqs = concurrency (at most vLLM's 256), max_num_batched_tokens as vLLM V1's OpenAI server sets it
// (8192 on GPUs with 70 GB or more, else 2048), chunked prefill, 16-token blocks.
LlmEngineLimits vllm_limits(const GpuSpec& gpu, uint32_t concurrency);

// The tokens of a request to offer: the workload's counts, or the model's defaults when it has none. Returns
// false when input + output exceed the model's context: the server refuses such a request (vLLM answers HTTP
// 400 when the prompt plus max_tokens exceed --max-model-len) and the platform counts it dropped. A request
// trace's rows are checked before the run (an error naming the line); this catches synthetic draws.
bool llm_request_tokens(const sim::LlmShape& shape, const sim::RequestTokens* known, uint32_t& input,
                        uint32_t& output);

// The candidate's llm_prefix_caching setting. Throws InputError naming the candidate's key when it is true
// but nothing can be cached: no language model served token by token (service.llm on a GPU, `on_gpu`), no
// workload.prefix_blocks_column, or llm_capacity_policy guaranteed_no_evict.
bool llm_prefix_caching_setting(const Settings& s, const sim::Scenario& scenario, bool on_gpu);

// The llm_* engine settings of a fleet platform's GPU candidate (Cloud Run, Container Apps, Lambda Managed
// Instances; the keys and defaults of kubernetes-gpu's): an instance is one replica with these limits.
struct LlmEngineSettings {
  // max_batched_tokens 0: vLLM V1's server default for the GPU (vllm_limits); max_num_seqs 256 (vLLM's
  // default) lets the platform's request concurrency bound the sequences, as before these settings existed.
  LlmEngineLimits limits{.max_num_seqs = 256, .max_batched_tokens = 0};
  // Efficiencies 0 and overhead < 0: the fit's for the GPU's generation (make_llm_serving).
  LlmReplicaParams replica{.compute_efficiency = 0, .bandwidth_efficiency = 0, .overhead_s = -1};
};

// The candidate's llm_max_num_seqs, llm_max_num_batched_tokens, llm_chunked_prefill, llm_kv_block_tokens,
// llm_gpu_memory_utilization, llm_activation_reserve_gb, llm_compute_efficiency, llm_bandwidth_efficiency,
// llm_iteration_overhead_ms, llm_capacity_policy and llm_prefix_caching. Throws InputError naming the first
// such key the candidate gives when no language model is served token by token (service.llm on a GPU,
// `on_gpu`).
LlmEngineSettings llm_engine_settings(const Settings& s, const sim::Scenario& scenario, bool on_gpu);
// Those keys as the candidate's settings (or the catalogue) give them, refusing nothing and leaving
// prefix_caching false and tensor parallelism at 1: what llm_engine_settings and kubernetes-gpu share.
LlmEngineSettings read_llm_engine_settings(const Settings& s);

// With chunked prefill off a prompt is prefilled whole in one iteration: refuses (InputError naming `file`
// and the shape's max_context_tokens) a context longer than the iteration's token budget.
void check_whole_prefill_fits(const LlmEngineLimits& limits, const sim::LlmShape& shape,
                              const std::string& file);

class LlmMeter {
 public:
  LlmMeter(const sim::SloSpec& slo, const LlmServing& serving, uint32_t gpus_per_replica);
  // From start(): the per-interval figures go to timeseries.csv through the run's recorder too, and the
  // requests' ends are counted through the run's client.
  void attach(sim::Recorder& recorder, sim::Client& client) {
    rec_ = &recorder;
    client_ = &client;
  }
  // The replicas cache prompt prefixes: the outcome reports the hit rate.
  void set_prefix_caching(bool on) { out_.prefix_caching = on; }
  // An iteration of `duration_s` that ended at t_s ran `running_seqs` sequences with the KV cache
  // `kv_utilization` full.
  void iteration(double t_s, double kv_utilization, double duration_s, uint32_t running_seqs) {
    kv_area_ += kv_utilization * duration_s;
    kv_time_ += duration_s;
    if (kv_utilization > out_.kv_utilization_peak) out_.kv_utilization_peak = kv_utilization;
    if (rec_) rec_->llm_iteration(t_s, kv_utilization, duration_s, running_seqs);
  }
  void preempted(double t_s, uint64_t n) {
    if (n > 0 && rec_) rec_->llm_preempted(t_s, n);
  }
  // The engine finished `r` at t_s: counted by the client (sim::Client::completed: a synchronous request
  // whose caller gave up while it ran, after slo.timeout_s, is timed out; an async event is served whatever
  // its delay); a served one adds its token metrics. Needs attach().
  void finished(const LlmRequest& r, double first_token_s, double t_s);
  sim::LlmOutcome outcome(uint64_t preemptions) const;

 private:
  void served(const LlmRequest& r, double first_token_s, double t_s, double latency_s);
  sim::SloSpec slo_;
  sim::Recorder* rec_ = nullptr;
  sim::Client* client_ = nullptr;
  sim::LlmOutcome out_;
  double kv_area_ = 0, kv_time_ = 0;
};

}  // namespace servesim::platforms
