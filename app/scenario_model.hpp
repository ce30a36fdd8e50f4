#pragma once
// A scenario's "model" section: the service times come from a real ONNX model measured on this machine
// ({"onnx": PATH}: profiled with ONNX Runtime on first use, then cached) or from a saved profile
// ({"profile": PATH}), instead of hand-written distributions. sim/ keeps the section raw; this file turns it
// into the scenario's ServiceSpec and checks that every candidate has the memory the model needs. It lives in
// app/ because it joins models/ (the profile) with sim/ and platforms/ (the scenario, the catalogue).
// docs/scenario.md ("model") lists the keys; docs/models.md ("From profile to simulation") the rules.
#include <iosfwd>
#include <optional>
#include <string>

#include "models/model_profile.hpp"
#include "models/profiler.hpp"
#include "sim/distribution.hpp"
#include "sim/scenario.hpp"

namespace servesim::app {

// The profile types this file reads (models/ measures them).
using models::LatencyPoint;
using models::ModelProfile;
using models::ProfileOptions;

// Memory a serving instance needs on top of the profiled peak RSS [MiB]. The profiled process (ORT: the Node
// bridge with onnxruntime-node loaded, session created, inputs allocated, 1 and 2 threads run) already holds
// a language runtime, the ORT library, the weights and ORT's arena. Not in it: the platform's own agent in
// the instance (Lambda runtime interface client, Cloud Run / Functions host), the handler's web framework and
// request/response buffers, and garbage-collector headroom. 64 MiB is an estimate (Lambda's smallest Node or
// Python function reports ~40-70 MB "Max Memory Used" before any model is loaded), not a measurement.
inline constexpr double kRuntimeOverheadMib = 64.0;

// Which measured session-creation time becomes the cold start's model load.
enum class LoadFigure {
  kPlain,      // from the .onnx with ORT's full graph optimisation: what a function that ships the .onnx pays
  kOptimized,  // from the optimized model ORT saved (optimisation already done offline)
};

struct ScenarioModelOptions {
  // Measurement settings for {"onnx": ...}; the engine comes from the section. Defaults are those of
  // `servesim profile`, so that a profile cached by either command serves the other.
  ProfileOptions profile;
  std::ostream* warnings = nullptr;  // profiler warnings (engine fallback); nullptr: std::cerr
};

struct ScenarioModel {
  ModelProfile profile;
  std::string source;         // the .onnx or profile file, resolved against the scenario's folder
  bool from_cache = false;    // {"onnx"}: the profile came from the cache
  bool from_profile = false;  // {"profile"}: read from a saved profile
  std::string cache_path;     // {"onnx"}: where the profile is cached
  LoadFigure load = LoadFigure::kPlain;
  double required_memory_mib = 0;  // peak RSS + kRuntimeOverheadMib
  // service.llm's per-token CPU costs (one or both) came from the profile's prefill/decode timings: the CPU
  // candidates' service times are measured (their latency_source stays "measured"), not typed.
  bool llm_costs_measured = false;
  // One line for the CLI: source, engine, warm p50/p99, parallel fraction, load, size, memory.
  std::string describe(const sim::ServiceSpec& service) const;
};

// Reads scenario.model (nothing happens when it is null), gets the profile, fills what scenario.service left
// out (fill_service) and checks every candidate's memory (check_memory). Throws InputError naming the
// scenario file and the JSON pointer (/model/onnx, /model/load, /candidates/0/memory_mb, ...).
std::optional<ScenarioModel> apply_model(sim::Scenario& scenario, const ScenarioModelOptions& options = {});

// The warm service time as an empirical distribution through the measured percentiles of `point`, all times
// multiplied by `scale`: (0, p50 - (p90 - p50), at least p50 / 2), (0.5, p50), (0.9, p90), (0.99, p99),
// (1, p99 + (p99 - p90) / 9), linear in between. The lower end mirrors p90 around the median; the upper
// end continues the p90 -> p99 slope to the 100th percentile (the profile records no min or max).
sim::Distribution warm_distribution(const LatencyPoint& point, double scale = 1.0);

// Fills the ServiceSpec fields the scenario did not give (service.given) from the profile:
//   warm               warm_distribution of the batch-1, 1-thread point (measured on 1 vCPU)
//   parallel_fraction  2 (1 - 1/S2) from the 1 -> 2 thread speed-up S2, clamped to [0, 1] (0 without 2
//   threads) model_load         the load figure + the first inference's excess over p50 (constant)
//   model_size_mb      model_bytes / 10^6 (external data included)
// reference_vcpu stays as given (default 1); when it is not 1, the 1-vCPU timings are converted to it with
// the scenario's scaling law (divided by cpu_speedup(reference_vcpu, parallel_fraction)). runtime_init is
// never touched: the profile does not measure the platform's runtime start. `file` names the scenario in
// errors (a profile without a batch-1, 1-thread point; "optimized" without that figure).
void fill_service(sim::ServiceSpec& service, const ModelProfile& profile, LoadFigure load,
                  const std::string& file);

// A language model (service.llm given) whose profile has prefill/decode timings (ModelProfile::llm) also gets
// the per-token costs the scenario left at 0, from the 1-thread timing expressed on reference_vcpu
// (multiplied by `to_reference`, as warm):
//   cpu_ms_per_input_token   the prefill line's time for a prompt of default_input_tokens, divided by
//                            default_input_tokens (the line's per-call constant spread over the prompt; the
//                            slope alone where that time is not positive)
//   cpu_ms_per_output_token  one decode step at the mean cache length of a request with the workload's
//                            default counts, default_input_tokens + (default_output_tokens + 1) / 2
// Returns whether it filled either cost. Called by fill_service.
bool fill_llm_costs(sim::LlmShape& llm, const models::LlmProfile& measured, double to_reference,
                    const std::string& file);

// Throws InputError for the first candidate whose memory is below the profile's peak RSS plus
// kRuntimeOverheadMib (app/memory_fit.hpp): that instance would be killed out of memory, so it is not
// simulated. Skipped when the scenario gives service.model_memory_mb (prepare() checks that figure instead).
void check_memory(const sim::Scenario& scenario, const ModelProfile& profile);

}  // namespace servesim::app
