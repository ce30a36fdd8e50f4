#include "calibrate/lambda_fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "calibrate/lambda_attempts.hpp"
#include "core/input_error.hpp"

namespace servesim::calibrate {
namespace {

std::string number_text(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// Rounded to a thousandth (of a millisecond, of a second): the logs hold two decimals at most.
double rounded(double value) {
  return std::round(value * 1000.0) / 1000.0;
}

}  // namespace

std::vector<std::pair<double, double>> percentiles_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  std::vector<std::pair<double, double>> out;
  for (const double pct : fitted_percentiles())
    out.emplace_back(pct, rounded(quantile_sorted(values, pct / 100)));
  return out;
}

nlohmann::ordered_json empirical(const std::vector<std::pair<double, double>>& points) {
  nlohmann::ordered_json table = nlohmann::ordered_json::object();
  for (const auto& [pct, ms] : points) {
    std::string key = number_text(pct, 1);
    if (key.size() > 2 && key.substr(key.size() - 2) == ".0") key.resize(key.size() - 2);
    table[key] = ms;
  }
  return {{"type", "empirical"}, {"percentiles_ms", table}};
}

const std::vector<double>& fitted_percentiles() {
  static const std::vector<double> kPercentiles = {0,  1,  2.5, 5,  10,   20, 30,   40,   50, 60,
                                                   70, 80, 90,  95, 97.5, 99, 99.5, 99.9, 100};
  return kPercentiles;
}

double quantile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double at = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<size_t>(std::floor(at));
  if (below + 1 >= sorted.size()) return sorted.back();
  return sorted[below] + (sorted[below + 1] - sorted[below]) * (at - static_cast<double>(below));
}

KeepAliveEstimate estimate_keep_alive(const std::vector<LambdaInvocation>& calls, double prior_s) {
  // Each environment's invocations in arrival order.
  std::map<std::string, std::vector<const LambdaInvocation*>> by_stream;
  for (const auto& call : calls) by_stream[call.stream].push_back(&call);
  std::vector<double> cold_arrivals;
  for (const auto& call : calls)
    if (call.is_cold()) cold_arrivals.push_back(call.arrival_s());
  std::sort(cold_arrivals.begin(), cold_arrivals.end());

  std::vector<double> lower, upper;
  for (auto& [stream, list] : by_stream) {
    std::sort(list.begin(), list.end(),
              [](const auto* a, const auto* b) { return a->arrival_s() < b->arrival_s(); });
    // Requests may overlap on one instance (Cloud Run, Azure Functions): the instance is idle from the
    // latest end so far (with one request at a time, as on Lambda, that is the previous one's end).
    double busy_until = list.front()->logged_s;
    for (size_t i = 1; i < list.size(); ++i) {
      const double gap = list[i]->arrival_s() - busy_until;
      if (gap > 0) lower.push_back(gap);
      busy_until = std::max(busy_until, list[i]->logged_s);
    }
    const double last_end = busy_until;
    const auto next_cold = std::upper_bound(cold_arrivals.begin(), cold_arrivals.end(), last_end);
    if (next_cold != cold_arrivals.end()) upper.push_back(*next_cold - last_end);
  }
  KeepAliveEstimate k;
  k.reuse_gaps = lower.size();
  k.gone_bounds = upper.size();
  if (!lower.empty()) k.lower_s = *std::max_element(lower.begin(), lower.end());
  if (!upper.empty()) k.upper_s = *std::min_element(upper.begin(), upper.end());
  if (upper.empty()) {
    k.estimate_s = k.lower_s;
    if (prior_s > k.lower_s) k.estimate_s = k.prior_s = prior_s;
    return k;
  }
  // Observations in order; a threshold K between values i-1 and i disagrees with the lower bounds at or above
  // it and the upper bounds below it.
  std::vector<std::pair<double, bool>> all;  // (value, is_upper)
  for (const double v : lower) all.emplace_back(v, false);
  for (const double v : upper) all.emplace_back(v, true);
  std::sort(all.begin(), all.end());
  size_t lower_at_or_above = lower.size(), upper_below = 0;
  size_t best = lower_at_or_above, best_index = 0;
  for (size_t i = 1; i <= all.size(); ++i) {
    if (all[i - 1].second)
      ++upper_below;
    else
      --lower_at_or_above;
    const bool is_gap = i == all.size() || all[i].first > all[i - 1].first;
    if (is_gap && upper_below + lower_at_or_above < best) {
      best = upper_below + lower_at_or_above;
      best_index = i;
    }
  }
  k.disagreeing = best;
  if (best_index == 0)
    k.estimate_s = all.front().first / 2;
  else if (best_index == all.size())
    k.estimate_s = all.back().first;
  else
    k.estimate_s = (all[best_index - 1].first + all[best_index].first) / 2;
  return k;
}

LambdaFit fit_lambda(const std::vector<LambdaInvocation>& calls, double keep_alive_prior_s) {
  const std::string file = calls.empty() ? "logs" : calls.front().file;
  LambdaFit fit;
  fit.invocations = calls.size();
  std::set<double> memory_sizes;
  std::set<std::string> streams;
  std::vector<double> warm, init, used;
  double restore_sum = 0, first = HUGE_VAL, last = -HUGE_VAL;
  for (const auto& call : calls) {
    memory_sizes.insert(call.memory_mb);
    streams.insert(call.stream);
    used.push_back(call.max_memory_used_mb);
    first = std::min(first, call.arrival_s());
    last = std::max(last, call.arrival_s());
    if (call.restore_ms >= 0) {
      ++fit.cold_restore;
      restore_sum += call.restore_ms;
    } else if (call.init_ms >= 0) {
      ++fit.cold_init;
      init.push_back(call.init_ms);
    } else if (!call.is_function_error) {
      // A timed-out Duration is the timeout, not the service time; an error's ended early.
      warm.push_back(call.duration_ms);
    }
  }
  const AttemptCounts counts = count_attempts(calls);
  fit.retries = counts.retries;
  fit.timed_out = counts.timed_out;
  fit.errors = counts.function_errors - counts.timed_out;  // function errors count the timeouts too
  fit.timeout_s = observed_timeout_s(calls);
  if (memory_sizes.size() > 1) {
    std::string list;
    for (const double mb : memory_sizes) list += (list.empty() ? "" : ", ") + number_text(mb, 0);
    throw input_error(file, "",
                      "expected one Memory Size in the logs of one calibration (calibrate each configuration "
                      "apart), got " +
                          list + " MB");
  }
  fit.warm = warm.size();
  if (fit.warm < kMinWarm)
    throw input_error(
        file, "",
        "expected at least " + std::to_string(kMinWarm) +
            " warm invocations (REPORT lines without Init Duration) in the part the fit uses, got " +
            std::to_string(fit.warm));
  fit.memory_mb = *memory_sizes.begin();
  fit.environments = streams.size();
  fit.span_s = last - first;
  fit.warm_ms = percentiles_of(warm);
  if (!init.empty()) fit.init_ms = percentiles_of(init);
  if (fit.cold_restore) fit.restore_mean_ms = rounded(restore_sum / static_cast<double>(fit.cold_restore));
  fit.keep_alive = estimate_keep_alive(calls, keep_alive_prior_s);
  // Billing: with 1-ms rounding, ten records whose Billed Durations are all multiples of 100 ms happen by
  // chance once in 10^20.
  fit.billing_granularity_ms = 100;
  size_t init_billed = 0, init_free = 0;
  for (const auto& call : calls) {
    if (std::fmod(call.billed_ms, 100) != 0) fit.billing_granularity_ms = 1;
    if (call.init_ms >= 0 && call.restore_ms < 0)
      ++(call.billed_ms + 1e-6 >= call.init_ms + call.duration_ms ? init_billed : init_free);
  }
  if (init_billed + init_free > 0) fit.bills_init = init_billed >= init_free ? 1 : 0;
  std::sort(used.begin(), used.end());
  fit.max_memory_used_mb = used.back();
  fit.p99_memory_used_mb = quantile_sorted(used, 0.99);
  return fit;
}

std::string describe(const LambdaFit& fit) {
  const auto at = [](const std::vector<std::pair<double, double>>& points, double pct) {
    for (const auto& [p, v] : points)
      if (p == pct) return number_text(v, 1);
    return std::string("?");
  };
  std::string text = "Fitted by servesim calibrate from " + std::to_string(fit.invocations) +
                     " AWS Lambda REPORT records over " +
                     (fit.span_s >= 3600 ? number_text(fit.span_s / 3600, 2) + " h, "
                                         : number_text(fit.span_s, 0) + " s, ") +
                     std::to_string(fit.environments) + " execution environments (log streams), memory " +
                     number_text(fit.memory_mb, 0) + " MB. Warm service time: empirical from " +
                     std::to_string(fit.warm) + " warm Durations (p50 " + at(fit.warm_ms, 50) + " ms, p99 " +
                     at(fit.warm_ms, 99) + " ms). ";
  if (fit.cold_restore > fit.cold_init)
    text += "Cold start: SnapStart restore, mean of " + std::to_string(fit.cold_restore) +
            " Restore Durations " + number_text(fit.restore_mean_ms, 1) + " ms. ";
  else if (!fit.init_ms.empty())
    text += "Cold start: runtime init empirical from " + std::to_string(fit.cold_init) +
            " Init Durations (p50 " + at(fit.init_ms, 50) + " ms, p99 " + at(fit.init_ms, 99) + " ms). ";
  else
    text += "Cold start: none in the logs, so none is modelled. ";
  const auto& k = fit.keep_alive;
  text += "Idle lifetime keep_alive_s " + number_text(k.estimate_s, 0) +
          " s: a censored-data estimate (an environment's end is never logged) from " +
          std::to_string(k.reuse_gaps) + " reuse gaps (largest " + number_text(k.lower_s, 0) +
          " s, a lower bound)";
  if (k.is_lower_bound_only() && k.prior_s > 0)
    text += " and no cold start after an environment's last use, so only a lower bound; the catalogue's " +
            number_text(k.prior_s, 0) + " s (observed, not documented by AWS) is above it and is used. ";
  else if (k.is_lower_bound_only())
    text += " and no cold start after an environment's last use, so it is a lower bound only. ";
  else
    text += " and " + std::to_string(k.gone_bounds) +
            " environments gone before a later cold start (smallest " + number_text(k.upper_s, 0) +
            " s, an upper bound); " + std::to_string(k.disagreeing) + " observations disagree with it. ";
  if (fit.retries + fit.timed_out + fit.errors > 0) {
    text +=
        "Attempts: " + std::to_string(fit.invocations - fit.retries) +
        " requests (distinct RequestIds, "
        "the arrivals) and " +
        std::to_string(fit.retries) +
        " retries (a repeated RequestId: Lambda's retries of an asynchronous invocation, not replayed); " +
        std::to_string(fit.timed_out) + " timed out and " + std::to_string(fit.errors) +
        " ended in another function error, left out of the warm fit";
    text += fit.timeout_s > 0 ? "; timeout_s " + number_text(fit.timeout_s, 0) +
                                    " s, the timed-out Durations' median rounded to a second. "
                              : ". ";
  }
  text += "Billing read from " + std::to_string(fit.invocations) + " Billed Durations: rounded up to " +
          number_text(fit.billing_granularity_ms, 0) + " ms" +
          (fit.bills_init < 0 ? std::string(", init billing not seen (no cold start)")
           : fit.bills_init   ? std::string(", the init phase billed")
                              : std::string(", the init phase not billed")) +
          ". ";
  text += "Memory used: max " + number_text(fit.max_memory_used_mb, 0) + " MB, p99 " +
          number_text(fit.p99_memory_used_mb, 0) + " MB of " + number_text(fit.memory_mb, 0) +
          " MB (headroom " + number_text(fit.memory_mb - fit.max_memory_used_mb, 0) + " MB).";
  return text;
}

nlohmann::ordered_json lambda_scenario(const LambdaFit& fit, const ScenarioOptions& options) {
  nlohmann::ordered_json service;
  service["warm"] = empirical(fit.warm_ms);
  // The logged times were measured at this memory size: the candidate gets the same CPU share, so they stay
  // as logged (docs/scenario.md, CPU scaling).
  service["reference_vcpu"] = std::min(fit.memory_mb / options.mb_per_vcpu, options.max_vcpu);
  if (!fit.init_ms.empty() && fit.cold_restore <= fit.cold_init)
    service["cold_start"] = {{"runtime_init", empirical(fit.init_ms)}};
  service["model_memory_mb"] = static_cast<int64_t>(std::ceil(fit.max_memory_used_mb));

  nlohmann::ordered_json candidate;
  candidate["name"] = "fitted-lambda-" + number_text(fit.memory_mb, 0);
  candidate["platform"] = "aws-lambda";
  candidate["memory_mb"] = static_cast<int64_t>(std::llround(fit.memory_mb));
  candidate["architecture"] = options.architecture;
  // The timeout the timed-out invocations show; without one, the longest allowed, so that no logged
  // invocation would have timed out.
  candidate["timeout_s"] = fit.timeout_s > 0 ? std::llround(fit.timeout_s) : 900;
  // The catalogue's range of keep_alive_s (logs spanning more than a day could give more).
  candidate["keep_alive_s"] = std::min(rounded(fit.keep_alive.estimate_s), 86400.0);
  candidate["billing_granularity_ms"] = fit.billing_granularity_ms;
  if (fit.bills_init >= 0) candidate["bill_init"] = fit.bills_init == 1;
  if (fit.cold_restore > fit.cold_init) {
    candidate["snapstart"] = true;
    candidate["snapstart_restore_s"] = rounded(fit.restore_mean_ms / 1000);
  }

  nlohmann::ordered_json doc;
  doc["name"] = options.name;
  doc["description"] = describe(fit) + options.note;
  doc["seed"] = options.seed;
  doc["workload"] = {{"type", "request_trace"},
                     {"path", options.trace},
                     {"timestamp_column", "arrival_s"},
                     {"timestamp_unit", "s"}};
  doc["service"] = service;
  doc["slo"] = {{"timeout_s", 900}};
  doc["metrics"] = {{"interval_s", 60}};
  doc["candidates"] = nlohmann::ordered_json::array({candidate});
  return doc;
}

}  // namespace servesim::calibrate
