#pragma once
// What ServeSim's Cloud Run and Azure Functions models need, fitted from per-request logs
// (calibrate/request_log.hpp, read as invocations by as_invocations): the warm service time (empirical
// percentiles of the latency of requests that were not the first on their instance), the cold-start extra
// (the first request's latency minus the mean warm latency, empirical), the idle lifetime of an instance from
// the reuse gaps (the censored estimate of calibrate/lambda_fit.hpp, over instances instead of log streams)
// and the most requests seen in progress on one instance at once. `cloud_run_scenario` and
// `azure_functions_scenario` write them as scenarios `servesim run` accepts.
//
// The logged latency is the time from the request's receipt to the response: at concurrency above one it
// includes the time the request shared its instance (or waited for it), so the warm service time fitted here
// is a latency at the logged load, not the service time of a request alone (docs/calibrate.md, Limitations).
//
//   const calibrate::InstanceFit fit = calibrate::fit_instances(training_calls, 900);
//   calibrate::InstanceScenarioOptions options;
//   options.trace = "requests.csv";
//   const auto scenario = calibrate::cloud_run_scenario(fit, options);
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "calibrate/lambda_fit.hpp"

namespace servesim::calibrate {

struct InstanceFit {
  size_t requests = 0, warm = 0, cold = 0, instances = 0;
  size_t failed = 0;                               // server errors (is_failed): left out of warm and cold
  double span_s = 0;                               // from the first arrival to the last
  std::vector<std::pair<double, double>> warm_ms;  // (percentile, ms), as LambdaFit::warm_ms
  double warm_mean_ms = 0;
  double cold_mean_ms = 0;                               // mean latency of the cold requests (0: none)
  double cold_extra_mean_ms = 0;                         // cold_mean_ms - warm_mean_ms (>= 0)
  std::vector<std::pair<double, double>> cold_extra_ms;  // empirical (latency - warm mean, at least 0)
  KeepAliveEstimate keep_alive;
  int max_in_flight = 1;          // the most requests in progress on one instance at once
  size_t max_busy_instances = 0;  // the most instances with a request in progress at once
};

// Throws InputError naming the first file when fewer than kMinWarm requests are warm.
InstanceFit fit_instances(const std::vector<LambdaInvocation>& calls, double keep_alive_prior_s = 0);

// The most requests in progress at once on any one instance (stream) of `calls`.
int max_in_flight(const std::vector<LambdaInvocation>& calls);
// The most instances (streams) of `calls` with at least one request in progress at once.
size_t max_busy_instances(const std::vector<LambdaInvocation>& calls);

struct InstanceScenarioOptions {
  std::string name;
  std::string trace;  // the request trace, relative to the scenario (column arrival_s)
  uint64_t seed = 1;
  std::string note;      // appended to the description
  size_t throttled = 0;  // throttled requests in the fitted part (Cloud Run: max_instances from the fit)
  // Cloud Run: the instance size (not in the logs); the catalogue's defaults.
  double vcpu = 1, memory_gib = 0.5;
  // Azure Functions Flex Consumption: the instance memory (not in the logs) and its CPU share.
  double flex_memory_mb = 2048, flex_mb_per_vcpu = 2048;
};

nlohmann::ordered_json cloud_run_scenario(const InstanceFit& fit, const InstanceScenarioOptions& options);
nlohmann::ordered_json azure_functions_scenario(const InstanceFit& fit,
                                                const InstanceScenarioOptions& options);
// The fitted values and their sample sizes in one paragraph; `source` names the logs ("Cloud Run request
// log entries").
std::string describe(const InstanceFit& fit, const std::string& source);

}  // namespace servesim::calibrate
