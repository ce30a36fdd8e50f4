#pragma once
// Held-out validation of a fitted Lambda scenario: what the logs show in the validation window (observed),
// with bootstrap 95% intervals over its invocations, against what the simulator gives for the same arrivals
// (simulated), with the spread of independent replications. calibrate/replay.hpp runs the simulations.
//
//   const calibrate::WindowMetrics seen = calibrate::observe(test_calls, prices);
//   const auto interval = calibrate::bootstrap(test_calls, prices, 1000, seed);
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "calibrate/lambda_log.hpp"

namespace servesim::calibrate {

// The catalogue's prices for the architecture the logs ran on (not in the logs).
struct LambdaPrices {
  double usd_per_gb_s = 0;
  double usd_per_request = 0;
  double usd_of(const LambdaInvocation& call) const {
    return call.billed_ms / 1000.0 * call.memory_mb / 1024.0 * usd_per_gb_s + usd_per_request;
  }
};

// The compared figures of one window; each has a fixed index (kMetricNames).
enum Metric : size_t { cold_share, p50_ms, p90_ms, p99_ms, billed_mean_ms, cost_usd, peak_busy, kMetrics };
struct MetricInfo {
  const char* name;
  const char* unit;
  const char* meaning;
};
const MetricInfo& metric_info(size_t metric);
// The same, worded for the logs of `platform` (aws-lambda, gcp-cloud-run, azure-functions).
const MetricInfo& metric_info(size_t metric, const std::string& platform);

struct WindowMetrics {
  double value[kMetrics] = {};
};

// The nearest-rank q-quantile (the rule of sim::LatencyHistogram) of sorted values.
double nearest_rank(const std::vector<double>& sorted, double q);

// The figures of the invocations that arrived in the window (peak_busy is left to observed_peak_busy).
WindowMetrics observe(const std::vector<LambdaInvocation>& window, const LambdaPrices& prices);
// The largest mean number of executions in progress (cold-start phase included) over the interval_s-long
// intervals from start_s (relative to origin_s) that end by end_s, from every invocation that overlaps them.
// An execution is an instance (stream) with at least one request in progress: requests that overlap on one
// instance (Cloud Run, Azure Functions) count once, as the simulator counts busy instances.
double observed_peak_busy(const std::vector<LambdaInvocation>& all, double origin_s, double start_s,
                          double end_s, double interval_s);

// Percentile bootstrap (resampling the window's invocations with replacement, `resamples` times, with a
// generator seeded by `seed`): [2.5th, 97.5th] percentile of each figure but peak_busy, which is a maximum
// over time and has no such interval (NaN).
struct Interval {
  double low = 0, high = 0;
};
std::vector<Interval> bootstrap(const std::vector<LambdaInvocation>& window, const LambdaPrices& prices,
                                uint32_t resamples, uint64_t seed);

// The same percentile bootstrap for a share: `hits` of `total` requests (the throttled of a window's
// served + throttled), resampled `resamples` times with a generator seeded by `seed`. NaN without requests.
Interval bootstrap_share(size_t hits, size_t total, uint32_t resamples, uint64_t seed);

// The [2.5th, 97.5th] percentile of values (linear between order statistics).
Interval percentile_interval(std::vector<double> values);

// One row of validation.json's "metrics": the observed value and its interval (NaN: none, written null), the
// simulated value (the mean of the replications) with their [2.5th, 97.5th] percentile, and the error in
// percent (null without a finite observed value > 0). Raises max_abs_error_pct to the row's |error|.
nlohmann::ordered_json compared_figure(const char* name, const char* unit, const char* meaning,
                                       double observed, Interval observed_ci,
                                       const std::vector<double>& simulated, double& max_abs_error_pct);

}  // namespace servesim::calibrate
