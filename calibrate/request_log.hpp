#pragma once
// Per-request logs of platforms that serve requests on instances the logs name (Google Cloud Run, Azure
// Functions), read into one form; calibrate/instance_fit.hpp fits them. Two sources:
//
//   Cloud Run request logs, exported from Cloud Logging (`gcloud logging read FILTER --format=json`: a JSON
//   array of LogEntry objects, or JSON Lines of them). A request entry has `timestamp` (RFC 3339),
//   `httpRequest.latency` (a protobuf Duration in JSON, "0.123456s": from the request's receipt until the
//   response was sent), `httpRequest.status`, `labels.instanceId` and `resource.labels.service_name` /
//   `revision_name`. Entries without `httpRequest` (container output, system logs) are skipped, except
//   Cloud Run's "Starting new instance. Reason: ..." system entries, which name an instance that started.
//
//   Application Insights request telemetry of a function app (the `requests` table, exported from Log
//   Analytics as CSV with a header row, a JSON array of row objects, or JSON Lines of them): `timestamp` (the
//   request's start), `duration` (ms), `success`, `resultCode`, `cloud_RoleInstance` (the instance), `id`,
//   `operation_Id`, `name`, `itemCount`. The workspace table's names (TimeGenerated, DurationMs, Success,
//   ResultCode, AppRoleInstance, Id, OperationId, Name, ItemCount) are read too.
//
// docs/calibrate.md ("Inputs") maps each field and says what the logs cannot tell.
//
//   const calibrate::RequestLog log = calibrate::read_request_log("run.json", "gcp-cloud-run");
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "calibrate/lambda_log.hpp"

namespace servesim::calibrate {

struct RequestRecord {
  double arrival_s = 0;  // when the request was received [s since 1970, UTC]
  double latency_ms = 0;
  std::string instance;  // Cloud Run labels.instanceId; App Insights cloud_RoleInstance
  std::string request_id;
  int status = 0;        // HTTP status (0: not logged)
  std::string revision;  // Cloud Run "SERVICE/REVISION" from resource.labels ("" when not logged)
  std::string file;
  int line = 0;  // line (text, CSV, JSON Lines) or array index (JSON)
};

struct RequestLog {
  std::vector<RequestRecord> requests;
  // Cloud Run: instances that a "Starting new instance" system entry names, and how many such entries.
  std::set<std::string> started_instances;
  size_t startup_entries = 0;
  size_t without_instance = 0;  // request entries naming no instance (refused before one)
  // Requests refused without service (is_throttled): not fitted, replayed as arrivals, compared as the
  // throttled share. Their `instance` may be "".
  std::vector<RequestRecord> throttled;
};

// Whether a request with HTTP `status` was throttled: 429 (Too Many Requests; Cloud Run "no available
// instance", Application Insights whatever answered it), or, on an entry that names no instance, 500 or 503
// (Cloud Run's troubleshooting page: "The request was aborted because there was no available instance" is
// logged as 429 at max instances and as 500 when instances could not start fast enough). Other entries
// without an instance (a 403 from IAM, a 404 from the front end) are neither served nor throttled: skipped.
bool is_throttled(int status, bool has_instance);

// "0.123456s" (a protobuf Duration as JSON writes it) as seconds; false when malformed or negative.
bool parse_duration_s(std::string_view text, double& seconds);

RequestLog parse_cloud_run_log(std::string_view text, const std::string& file);
RequestLog parse_app_insights_log(std::string_view text, const std::string& file);

// Reads one exported file of `platform` (gcp-cloud-run or azure-functions). Throws InputError naming the
// file, the line or JSON pointer, and what was expected.
RequestLog read_request_log(const std::string& path, const std::string& platform);

// Throws InputError naming the first file when the requests come from more than one Cloud Run service
// revision (each is deployed apart, with its own instances and settings: calibrate each apart).
void check_one_revision(const RequestLog& log, const std::string& file);

// The platform whose export `text` looks like: "aws-lambda" (REPORT records), "gcp-cloud-run"
// (httpRequest entries), "azure-functions" (a cloud_RoleInstance or AppRoleInstance field or column), or
// "" when none is recognised. Looks at the first 64 KiB only.
std::string detect_platform(std::string_view text);

// The requests as invocations for the fit, split and validation (sorted by arrival): logged_s is the
// response's end, duration_ms the latency, stream the instance, is_failed a status 500..599. A request is a
// cold start (init_ms 0, its whole latency in duration_ms) when it is the first on its instance, and, where
// the logs hold "Starting new instance" entries, its instance has one (an instance that was running before
// the export began has none).
std::vector<LambdaInvocation> as_invocations(const RequestLog& log);

}  // namespace servesim::calibrate
