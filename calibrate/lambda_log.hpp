#pragma once
// AWS Lambda's per-invocation REPORT records, read from CloudWatch Logs exports. Lambda writes one REPORT
// line per invocation to the log stream of the execution environment that ran it (one stream per
// environment for its whole life), e.g.
//
//   REPORT RequestId: 8f5e...  Duration: 102.25 ms  Billed Duration: 103 ms  Memory Size: 1024 MB
//   Max Memory Used: 180 MB  Init Duration: 812.40 ms
//
// (docs.aws.amazon.com/lambda/latest/operatorguide/log-structure.html; Restore Duration and Billed Restore
// Duration for SnapStart: lambda/latest/dg/snapstart-monitoring.html). Two export forms are read:
//   text  `aws logs tail GROUP --format detailed`: "TIMESTAMP STREAM MESSAGE" per line (ISO 8601 timestamp)
//   json  `aws logs filter-log-events --output json` ({"events": [{"timestamp": ms, "message": ...,
//         "logStreamName": ...}, ...]}), a JSON array of such events, or JSON Lines of them
// Lines and events that are not REPORT records (START, END, INIT_START, the function's own output) are
// skipped, but for "REQUEST-ID Task timed out after N seconds", which marks that request's REPORT as timed
// out. A function logging in Lambda's JSON format writes the record as a platform.report event instead
// ({"time": ..., "type": "platform.report", "record": {"requestId": ..., "metrics": {...}, "status": ...}}),
// read the same way (calibrate/lambda_attempts.hpp).
//
//   const std::vector<calibrate::LambdaInvocation> calls = calibrate::read_lambda_log("lambda.log");
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace servesim::calibrate {

struct LambdaInvocation {
  double logged_s = 0;  // the REPORT record's timestamp [s since 1970, UTC]: the invocation's end
  std::string request_id;
  std::string stream;             // log stream name: one execution environment
  double duration_ms = 0;         // handler time, init excluded
  double billed_ms = 0;           // Billed Duration
  double memory_mb = 0;           // Memory Size (configured)
  double max_memory_used_mb = 0;  // Max Memory Used (the environment's peak so far)
  double init_ms = -1;            // Init Duration: only on a cold start (-1: none)
  double restore_ms = -1;         // Restore Duration: a SnapStart cold start (-1: none)
  // A server error (Cloud Run or Application Insights HTTP status 500..599 from an instance): it held its
  // instance, but its latency is not a service time, so the fit leaves it out. Lambda's REPORT lines: false.
  bool is_failed = false;
  // Lambda: the attempt's outcome, from the REPORT record's Status (success, failure, error, timeout: the
  // Telemetry API's platform.report status; absent on older records, read as success) or a "Task timed out
  // after N seconds" line of the same request. A timed-out attempt's Duration is the function's timeout.
  bool is_timed_out = false;
  bool is_function_error = false;  // Status error, failure or timeout: asynchronous invocation retries it
  // Lambda: 0 for the first attempt of its RequestId in the logs, k for the k-th retry (Lambda retries an
  // asynchronous invocation under the same request id; calibrate/lambda_attempts.hpp, mark_retries).
  uint32_t attempt = 0;
  std::string file;  // where it was read, for errors
  int line = 0;

  bool is_cold() const { return init_ms >= 0 || restore_ms >= 0; }
  bool is_retry() const { return attempt > 0; }
  // Time from the request's arrival to its end as the caller sees it: cold-start phase + handler [s].
  double latency_s() const {
    return ((init_ms > 0 ? init_ms : 0) + (restore_ms > 0 ? restore_ms : 0) + duration_ms) / 1000.0;
  }
  double arrival_s() const { return logged_s - latency_s(); }
};

// Reads every REPORT record of one exported file (the form is told by its first non-blank byte: `{` or
// `[` is JSON). Throws InputError naming the file, the line (or JSON pointer) and what was expected.
std::vector<LambdaInvocation> read_lambda_log(const std::string& path);
std::vector<LambdaInvocation> parse_lambda_log(std::string_view text, const std::string& file);

// The fields of one REPORT message ("REPORT RequestId: ..."); `where` names it in errors ("line 3").
// Throws InputError when a required field is missing or a value is not a number with its unit.
LambdaInvocation parse_report_message(std::string_view message, const std::string& file,
                                      const std::string& where);

// "2026-12-01T10:00:00.123000+00:00" (or Z, or no zone = UTC) as seconds since 1970; false when malformed.
bool parse_iso8601_s(std::string_view text, double& seconds);

// A log field's whole token as a finite number >= 0 ("102.25", "3"); false otherwise (empty, over 40
// characters, trailing text, negative).
bool parse_log_number(std::string_view token, double& value);

}  // namespace servesim::calibrate
