#pragma once
// A scenario file: the traffic, the service times, the SLO and the candidate platforms to compare.
// Checked once, where it enters; see docs/scenario.md for every key with its unit and default.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/distribution.hpp"
#include "sim/event_source.hpp"
#include "sim/faults.hpp"
#include "sim/workload.hpp"

namespace servesim::sim {

// A decoder-only language model served token by token (service.llm, docs/scenario.md): its shape, from a
// named preset (sim/llm_presets.cpp, each from the model's published config.json) or given field by field.
// Token-level platform models (platforms/fleet/llm_engine.hpp) size the KV cache and the iteration time
// from it; CPU platforms use the per-token costs.
struct LlmShape {
  bool given = false;
  std::string pointer =
      "/service/llm";       // where it was given, for errors (a candidate's: /candidates/<i>/llm)
  std::string name;         // the preset's name, or "custom"
  double parameters_b = 0;  // [billions]
  uint32_t layers = 0;
  uint32_t heads = 0;     // attention (query) heads
  uint32_t kv_heads = 0;  // key/value heads (grouped-query attention)
  uint32_t head_dim = 0;
  uint32_t hidden = 0;                // model width
  uint32_t max_context_tokens = 0;    // the longest input + output the server accepts
  std::string precision = "fp16";     // weights: fp32, fp16, bf16, fp8, int8, int4
  std::string kv_precision = "fp16";  // KV cache: fp16, bf16, fp8, int8
  // CPU platforms (no token-level engine): service time of one request on reference_vcpu vCPUs
  // = cpu_s_per_input_token x input + cpu_s_per_output_token x output (0: not given).
  double cpu_s_per_input_token = 0;
  double cpu_s_per_output_token = 0;
  // The mean tokens of a request whose counts the workload does not give (synthetic, or a retry whose
  // counts were lost).
  uint32_t default_input_tokens = 0, default_output_tokens = 0;
};

struct ServiceSpec {
  // Warm service time of one request on `reference_vcpu` vCPUs.
  Distribution warm_s = Distribution::constant(0.05);
  double reference_vcpu = 1.0;     // [vCPU] the CPU share on which warm_s was measured
  double parallel_fraction = 0.0;  // Amdahl fraction of the work that uses more than one vCPU [0, 1]
  // Cold start = runtime init + model transfer (model_size_mb over the platform's model store) + model load.
  Distribution runtime_init_s = Distribution::constant(0.0);
  Distribution model_load_s = Distribution::constant(0.0);  // on reference_vcpu, scales like warm_s
  double model_size_mb = 0.0;  // [MB, 10^6 bytes] bytes fetched by every cold start
  // Where the model lives (cold_start.source, docs/scenario.md): unset keeps each platform's own path (the
  // model downloaded from its model store; on kubernetes-gpu the node's image). Each platform checks its
  // limits for the chosen source and builds the cold start from it (platforms/fleet/cold_start_path.hpp).
  enum class ModelSource : uint8_t { unset, zip, layer, image, efs, object_store, volume };
  ModelSource model_source = ModelSource::unset;
  double package_mb = 0.0;  // [MB] code and dependencies without the model (unzipped; the image without it)
  uint32_t layers = 0;      // Lambda layers the package is split into (source layer; 0: not given)
  // Layered model cache on the platform's workers (cold_start.cache, docs/scenario.md): a cold start lands
  // on one of `workers` hosts at random; if that host used the model within a layer's ttl_s it reads it from
  // that layer (fastest first) instead of fetching it from the model store. Off when workers is 0.
  struct CacheLayer {
    std::string name;
    double ttl_s = 0;     // how long the model stays in this layer after the host last used it [s]
    double mb_per_s = 0;  // read rate from this layer [MB/s]
  };
  uint32_t cache_workers = 0;
  std::vector<CacheLayer> cache_layers;
  // Resident memory one serving process needs [MB] (0: not given). Every candidate's memory must hold it
  // (app/memory_fit.hpp); when given it replaces a model profile's measured peak in that check.
  double model_memory_mb = 0.0;
  LlmShape llm;  // service.llm (given = false: not a language model served token by token)
  // Which of the fields above the scenario file gave; a "model" section fills only the others.
  struct Given {
    bool warm = false, reference_vcpu = false, parallel_fraction = false;
    bool runtime_init = false, model_load = false, model_size_mb = false, model_memory_mb = false;
  } given;
};

struct SloSpec {
  double p99_ms = 1000;   // latency target: a request within it is "within SLO" [ms]
  double timeout_s = 30;  // the client gives up after this [s]
  // Share of arrivals that must be served within p99_ms [fraction]; default 0.99, which is what a p99 target
  // says (99 of 100 requests within it). Judged by sim/slo.hpp for every front end.
  double attainment_target = 0.99;
  // Language models (service.llm): time to first token and time per output token targets [ms] (0: none).
  // A request counts towards goodput when it is served with both within their targets (docs/scenario.md).
  double ttft_ms = 0;
  double tpot_ms = 0;
};

struct ClientSpec {
  uint32_t max_retries = 0;       // retries of a throttled (429) or failed request
  double backoff_base_ms = 100;   // first backoff [ms]; doubles per retry, full jitter
  double backoff_max_ms = 20000;  // cap of one backoff [ms]
  // Retry budget (off unless given; defaults from Finagle's RetryBudget): retries in the last window_s <=
  // budget_min_per_s x window_s + budget_ratio x requests arrived in it.
  bool budget = false;
  double budget_ratio = 0.2;
  double budget_min_per_s = 10;
  double budget_window_s = 10;
  bool idempotent = true;  // false: not retried after an error that may have happened while it ran
  // Asynchronous invocation (event-driven, docs/faults.md "Clients"): the platform queues the event and
  // retries it itself (AWS Lambda, "How Lambda handles errors and retries with asynchronous invocation").
  bool async = false;
  // Function errors (a crash while it ran, a function timeout): MaximumRetryAttempts, 0..2, default 2.
  uint32_t async_max_retries = 2;
  double async_retry_delay_s = 60;  // before the first function-error retry; doubles per retry (60 s, 120 s)
  // Throttles (429) and system errors (5xx, an outage): retried with an exponential interval from
  // async_backoff_base_s (1 s) doubling to async_backoff_max_s (300 s), as long as the event is not older
  // than async_max_event_age_s (MaximumEventAgeInSeconds, 60..21600, default 21600 = 6 h). An event that
  // would be retried after its maximum age is discarded to the on-failure destination / DLQ (expired by age).
  double async_max_event_age_s = 21600;
  double async_backoff_base_s = 1;
  double async_backoff_max_s = 300;
  // False: every function-error retry waits async_retry_delay_s (a queue's fixed visibility timeout) instead
  // of doubling (Lambda's 1 then 2 minutes). Set by a platform with its own event queue (Client::
  // use_queue_redelivery), not by scenarios.
  bool async_retry_delay_doubles = true;
};

struct CandidateSpec {
  std::string name;
  std::string platform;
  nlohmann::json settings;  // the platform-specific keys, checked by the platform model
  std::string pointer;      // "/candidates/<i>" for error messages
  // The scenario's event source with the candidate's own "event_source" keys on top (given = false: none),
  // and the JSON pointer of those keys ("/event_source" when the candidate gives none).
  EventSourceSpec event_source;
  std::string event_source_pointer = "/event_source";
  // The candidate's own "llm" keys over service.llm (has_llm = false: none; sim/candidate_llm.hpp): its
  // model, and the bytes its cold start fetches (llm_model_size_mb < 0: derived from its weights).
  bool has_llm = false;
  LlmShape llm;
  double llm_model_size_mb = -1;
};

struct Scenario {
  std::string file;  // path as given
  std::string name;
  std::string description;
  uint64_t seed = 1;
  WorkloadSpec workload;
  ServiceSpec service;
  SloSpec slo;
  ClientSpec client;
  double interval_s = 60;  // time-series resolution [s]
  std::vector<CandidateSpec> candidates;
  std::vector<FaultSpec> faults;  // "faults": injected outages, throttling storms, slow storage, crashes
  EventSourceSpec event_source;   // "event_source": arrivals are messages to a queue (docs/events.md)
  // Sections owned by later layers, kept raw here (sim/ never depends on them) and checked where they are
  // used:
  nlohmann::json model;    // "model": {"onnx": PATH} | {"profile": PATH}, read by models/ (null if absent)
  nlohmann::json advisor;  // "advisor": facts and rule thresholds, read by advisor/ (null if absent)
  std::string base_dir;    // folder of the scenario file: relative paths inside `model` resolve against it
};

// Reads and checks a scenario file. Relative trace paths are resolved against the scenario's folder.
// Throws InputError ("<file>: <json pointer>: <what was expected>, got <value>").
Scenario load_scenario(const std::string& path);
Scenario parse_scenario(const nlohmann::json& doc, const std::string& file, const std::string& base_dir);

// "zip", "layer", "image", "efs", "object-store", "volume" ("" for unset).
const char* model_source_name(ServiceSpec::ModelSource source);

// Speed of `vcpu` relative to one vCPU for a workload with the given Amdahl parallel fraction: vcpu when
// vcpu <= 1 (a time share of one core), (1-p) + p/vcpu slowdown => 1/((1-p) + p/vcpu) above one vCPU.
double cpu_speedup(double vcpu, double parallel_fraction);

}  // namespace servesim::sim
