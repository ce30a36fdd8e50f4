#pragma once
// The facts the rules ask about, derived once from a scenario: its SLO, its model, the flags of its "advisor"
// section, the shape of its traffic (from one streaming pass over the arrivals), the model's GPU need and the
// share of repeated inputs. docs/advisor.md defines each.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "advisor/patterns.hpp"
#include "advisor/thresholds.hpp"
#include "sim/scenario.hpp"

namespace servesim::advisor {

// The scenario's "advisor" section, checked where it enters.
struct AdvisorSection {
  bool stateful = false;
  std::string state_store = "none";  // where a stateful service keeps its state ("none" = in the instance)
  bool event_driven = false;
  bool microservices =
      false;  // one of several independently deployed services (a microservices architecture)
  bool cost_sensitive = false;
  bool experimental = false;
  std::optional<double> model_size_mb;       // [MB] overrides service.cold_start.model_size_mb
  std::optional<double> model_memory_mb;     // [MB] resident size once loaded
  std::optional<double> gflops_per_request;  // [GFLOP] compute of one inference
  std::optional<Popularity> popularity;      // "popularity": {"zipf_s", "catalogue_size", "cache_ttl_s"}
  std::vector<CascadeStage> cascade;         // "cascade": [{"name", "latency_ms", "cost_usd_per_request",
                                             //              "stop_probability"}, ...]
  bool default_candidates = true;            // add catalogue defaults for open placements with no candidate
  Thresholds thresholds;
};

// Throws InputError naming the file and the pointer under /advisor: unknown keys, wrong types or ranges, and
// contradictory facts (stateful and event-driven with no state store).
AdvisorSection parse_advisor_section(const sim::Scenario& scenario);

// Per-minute traffic statistics from one pass over the workload's arrivals.
struct TrafficShape {
  uint64_t requests = 0;
  double duration_s = 0;
  uint64_t minutes = 0;
  double mean_rps = 0;
  double peak_minute_rps = 0;        // busiest 60 s bucket
  double peak_to_mean = 0;           // peak_minute_rps / mean_rps
  double cv = 0;                     // standard deviation / mean of the per-minute rates
  double idle_minute_fraction = 0;   // share of minutes with no arrival
  double mean_service_s = 0;         // service.warm mean on reference_vcpu
  double mean_concurrency = 0;       // Little's law: mean_rps x mean_service_s [requests in service]
  double sustained_utilisation = 0;  // mean_concurrency / reference_instance_concurrency
  bool has_keys = false;             // the workload names each request's input (workload.key_column)
  uint64_t distinct_keys = 0;        // distinct inputs among the requests (has_keys only)
  // Token counts (a workload with token columns or token distributions): means and the longest request.
  uint64_t with_tokens = 0;
  double mean_input_tokens = 0, mean_output_tokens = 0;
  uint64_t max_request_tokens = 0;  // input + output of the longest request
};
TrafficShape measure_traffic(const sim::WorkloadSpec& workload, uint64_t seed, double mean_service_s,
                             double reference_concurrency);

struct Facts {
  double slo_p99_ms = 0;
  double model_size_mb = 0;
  std::optional<double> model_memory_mb;
  bool stateful = false;
  std::string state_store = "none";
  bool event_driven = false, microservices = false, cost_sensitive = false, experimental = false;
  TrafficShape traffic;
  std::optional<double> gflops_per_request;
  bool gflops_from_llm = false;  // gflops_per_request derived from service.llm and the tokens (estimated)
  // service.llm: the language model's shape and what it needs (weights at its precision).
  bool llm = false;
  std::string llm_name, llm_precision;
  double llm_parameters_b = 0, llm_weights_gb = 0;
  uint32_t llm_context_tokens = 0;
  // Candidates serving different models (candidates[i].llm): the llm_* facts above are the smallest one's;
  // each candidate as "name: model at precision (weights)".
  bool llm_models_differ = false;
  std::vector<std::string> llm_candidate_models;
  std::optional<double> cpu_compute_ms;  // gflops / (cpu GFLOP/s x speed-up on function_max_vcpu)
  bool gpu_intensive = false;
  // Share of requests whose input repeats (edge-cache hits): analytical from advisor.popularity (Zipf), or
  // measured from the trace's keys as 1 - distinct inputs / requests (an unbounded cache's hits, exactly).
  std::optional<double> repeat_share;
  bool repeat_share_measured = false;  // from trace keys
  // The scenario's candidates that serve on functions and keep state in an external store (a topology with a
  // "state-store" stage and a serverless stage, docs/topology.md), each as "name (service)".
  std::vector<std::string> external_state_candidates;
  std::vector<std::string> external_state_names;  // their candidate names alone
};

Facts derive_facts(const sim::Scenario& scenario, const AdvisorSection& section);

}  // namespace servesim::advisor
