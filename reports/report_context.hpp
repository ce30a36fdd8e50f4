#pragma once
// report_context.json: what a report needs beyond the run's figures, written by `servesim run` into the
// output folder so that `servesim report RUN_DIR` renders a finished run without the scenario or the
// catalogue at hand: where the scenario came from (path, sha256, seed, version), the workload, the service
// description and every catalogue parameter each candidate used, with the scenario's overrides.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/scenario.hpp"

namespace servesim::reports {

// One catalogue number as a candidate used it.
struct AssumedParameter {
  std::string key;
  nlohmann::json value;          // what the candidate ran with
  nlohmann::json default_value;  // the catalogue's default
  std::string unit;
  std::string status;  // documented | observed | estimated | unconfirmed
  std::string source;
  bool overridden = false;  // the scenario set it
};

struct CandidateAssumptions {
  std::string name;
  std::string platform;
  std::string platform_title;
  std::string catalog_as_of;
  std::vector<AssumedParameter> parameters;
};

// A service-time distribution of the scenario, summarised.
struct ServiceTime {
  std::string part;  // "warm", "runtime_init", "model_load"
  std::string description;
  double mean_ms = 0, p50_ms = 0, p99_ms = 0;
};

struct ReportContext {
  std::string scenario_name;
  std::string scenario_description;
  std::string scenario_file;
  std::string scenario_sha256;
  uint64_t seed = 1;
  std::string servesim_version;
  double slo_p99_ms = 0, slo_timeout_s = 0;
  double slo_attainment_target = 0.99;  // share of arrivals to serve within slo_p99_ms [fraction]
  std::string workload_kind;            // rate_trace | request_trace | poisson | diurnal | spike
  std::string trace_path;               // empty for synthetic workloads
  int64_t trace_bytes = -1;             // -1 when unknown
  nlohmann::json workload;              // the workload's parameters (scale, window, compression, ...)
  std::vector<ServiceTime> service_times;
  double reference_vcpu = 1, parallel_fraction = 0, model_size_mb = 0;
  std::vector<CandidateAssumptions> candidates;
  // Sections owned by later layers (null until they exist): the measured model profile (models::ModelProfile
  // as JSON) and the advisor's recommendation ({"verdict", "candidate", "reasons": [...]}). See
  // html_report.hpp.
  nlohmann::json model_profile;
  nlohmann::json recommendation;
};

// Fills everything that comes from the scenario (file, hash, seed, workload, service). `candidates` is left
// to the caller, which knows the platform catalogue (reports/ does not depend on platforms/).
ReportContext context_from_scenario(const sim::Scenario& scenario, const std::string& servesim_version);

nlohmann::ordered_json to_json(const ReportContext& context);
// Throws InputError naming `file` when a field is missing or of the wrong type.
ReportContext context_from_json(const nlohmann::json& doc, const std::string& file);
ReportContext read_report_context(const std::string& path);

}  // namespace servesim::reports
