#include "calibrate/instance_fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "core/input_error.hpp"

namespace servesim::calibrate {
namespace {

std::string fixed_text(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

double thousandths(double value) {
  return std::round(value * 1000.0) / 1000.0;
}

std::string percentile_text(const std::vector<std::pair<double, double>>& points, double pct) {
  for (const auto& [p, v] : points)
    if (p == pct) return fixed_text(v, 1);
  return "?";
}

nlohmann::ordered_json instance_workload(const InstanceScenarioOptions& options) {
  return {{"type", "request_trace"},
          {"path", options.trace},
          {"timestamp_column", "arrival_s"},
          {"timestamp_unit", "s"}};
}

}  // namespace

int max_in_flight(const std::vector<LambdaInvocation>& calls) {
  // Per instance, +1 at each arrival and -1 at each end (ends first at a tie: a request that ends as the
  // next arrives does not overlap it).
  std::map<std::string, std::vector<std::pair<double, int>>> events;
  for (const auto& call : calls) {
    auto& list = events[call.stream];
    list.emplace_back(call.arrival_s(), +1);
    list.emplace_back(call.logged_s, -1);
  }
  int most = calls.empty() ? 0 : 1;
  for (auto& [instance, list] : events) {
    std::sort(list.begin(), list.end());
    int now = 0;
    for (const auto& [t, step] : list) {
      now += step;
      most = std::max(most, now);
    }
  }
  return most;
}

size_t max_busy_instances(const std::vector<LambdaInvocation>& calls) {
  // Each instance's busy periods (at least one request in progress) as +1 / -1 steps of the count of busy
  // instances, ends first at a tie.
  std::map<std::string, std::vector<std::pair<double, int>>> events;
  for (const auto& call : calls) {
    auto& list = events[call.stream];
    list.emplace_back(call.arrival_s(), +1);
    list.emplace_back(call.logged_s, -1);
  }
  std::vector<std::pair<double, int>> busy;
  for (auto& [instance, list] : events) {
    std::sort(list.begin(), list.end());
    int now = 0;
    for (const auto& [t, step] : list) {
      if (now == 0 && step > 0) busy.emplace_back(t, +1);
      now += step;
      if (now == 0) busy.emplace_back(t, -1);
    }
  }
  std::sort(busy.begin(), busy.end());
  int now = 0, most = 0;
  for (const auto& [t, step] : busy) most = std::max(most, now += step);
  return static_cast<size_t>(most);
}

InstanceFit fit_instances(const std::vector<LambdaInvocation>& calls, double keep_alive_prior_s) {
  const std::string file = calls.empty() ? "logs" : calls.front().file;
  InstanceFit fit;
  fit.requests = calls.size();
  std::set<std::string> instances;
  std::vector<double> warm, cold;
  double first = HUGE_VAL, last = -HUGE_VAL;
  for (const auto& call : calls) {
    instances.insert(call.stream);
    first = std::min(first, call.arrival_s());
    last = std::max(last, call.arrival_s());
    if (call.is_failed) {
      ++fit.failed;  // held its instance (reuse, in flight), but its latency is no service time
      continue;
    }
    (call.is_cold() ? cold : warm).push_back(call.latency_s() * 1000.0);
  }
  fit.warm = warm.size();
  fit.cold = cold.size();
  if (fit.warm < kMinWarm)
    throw input_error(file, "",
                      "expected at least " + std::to_string(kMinWarm) +
                          " warm requests (not the first on their instance) in the part the fit uses, got " +
                          std::to_string(fit.warm));
  fit.instances = instances.size();
  fit.span_s = last - first;
  fit.warm_ms = percentiles_of(warm);
  double sum = 0;
  for (const double ms : warm) sum += ms;
  fit.warm_mean_ms = sum / static_cast<double>(warm.size());
  if (!cold.empty()) {
    sum = 0;
    for (const double ms : cold) sum += ms;
    fit.cold_mean_ms = sum / static_cast<double>(cold.size());
    fit.cold_extra_mean_ms = std::max(0.0, fit.cold_mean_ms - fit.warm_mean_ms);
    std::vector<double> extra;
    for (const double ms : cold) extra.push_back(std::max(0.0, ms - fit.warm_mean_ms));
    fit.cold_extra_ms = percentiles_of(extra);
  }
  fit.keep_alive = estimate_keep_alive(calls, keep_alive_prior_s);
  fit.max_in_flight = max_in_flight(calls);
  fit.max_busy_instances = max_busy_instances(calls);
  return fit;
}

std::string describe(const InstanceFit& fit, const std::string& source) {
  std::string text =
      "Fitted by servesim calibrate from " + std::to_string(fit.requests) + " " + source + " over " +
      (fit.span_s >= 3600 ? fixed_text(fit.span_s / 3600, 2) + " h, " : fixed_text(fit.span_s, 0) + " s, ") +
      std::to_string(fit.instances) + " instances, at most " + std::to_string(fit.max_in_flight) +
      " request(s) in progress on one instance. Warm service time: empirical from " +
      std::to_string(fit.warm) + " latencies of requests that were not the first on their instance (p50 " +
      percentile_text(fit.warm_ms, 50) + " ms, p99 " + percentile_text(fit.warm_ms, 99) + " ms, mean " +
      fixed_text(fit.warm_mean_ms, 1) +
      " ms; a logged latency includes any sharing of the instance with concurrent requests). ";
  if (fit.cold)
    text += "Cold start: " + std::to_string(fit.cold) + " first requests on a new instance, mean latency " +
            fixed_text(fit.cold_mean_ms, 1) +
            " ms; the runtime init is each one's latency minus the warm mean " + "(empirical, p50 " +
            percentile_text(fit.cold_extra_ms, 50) + " ms, mean " + fixed_text(fit.cold_extra_mean_ms, 1) +
            " ms). ";
  else
    text += "Cold start: none in the logs, so none is modelled. ";
  if (fit.failed)
    text += std::to_string(fit.failed) +
            " server errors (HTTP 5xx from an instance) held their instances but are left out of the service "
            "times. ";
  const auto& k = fit.keep_alive;
  text += "Idle lifetime " + fixed_text(k.estimate_s, 0) +
          " s: a censored-data estimate (an instance's end is not logged) from " +
          std::to_string(k.reuse_gaps) + " reuse gaps (largest " + fixed_text(k.lower_s, 0) +
          " s, a lower bound)";
  if (k.is_lower_bound_only() && k.prior_s > 0)
    text += " and no new instance after an instance's last use, so only a lower bound; the catalogue's " +
            fixed_text(k.prior_s, 0) + " s is above it and is used.";
  else if (k.is_lower_bound_only())
    text += " and no new instance after an instance's last use, so it is a lower bound only.";
  else
    text += " and " + std::to_string(k.gone_bounds) +
            " instances gone before a later new instance (smallest " + fixed_text(k.upper_s, 0) +
            " s, an upper bound); " + std::to_string(k.disagreeing) + " observations disagree with it.";
  return text;
}

namespace {

// The scenario around one fitted candidate: its name (the option's, else `default_name`), the description of
// the fit from `source` rows, the replayed workload, the fitted service, the client timeout, one-minute
// metrics.
nlohmann::ordered_json fitted_scenario(const InstanceFit& fit, const InstanceScenarioOptions& options,
                                       const std::string& default_name, const std::string& source,
                                       const nlohmann::ordered_json& service, int timeout_s,
                                       const nlohmann::ordered_json& candidate) {
  nlohmann::ordered_json doc;
  doc["name"] = options.name.empty() ? default_name : options.name;
  doc["description"] = describe(fit, source) + options.note;
  doc["seed"] = options.seed;
  doc["workload"] = instance_workload(options);
  doc["service"] = service;
  doc["slo"] = {{"timeout_s", timeout_s}};
  doc["metrics"] = {{"interval_s", 60}};
  doc["candidates"] = nlohmann::ordered_json::array({candidate});
  return doc;
}

}  // namespace

nlohmann::ordered_json cloud_run_scenario(const InstanceFit& fit, const InstanceScenarioOptions& options) {
  nlohmann::ordered_json service;
  service["warm"] = empirical(fit.warm_ms);
  // Measured on the instance the candidate has: the times stay as logged.
  service["reference_vcpu"] = options.vcpu;
  if (fit.cold) service["cold_start"] = {{"runtime_init", empirical(fit.cold_extra_ms)}};

  nlohmann::ordered_json candidate;
  candidate["name"] = "fitted-cloud-run";
  candidate["platform"] = "gcp-cloud-run";
  candidate["vcpu"] = options.vcpu;
  candidate["memory_gib"] = options.memory_gib;
  // The logs show a lower bound of the configured concurrency: the most requests seen on one instance.
  candidate["concurrency"] = std::min(fit.max_in_flight, 1000);  // Cloud Run's maximum
  // Throttled requests in the fitted part were refused at max instances (Cloud Run's 429), when every
  // instance was busy: the most instances seen busy at once is then the limit (a lower bound of it).
  // Otherwise the logs do not show it.
  candidate["max_instances"] =
      options.throttled ? std::max<size_t>(1, fit.max_busy_instances) : std::max<size_t>(100, fit.instances);
  // Not in the logs; the longest allowed, so that no logged request would have timed out.
  candidate["request_timeout_s"] = 3600;
  candidate["idle_timeout_s"] = std::min(thousandths(fit.keep_alive.estimate_s), 86400.0);

  InstanceScenarioOptions noted = options;
  if (options.throttled)
    noted.note = " max_instances " + std::to_string(fit.max_busy_instances) +
                 ": the most instances seen busy at once, since " + std::to_string(options.throttled) +
                 " requests were throttled (HTTP 429, or 500/503 without an instance) in the fitted part." +
                 options.note;
  return fitted_scenario(fit, noted, "calibrated-cloud-run", "Cloud Run request log entries", service, 3600,
                         candidate);
}

nlohmann::ordered_json azure_functions_scenario(const InstanceFit& fit,
                                                const InstanceScenarioOptions& options) {
  nlohmann::ordered_json service;
  service["warm"] = empirical(fit.warm_ms);
  service["reference_vcpu"] = options.flex_memory_mb / options.flex_mb_per_vcpu;
  if (fit.cold) service["cold_start"] = {{"runtime_init", empirical(fit.cold_extra_ms)}};

  nlohmann::ordered_json candidate;
  candidate["name"] = "fitted-azure-functions-flex";
  candidate["platform"] = "azure-functions";
  // Request telemetry names no plan or memory: Flex Consumption at the catalogue's instance memory, the
  // per-instance HTTP concurrency the logs show at least.
  candidate["plan"] = "flex";
  candidate["flex_memory_mb"] = static_cast<int64_t>(std::llround(options.flex_memory_mb));
  candidate["flex_http_concurrency"] = std::min(fit.max_in_flight, 1000);  // the catalogue's range
  candidate["flex_max_instances"] = std::min<size_t>(1000, std::max<size_t>(100, fit.instances));
  candidate["idle_timeout_s"] = std::min(thousandths(fit.keep_alive.estimate_s), 86400.0);

  // The client timeout is the HTTP response cap (230 s): no logged request ran longer and was answered.
  return fitted_scenario(fit, options, "calibrated-azure-functions", "Application Insights request rows",
                         service, 230, candidate);
}

}  // namespace servesim::calibrate
