#include "calibrate/validation.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "calibrate/lambda_fit.hpp"
#include "sim/rng.hpp"

namespace servesim::calibrate {

const MetricInfo& metric_info(size_t metric) {
  static const MetricInfo kInfo[kMetrics] = {
      {"cold_start_share", "fraction", "invocations with Init Duration or Restore Duration / invocations"},
      {"latency_p50_ms", "ms", "median of cold-start phase + Duration"},
      {"latency_p90_ms", "ms", "90th percentile of cold-start phase + Duration"},
      {"latency_p99_ms", "ms", "99th percentile of cold-start phase + Duration"},
      {"billed_duration_mean_ms", "ms", "mean Billed Duration"},
      {"cost_usd", "USD", "GB-s and request charges of the window's invocations"},
      {"peak_concurrent_executions", "executions",
       "largest 60-s mean of executions in progress (cold-start phase included)"}};
  return kInfo[metric];
}

const MetricInfo& metric_info(size_t metric, const std::string& platform) {
  static const MetricInfo kInstanceInfo[kMetrics] = {
      {"cold_start_share", "fraction", "requests that were the first on a new instance / requests"},
      {"latency_p50_ms", "ms", "median of the logged request latency"},
      {"latency_p90_ms", "ms", "90th percentile of the logged request latency"},
      {"latency_p99_ms", "ms", "99th percentile of the logged request latency"},
      {"billed_duration_mean_ms", "ms", "not in these logs"},
      {"cost_usd", "USD", "not in these logs"},
      {"peak_concurrent_executions", "instances",
       "largest 60-s mean of instances with a request in progress"}};
  return platform == "aws-lambda" ? metric_info(metric) : kInstanceInfo[metric];
}

double nearest_rank(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double rank = std::ceil(q * static_cast<double>(sorted.size()));
  const size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

WindowMetrics observe(const std::vector<LambdaInvocation>& window, const LambdaPrices& prices) {
  WindowMetrics m;
  if (window.empty()) return m;
  std::vector<double> latency_ms;
  double cold = 0, billed = 0, usd = 0;
  for (const auto& call : window) {
    latency_ms.push_back(call.latency_s() * 1000.0);
    cold += call.is_cold() ? 1 : 0;
    billed += call.billed_ms;
    usd += prices.usd_of(call);
  }
  std::sort(latency_ms.begin(), latency_ms.end());
  const auto n = static_cast<double>(window.size());
  m.value[cold_share] = cold / n;
  m.value[p50_ms] = nearest_rank(latency_ms, 0.50);
  m.value[p90_ms] = nearest_rank(latency_ms, 0.90);
  m.value[p99_ms] = nearest_rank(latency_ms, 0.99);
  m.value[billed_mean_ms] = billed / n;
  m.value[cost_usd] = usd;
  return m;
}

double observed_peak_busy(const std::vector<LambdaInvocation>& all, double origin_s, double start_s,
                          double end_s, double interval_s) {
  const auto intervals = static_cast<size_t>(std::floor((end_s - start_s) / interval_s));
  std::vector<double> busy_s(intervals, 0.0);
  // Each stream's busy periods: its requests' [arrival, end] merged where they overlap.
  std::map<std::string, std::vector<std::pair<double, double>>> by_stream;
  for (const auto& call : all) by_stream[call.stream].emplace_back(call.arrival_s(), call.logged_s);
  std::vector<std::pair<double, double>> busy;
  for (auto& [stream, list] : by_stream) {
    std::sort(list.begin(), list.end());
    for (const auto& period : list)
      if (!busy.empty() && &period != &list.front() && period.first < busy.back().second)
        busy.back().second = std::max(busy.back().second, period.second);
      else
        busy.push_back(period);
  }
  for (const auto& [arrival_s, end_s] : busy) {
    const double from = arrival_s - origin_s - start_s, to = end_s - origin_s - start_s;
    if (to <= 0 || from >= static_cast<double>(intervals) * interval_s) continue;
    const auto first = static_cast<size_t>(std::max(0.0, std::floor(from / interval_s)));
    for (size_t k = first; k < intervals && static_cast<double>(k) * interval_s < to; ++k) {
      const double lo = std::max(from, static_cast<double>(k) * interval_s);
      const double hi = std::min(to, static_cast<double>(k + 1) * interval_s);
      if (hi > lo) busy_s[k] += hi - lo;
    }
  }
  double peak = 0;
  for (const double s : busy_s) peak = std::max(peak, s / interval_s);
  return peak;
}

Interval percentile_interval(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return {quantile_sorted(values, 0.025), quantile_sorted(values, 0.975)};
}

namespace {
nlohmann::ordered_json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::ordered_json(value) : nlohmann::ordered_json(nullptr);
}
}  // namespace

nlohmann::ordered_json compared_figure(const char* name, const char* unit, const char* meaning,
                                       double observed, Interval observed_ci,
                                       const std::vector<double>& simulated, double& max_abs_error_pct) {
  double mean = 0;
  for (const double v : simulated) mean += v;
  mean /= static_cast<double>(simulated.size());
  const Interval sim_ci = percentile_interval(simulated);
  const double error_pct =
      std::isfinite(observed) && observed > 0 ? (mean - observed) / observed * 100.0 : NAN;
  if (std::isfinite(error_pct)) max_abs_error_pct = std::max(max_abs_error_pct, std::abs(error_pct));
  return {{"name", name},
          {"unit", unit},
          {"meaning", meaning},
          {"observed", number_or_null(observed)},
          {"observed_ci95", {number_or_null(observed_ci.low), number_or_null(observed_ci.high)}},
          {"simulated", mean},
          {"simulated_ci95", {sim_ci.low, sim_ci.high}},
          {"error_pct", number_or_null(error_pct)}};
}

Interval bootstrap_share(size_t hits, size_t total, uint32_t resamples, uint64_t seed) {
  if (total == 0 || resamples == 0) return {NAN, NAN};
  sim::Rng rng(seed);
  std::vector<double> draws;
  draws.reserve(resamples);
  for (uint32_t r = 0; r < resamples; ++r) {
    size_t drawn = 0;
    // Requests 0 .. hits - 1 are the throttled ones.
    for (size_t i = 0; i < total; ++i) drawn += rng.next_u64() % total < hits ? 1 : 0;
    draws.push_back(static_cast<double>(drawn) / static_cast<double>(total));
  }
  return percentile_interval(std::move(draws));
}

std::vector<Interval> bootstrap(const std::vector<LambdaInvocation>& window, const LambdaPrices& prices,
                                uint32_t resamples, uint64_t seed) {
  std::vector<Interval> out(kMetrics, Interval{NAN, NAN});
  const size_t n = window.size();
  if (n == 0 || resamples == 0) return out;
  // The invocations in latency order, so that a resample's quantiles are found by walking its multiplicities.
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return window[a].latency_s() < window[b].latency_s(); });
  std::vector<double> latency_ms(n), cold(n), billed(n), usd(n);
  for (size_t i = 0; i < n; ++i) {
    const auto& call = window[order[i]];
    latency_ms[i] = call.latency_s() * 1000.0;
    cold[i] = call.is_cold() ? 1 : 0;
    billed[i] = call.billed_ms;
    usd[i] = prices.usd_of(call);
  }
  sim::Rng rng(seed);
  std::vector<std::vector<double>> draws(kMetrics);
  std::vector<uint32_t> times(n);
  const double quantiles[3] = {0.50, 0.90, 0.99};
  for (uint32_t r = 0; r < resamples; ++r) {
    std::fill(times.begin(), times.end(), 0);
    for (size_t i = 0; i < n; ++i) ++times[rng.next_u64() % n];
    double cold_sum = 0, billed_sum = 0, usd_sum = 0;
    double found[3] = {0, 0, 0};
    size_t next = 0;
    uint64_t seen = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!times[i]) continue;
      cold_sum += times[i] * cold[i];
      billed_sum += times[i] * billed[i];
      usd_sum += times[i] * usd[i];
      seen += times[i];
      while (next < 3 && static_cast<double>(seen) >= std::ceil(quantiles[next] * static_cast<double>(n)))
        found[next++] = latency_ms[i];
    }
    draws[cold_share].push_back(cold_sum / static_cast<double>(n));
    draws[p50_ms].push_back(found[0]);
    draws[p90_ms].push_back(found[1]);
    draws[p99_ms].push_back(found[2]);
    draws[billed_mean_ms].push_back(billed_sum / static_cast<double>(n));
    draws[cost_usd].push_back(usd_sum);
  }
  for (size_t m = 0; m < kMetrics; ++m)
    if (m != peak_busy) out[m] = percentile_interval(draws[m]);
  return out;
}

}  // namespace servesim::calibrate
