#pragma once
// What ServeSim's AWS Lambda model needs, fitted from REPORT records (calibrate/lambda_log.hpp): the warm
// service-time distribution (empirical percentiles of Duration on warm invocations), the cold-start init
// (empirical percentiles of Init Duration) or SnapStart restore (mean Restore Duration), the idle lifetime of
// an environment from the reuse gaps of each log stream (a censored-data estimate, below), the memory size
// and the peak memory used. `lambda_scenario` writes them as a scenario `servesim run` accepts.
//
//   const calibrate::LambdaFit fit = calibrate::fit_lambda(training_calls);
//   const nlohmann::ordered_json scenario = calibrate::lambda_scenario(fit, {.trace = "requests.csv"});
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "calibrate/lambda_log.hpp"

namespace servesim::calibrate {

// The idle lifetime of an execution environment (keep_alive_s), which Lambda never logs. Each log stream is
// one environment. A reuse gap (idle time between two invocations of one stream) says the environment
// outlived it: a lower bound. A stream's last invocation followed, `d` seconds later, by a cold start of
// another stream says that environment was gone by then (an idle live one would have been reused): an upper
// bound. With a fixed lifetime K every reuse gap is < K and every such `d` is > K. The estimate is the
// midpoint of the interval between consecutive observations where the fewest observations disagree (Lambda's
// routing is not perfect, so a few may); when no upper bound exists it is the largest reuse gap, a lower
// bound only.
struct KeepAliveEstimate {
  double estimate_s = 0;
  double lower_s = 0;      // the largest reuse gap [s] (0: none)
  double upper_s = -1;     // the smallest "gone by" time [s] (-1: none, the estimate is a lower bound only)
  size_t reuse_gaps = 0;   // lower bounds seen
  size_t gone_bounds = 0;  // upper bounds seen
  size_t disagreeing = 0;  // observations on the wrong side of the estimate
  bool is_lower_bound_only() const { return upper_s < 0; }
  // With a lower bound only, the catalogue's observed keep_alive_s when it is above the bound (the logs do
  // not contradict it); prior_s is then that value (0: the bound itself was used).
  double prior_s = 0;
};

struct LambdaFit {
  size_t invocations = 0, warm = 0, cold_init = 0, cold_restore = 0, environments = 0;
  // Attempts that were retries of an earlier one (a repeated RequestId), that timed out, and that ended in
  // another function error (Status error or failure): the last two are left out of the warm fit (a timed-out
  // Duration is the timeout, an error's is not a service time).
  size_t retries = 0, timed_out = 0, errors = 0;
  double timeout_s = 0;  // the function's timeout from the timed-out Durations [whole s] (0: none timed out)
  double memory_mb = 0;
  double span_s = 0;  // from the first arrival to the last
  // (percentile 0..100, milliseconds), non-decreasing, from 0 to 100.
  std::vector<std::pair<double, double>> warm_ms;
  std::vector<std::pair<double, double>> init_ms;  // empty: no cold start with Init Duration
  double restore_mean_ms = 0;                      // cold_restore > 0
  KeepAliveEstimate keep_alive;
  double max_memory_used_mb = 0;  // the largest Max Memory Used
  double p99_memory_used_mb = 0;
  // Billing rules read from Billed Duration: 100 when every record's is a multiple of 100 ms (Lambda's
  // rounding before December 2020), else 1 (since then); whether the cold starts' init is billed (the
  // majority of cold records with Billed Duration >= Init + Duration: since 2025-08-01), -1 without cold
  // records (the catalogue's default then).
  double billing_granularity_ms = 1;
  int bills_init = -1;
};

// The percentiles written into an empirical distribution.
const std::vector<double>& fitted_percentiles();
// The q-quantile (0..1) of sorted values, interpolating linearly between order statistics.
double quantile_sorted(const std::vector<double>& sorted, double q);
// The fitted percentiles of values (any order), each rounded to a thousandth.
std::vector<std::pair<double, double>> percentiles_of(std::vector<double> values);
// Such percentiles as a scenario's empirical distribution ({"type": "empirical", "percentiles_ms": ...}).
nlohmann::ordered_json empirical(const std::vector<std::pair<double, double>>& points);

// Fits the invocations (any order). Throws InputError naming the first file when the logs cannot give a fit:
// fewer than kMinWarm warm invocations, or several memory sizes (one fit is one configuration: calibrate
// groups the records by Memory Size first, calibrate/memory_sizes.hpp).
constexpr size_t kMinWarm = 10;
// `keep_alive_prior_s`: the catalogue's keep_alive_s, used when the logs give a lower bound only (above).
LambdaFit fit_lambda(const std::vector<LambdaInvocation>& calls, double keep_alive_prior_s = 0);
KeepAliveEstimate estimate_keep_alive(const std::vector<LambdaInvocation>& calls, double prior_s = 0);

struct ScenarioOptions {
  std::string name = "calibrated-lambda";
  std::string trace;                    // the request trace, relative to the scenario (column arrival_s)
  std::string architecture = "x86_64";  // not in the logs: selects the price per GB-s
  double mb_per_vcpu = 1769,
         max_vcpu = 6;  // the catalogue's CPU share, so that the service times stay as logged
  uint64_t seed = 1;
  std::string note;  // appended to the description
};
nlohmann::ordered_json lambda_scenario(const LambdaFit& fit, const ScenarioOptions& options);
// The fitted values and their sample sizes in one paragraph (the scenario's description).
std::string describe(const LambdaFit& fit);

}  // namespace servesim::calibrate
