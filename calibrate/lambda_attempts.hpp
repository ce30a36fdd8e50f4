#pragma once
// What Lambda's logs say about an invocation's outcome and about retries: the REPORT record's Status, the
// "Task timed out after N seconds" line, Lambda's JSON log format (platform.report events), and the attempts
// of one request. Lambda retries a failed asynchronous invocation (a function error or a timeout: twice by
// default, 1 and 2 minutes later; Lambda Developer Guide, "How Lambda handles errors and retries with
// asynchronous invocation") under the same request id: duplicates with the same request id that returned
// errors or timed out are Lambda's own retries (AWS Knowledge Center, "Why is my Lambda function receiving
// duplicate invocations?"). So the first REPORT of a RequestId is the request's arrival and the later ones
// are its retries.
//
//   calibrate::AttemptCounts counts = calibrate::mark_retries(calls);   // sets each call's attempt
//   const double timeout_s = calibrate::observed_timeout_s(calls);      // 0: none timed out
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "calibrate/lambda_log.hpp"

namespace servesim::calibrate {

// The documented values of a REPORT's Status (the Telemetry API's platform.report `status`).
constexpr const char* kReportStatusValues = "success, failure, error or timeout";
// Sets call's outcome from a Status value; false when the value is not one of kReportStatusValues.
bool read_report_status(std::string_view value, LambdaInvocation& call);

// Whether a log message is a JSON-format platform.report event (an object naming "platform.report").
bool is_platform_report(std::string_view message);
// Reads one platform.report event: record.requestId, record.metrics durationMs, billedDurationMs,
// memorySizeMB, maxMemoryUsedMB (and initDurationMs, restoreDurationMs when present), record.status. Throws
// InputError naming `file` and `where` when a field is missing or not a number >= 0, or the status is not a
// documented one.
LambdaInvocation parse_platform_report(std::string_view message, const std::string& file,
                                       const std::string& where);

// "REQUEST-ID Task timed out after N seconds" in a message: true and the request id when it is one; throws
// InputError when N is not a number of seconds.
bool read_timed_out_line(std::string_view message, const std::string& file, const std::string& where,
                         std::string& request_id);

struct AttemptCounts {
  size_t attempts = 0;         // REPORT records
  size_t requests = 0;         // distinct request ids: first attempts
  size_t retries = 0;          // later attempts of a request id
  size_t timed_out = 0;        // attempts that timed out
  size_t function_errors = 0;  // attempts that ended in a function error (timeouts included)
};
// Numbers the attempts of each RequestId (at each Memory Size) in arrival order (0 first; ties in the order
// given) and counts them.
AttemptCounts mark_retries(std::vector<LambdaInvocation>& calls);
// The counts of calls whose attempts are already numbered.
AttemptCounts count_attempts(const std::vector<LambdaInvocation>& calls);
// The function's configured timeout [whole s] from the timed-out attempts: a timed-out invocation's
// Duration is its timeout, which Lambda sets in whole seconds (1..900), so the median timed-out Duration
// rounded to a second; 0 when none timed out.
double observed_timeout_s(const std::vector<LambdaInvocation>& calls);

// validation.json's "attempts" of a part of the logs: the counts and, with resamples > 0, retry_share
// (retries / attempts) and timeout_share (timed out / attempts), each observed with a percentile-bootstrap
// 95% interval (bootstrap_share, `resamples`, `seed`) and not simulated (null, with the reason: the fitted
// scenario does not carry the error rate, and the warm fit leaves timed-out attempts out).
nlohmann::ordered_json attempts_json(const AttemptCounts& counts, uint32_t resamples, uint64_t seed);

}  // namespace servesim::calibrate
