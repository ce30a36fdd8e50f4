#include "calibrate/lambda_attempts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "calibrate/validation.hpp"
#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "core/text.hpp"

namespace servesim::calibrate {
namespace {

constexpr const char* kPlatformReportForm =
    "a platform.report event with record.requestId and record.metrics durationMs, billedDurationMs, "
    "memorySizeMB and maxMemoryUsedMB (numbers >= 0)";

}  // namespace

bool read_report_status(std::string_view value, LambdaInvocation& call) {
  if (value == "success") {
    call.is_function_error = call.is_timed_out = false;
  } else if (value == "error" || value == "failure") {
    call.is_function_error = true;
    call.is_timed_out = false;
  } else if (value == "timeout") {
    call.is_function_error = call.is_timed_out = true;
  } else {
    return false;
  }
  return true;
}

bool is_platform_report(std::string_view message) {
  const std::string_view text = core::trimmed(message);
  return !text.empty() && text.front() == '{' && text.find("\"platform.report\"") != std::string_view::npos;
}

LambdaInvocation parse_platform_report(std::string_view message, const std::string& file,
                                       const std::string& where) {
  const std::string_view text = core::trimmed(message);
  const auto event = nlohmann::json::parse(text, nullptr, false);
  const auto fail = [&](const std::string& expected) {
    return input_error(file, where, "expected " + expected + ", got " + excerpt(text, 60));
  };
  if (event.is_discarded() || !event.is_object() || !event.contains("record") || !event["record"].is_object())
    throw fail(kPlatformReportForm);
  const nlohmann::json& record = event["record"];
  if (!record.contains("requestId") || !record["requestId"].is_string() || !record.contains("metrics") ||
      !record["metrics"].is_object())
    throw fail(kPlatformReportForm);
  const nlohmann::json& metrics = record["metrics"];
  LambdaInvocation call;
  call.request_id = record["requestId"].get<std::string>();
  const auto number = [&](const char* key, double& field, bool required) {
    if (!metrics.contains(key)) {
      if (required) throw fail(kPlatformReportForm);
      return;
    }
    if (!metrics[key].is_number() || !(metrics[key].get<double>() >= 0))
      throw fail(std::string("record.metrics.") + key + ": a number >= 0");
    field = metrics[key].get<double>();
  };
  number("durationMs", call.duration_ms, true);
  number("billedDurationMs", call.billed_ms, true);
  number("memorySizeMB", call.memory_mb, true);
  number("maxMemoryUsedMB", call.max_memory_used_mb, true);
  number("initDurationMs", call.init_ms, false);
  number("restoreDurationMs", call.restore_ms, false);
  if (call.request_id.empty()) throw fail(kPlatformReportForm);
  // Lambda's documented range (configuration-memory.html), in whole MB, as for the text REPORT line.
  if (call.memory_mb < 128 || call.memory_mb > 10240 || call.memory_mb != std::floor(call.memory_mb))
    throw fail("record.metrics.memorySizeMB: a whole number of MB in 128..10240");
  if (record.contains("status")) {
    const nlohmann::json& status = record["status"];
    if (!status.is_string() || !read_report_status(status.get<std::string>(), call))
      throw input_error(
          file, where,
          std::string("expected record.status ") + kReportStatusValues + ", got " + core::quote_json(status));
  }
  return call;
}

bool read_timed_out_line(std::string_view message, const std::string& file, const std::string& where,
                         std::string& request_id) {
  constexpr std::string_view kMarker = "Task timed out after ";
  const size_t at = message.find(kMarker);
  if (at == std::string_view::npos) return false;
  // The token before the marker is the request id ("TIMESTAMP REQUEST-ID Task timed out after N seconds").
  size_t end = at;
  while (end > 0 && core::is_blank(message[end - 1])) --end;
  size_t begin = end;
  while (begin > 0 && !core::is_blank(message[begin - 1])) --begin;
  const std::string_view rest = message.substr(at + kMarker.size());
  const size_t blank = rest.find(' ');
  double seconds = 0;
  if (begin == end || blank == std::string_view::npos || !parse_log_number(rest.substr(0, blank), seconds) ||
      core::trimmed(rest.substr(blank)) != "seconds")
    throw input_error(
        file, where,
        "expected REQUEST-ID Task timed out after N seconds, got " + excerpt(core::trimmed(message), 60));
  request_id = std::string(message.substr(begin, end - begin));
  return true;
}

AttemptCounts count_attempts(const std::vector<LambdaInvocation>& calls) {
  AttemptCounts counts;
  counts.attempts = calls.size();
  for (const auto& call : calls) {
    ++(call.is_retry() ? counts.retries : counts.requests);
    counts.timed_out += call.is_timed_out ? 1 : 0;
    counts.function_errors += call.is_function_error ? 1 : 0;
  }
  return counts;
}

AttemptCounts mark_retries(std::vector<LambdaInvocation>& calls) {
  std::vector<size_t> order(calls.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return calls[a].arrival_s() < calls[b].arrival_s(); });
  // Keyed by Memory Size too: a retry runs the configuration its event was sent to, and synthetic sweeps
  // (scripts/synth-lambda-memory-sizes) number each size's requests from 1.
  std::map<std::pair<double, std::string>, uint32_t> seen;
  for (const size_t i : order) calls[i].attempt = seen[{calls[i].memory_mb, calls[i].request_id}]++;
  return count_attempts(calls);
}

double observed_timeout_s(const std::vector<LambdaInvocation>& calls) {
  std::vector<double> durations_ms;
  for (const auto& call : calls)
    if (call.is_timed_out) durations_ms.push_back(call.duration_ms);
  if (durations_ms.empty()) return 0;
  std::sort(durations_ms.begin(), durations_ms.end());
  return std::max(1.0, std::round(durations_ms[(durations_ms.size() - 1) / 2] / 1000.0));
}

nlohmann::ordered_json attempts_json(const AttemptCounts& counts, uint32_t resamples, uint64_t seed) {
  nlohmann::ordered_json out = {{"attempts", counts.attempts},
                                {"requests", counts.requests},
                                {"retries", counts.retries},
                                {"timed_out", counts.timed_out},
                                {"function_errors", counts.function_errors}};
  if (resamples == 0) return out;
  const auto share = [&](size_t hits, const char* meaning, const char* why) {
    const Interval ci = bootstrap_share(hits, counts.attempts, resamples, seed);
    const auto number_or_null = [](double v) {
      return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
    };
    return nlohmann::ordered_json{
        {"meaning", meaning},
        {"observed", counts.attempts ? nlohmann::ordered_json(static_cast<double>(hits) /
                                                              static_cast<double>(counts.attempts))
                                     : nlohmann::ordered_json(nullptr)},
        {"observed_ci95", {number_or_null(ci.low), number_or_null(ci.high)}},
        {"simulated", nullptr},
        {"not_simulated", why}};
  };
  out["retry_share"] = share(
      counts.retries, "attempts that repeat an earlier attempt's RequestId / attempts",
      "the fitted scenario is synchronous and does not carry the observed error rate (the Lambda model's "
      "function_error_probability for asynchronous invocations), so the replay offers each request's first "
      "attempt only");
  out["timeout_share"] = share(counts.timed_out, "attempts that timed out / attempts",
                               "the warm fit leaves timed-out attempts out, so the fitted service time stays "
                               "below the timeout");
  return out;
}

}  // namespace servesim::calibrate
