// The readers of per-request logs of Cloud Run and Azure Functions. Fixtures follow the documented formats:
// a Cloud Logging LogEntry (`timestamp` RFC 3339; `httpRequest` of type HttpRequest, whose `latency` is a
// protobuf Duration, written in JSON as seconds with an "s" suffix; `labels`; `resource`), Cloud Run's
// "Starting new instance. Reason: REASON - DESCRIPTION" system entries (run/docs/logging), and Application
// Insights request telemetry (the `requests` table: timestamp, duration in ms, cloud_RoleInstance; the
// workspace table AppRequests: TimeGenerated, DurationMs, AppRoleInstance; azure-monitor reference, tables).
#include "calibrate/request_log.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "core/input_error.hpp"
#include "support/request_logs.hpp"
#include "support/sim_harness.hpp"

using namespace servesim;

namespace {

// 2026-12-01T08:00:00Z: 20,788 days from 1970 (tests/calibrate/lambda_log_test.cpp) x 86,400 s + 8 h.
constexpr double kDecFirst8h = 1796083200.0 + 8 * 3600;

std::string run_entry(const std::string& stamp, const std::string& latency, const std::string& instance,
                      int status = 200) {
  return R"({"httpRequest": {"latency": )" + latency + R"(, "requestMethod": "POST", "status": )" +
         std::to_string(status) + R"(}, "insertId": "i1", "labels": {"instanceId": ")" + instance +
         R"("}, "logName": "projects/p/logs/run.googleapis.com%2Frequests", "resource": {"labels": )"
         R"({"service_name": "svc", "revision_name": "svc-00001-abc"}, "type": "cloud_run_revision"}, )"
         R"("timestamp": ")" +
         stamp + R"("})";
}

}  // namespace

TEST_CASE("calibrate::parse_duration_s: a protobuf Duration as JSON writes it") {
  double s = 0;
  REQUIRE(calibrate::parse_duration_s("0.123456s", s));
  CHECK(s * 1000 == Approx(123.456).epsilon(1e-12));  // 0.123456 s = 123.456 ms
  REQUIRE(calibrate::parse_duration_s("12s", s));
  CHECK(s == 12);
  REQUIRE(calibrate::parse_duration_s("0.000000001s", s));
  CHECK(s == Approx(1e-9));
  for (const char* bad : {"0.1", "-1s", "1e3s", "s", "0.1 s", " 0.1s", "0.1ms", ""}) {
    INFO(bad);
    CHECK_FALSE(calibrate::parse_duration_s(bad, s));
  }
}

TEST_CASE("calibrate::parse_cloud_run_log: request entries, startup entries and the rest") {
  const std::string json =
      "[\n" + run_entry("2026-12-01T08:00:01.500000Z", "\"0.123456s\"", "inst-b") + ",\n" +
      R"({"labels": {"instanceId": "inst-b"}, "logName": "projects/p/logs/run.googleapis.com%2Fvarlog%2Fsystem", )"
      R"("textPayload": "Starting new instance. Reason: AUTOSCALING - no existing capacity", )"
      R"("timestamp": "2026-12-01T08:00:01.400000Z"},)"
      "\n" +
      R"({"labels": {"instanceId": "inst-b"}, "textPayload": "model loaded", "timestamp": "2026-12-01T08:00:01.450000Z"},)"
      "\n" +
      R"({"httpRequest": {"latency": "0.002s", "status": 429}, "timestamp": "2026-12-01T08:00:02Z"},)"
      "\n" +
      run_entry("2026-12-01T08:00:00Z", "\"2.5s\"", "inst-a", 500) + "\n]\n";
  const calibrate::RequestLog log = calibrate::parse_cloud_run_log(json, "run.json");
  REQUIRE(log.requests.size() == 2);
  CHECK(log.requests[0].arrival_s == Approx(kDecFirst8h + 1.5).epsilon(1e-15));
  CHECK(log.requests[0].latency_ms == Approx(123.456).epsilon(1e-12));
  CHECK(log.requests[0].instance == "inst-b");
  CHECK(log.requests[0].status == 200);
  CHECK(log.requests[0].line == 0);  // the array index
  CHECK(log.requests[1].latency_ms == 2500);
  CHECK(log.requests[1].status == 500);
  CHECK(log.startup_entries == 1);
  CHECK(log.started_instances == std::set<std::string>{"inst-b"});
  CHECK(log.without_instance == 1);  // the 429 refused before an instance took it

  // Invocations in arrival order; only inst-b has a startup entry, so only its first request is cold (inst-a
  // may have been running before the export began).
  const auto calls = calibrate::as_invocations(log);
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].stream == "inst-a");
  CHECK_FALSE(calls[0].is_cold());
  CHECK(calls[1].is_cold());
  CHECK(calls[1].latency_s() == Approx(0.123456));
  CHECK(calls[1].arrival_s() == Approx(kDecFirst8h + 1.5).epsilon(1e-15));

  // The Logging API's entries.list answer: {"entries": [...]}, pointers under /entries.
  const auto listed = calibrate::parse_cloud_run_log(
      R"({"entries": [)" + run_entry("2026-12-01T08:00:00Z", "\"0.5s\"", "inst-a") +
          R"(], "nextPageToken": ""})",
      "list.json");
  REQUIRE(listed.requests.size() == 1);
  CHECK(listed.requests[0].latency_ms == 500);

  // JSON Lines: the same entries, one per line.
  const std::string lines = run_entry("2026-12-01T08:00:00Z", "\"2.5s\"", "inst-a") + "\n\n" +
                            run_entry("2026-12-01T08:00:01.5Z", "\"0.123456s\"", "inst-b") + "\n";
  const auto from_lines = calibrate::parse_cloud_run_log(lines, "run.jsonl");
  REQUIRE(from_lines.requests.size() == 2);
  CHECK(from_lines.requests[1].line == 3);
  // Without startup entries every instance's first request is a cold start.
  const auto lines_calls = calibrate::as_invocations(from_lines);
  CHECK(lines_calls[0].is_cold());
  CHECK(lines_calls[1].is_cold());
}

TEST_CASE("calibrate::parse_cloud_run_log: bad entries name the file and the JSON pointer or line") {
  const auto error_of = [](const std::string& text, const std::string& file) {
    try {
      calibrate::parse_cloud_run_log(text, file);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("[" + run_entry("2026-12-01T08:00:00Z", "\"0.1s\"", "a") + ", " +
                     run_entry("2026-12-01T08:00:00Z", "0.12", "a") + "]",
                 "run.json") ==
        "run.json: /1/httpRequest/latency: expected a duration in seconds as a string (\"0.123456s\"), got "
        "0.12");
  CHECK(
      error_of(run_entry("2026-12-01T08:00:00Z", "\"0.1s\"", "a") + "\n" +
                   run_entry("yesterday", "\"0.1s\"", "a") + "\n",
               "run.jsonl") ==
      "run.jsonl: line 2, /timestamp: expected an RFC 3339 timestamp (\"2026-12-01T08:00:00.123456Z\"), got "
      "\"yesterday\"");
  CHECK(error_of("[" + run_entry("2026-12-01T08:00:00Z", "\"0.1s\"", "a", 99) + "]", "run.json") ==
        "run.json: /0/httpRequest/status: expected an HTTP status 100..599, got 99");
  CHECK(error_of("2026-12-01 08:00:00 GET 200 0.1s", "run.txt") ==
        "run.txt: line 1: expected Cloud Logging entries as JSON (gcloud logging read --format=json) or JSON "
        "Lines, got 2026-12-01 08:00:00 GET 200 0.1s");
  CHECK(error_of("[1]", "run.json") == "run.json: /0: expected log entry (a JSON object), got 1");
  CHECK(
      error_of(R"({"entries": 1})", "run.json") ==
      "run.json: /entries: expected an array of log entries (the Logging API's entries.list answer), got 1");
  CHECK(
      error_of("7", "run.json") ==
      "run.json: line 1: expected Cloud Logging entries as JSON (gcloud logging read --format=json) or JSON "
      "Lines, got 7");
  CHECK(error_of(R"([{"httpRequest": {"latency": "0.1s"}, "timestamp": "2026-12-01T08:00:00Z", )"
                 R"("labels": {"instanceId": 7}}])",
                 "run.json") ==
        "run.json: /0/labels/instanceId: expected the instance's id (a non-empty string), "
        "got 7");
}

TEST_CASE("calibrate::parse_app_insights_log: CSV and JSON exports of the requests table") {
  // duration is in milliseconds: 123.4567 stays 123.4567 ms. 7 decimals of a second, as Log Analytics
  // writes them.
  const std::string csv =
      "timestamp [UTC],id,name,success,resultCode,duration,itemCount,operation_Id,cloud_RoleInstance\n"
      "2026-12-01T08:00:00.1234567Z,r1,\"Predict, v2\",True,200,123.4567,1,op1,inst-a\n"
      "\n"
      "2026-12-01T08:00:02Z,r2,Predict,False,500,2000,1,op2,inst-b\n";
  const auto log = calibrate::parse_app_insights_log(csv, "requests.csv");
  REQUIRE(log.requests.size() == 2);
  CHECK(log.requests[0].arrival_s == Approx(kDecFirst8h + 0.1234567).epsilon(1e-15));
  CHECK(log.requests[0].latency_ms == Approx(123.4567).epsilon(1e-12));
  CHECK(log.requests[0].instance == "inst-a");
  CHECK(log.requests[0].request_id == "r1");
  CHECK(log.requests[1].status == 500);
  CHECK(log.requests[1].line == 4);

  // The workspace table's names, as a JSON array of rows; and the query API's tables form.
  const std::string rows =
      R"([{"TimeGenerated": "2026-12-01T08:00:00Z", "DurationMs": 5.5, "AppRoleInstance": "w1", "Id": "x"}])";
  const auto from_rows = calibrate::parse_app_insights_log(rows, "requests.json");
  REQUIRE(from_rows.requests.size() == 1);
  CHECK(from_rows.requests[0].latency_ms == 5.5);
  CHECK(from_rows.requests[0].instance == "w1");
  const std::string tables =
      R"({"tables": [{"name": "PrimaryResult", "columns": [{"name": "timestamp", "type": "datetime"}, )"
      R"({"name": "duration", "type": "real"}, {"name": "cloud_RoleInstance", "type": "string"}], )"
      R"("rows": [["2026-12-01T08:00:01Z", 40.25, "w2"], ["2026-12-01T08:00:02Z", 10, "w2"]]}]})";
  const auto from_tables = calibrate::parse_app_insights_log(tables, "query.json");
  REQUIRE(from_tables.requests.size() == 2);
  CHECK(from_tables.requests[0].latency_ms == 40.25);
  CHECK(from_tables.requests[1].arrival_s == kDecFirst8h + 2);
}

TEST_CASE("calibrate::parse_app_insights_log: bad rows name the file, the line and column or pointer") {
  const auto error_of = [](const std::string& text, const std::string& file) {
    try {
      calibrate::parse_app_insights_log(text, file);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string header = "timestamp,duration,cloud_RoleInstance,itemCount\n";
  CHECK(error_of(header + "2026-12-01T08:00:00Z,12,a,1\n2026-12-01T08:00:01Z,12 ms,a,1\n", "r.csv") ==
        "r.csv: line 3, column 2: expected the duration in milliseconds, a number >= 0, got '12 ms'");
  CHECK(error_of(header + "12/1/2026 8:00:00.000 AM,12,a,1\n", "r.csv") ==
        "r.csv: line 2, column 1: expected an ISO 8601 timestamp (\"2026-12-01T08:00:00.1234567Z\"; export "
        "from Log Analytics, not a locale-formatted sheet), got '12/1/2026 8:00:00.000 AM'");
  CHECK(error_of(header + "2026-12-01T08:00:00Z,12,a,4\n", "r.csv") ==
        "r.csv: line 2, column 4: expected itemCount 1 (each row one request; sampled telemetry stands for "
        "several: exclude Request from sampling), got '4'");
  CHECK(error_of(header + "2026-12-01T08:00:00Z,12,a\n", "r.csv") ==
        "r.csv: line 2: expected 4 fields as in the header, got 3");
  CHECK(error_of("time,latency\n1,2\n", "r.csv") ==
        "r.csv: line 1: expected a header row naming timestamp (or TimeGenerated), duration (or DurationMs) "
        "and "
        "cloud_RoleInstance (or AppRoleInstance), got time,latency");
  CHECK(error_of(R"([{"timestamp": "2026-12-01T08:00:00Z", "duration": -1, "cloud_RoleInstance": "a"}])",
                 "r.json") ==
        "r.json: /0/duration: expected the duration in milliseconds, a number >= 0, got '-1'");
}

TEST_CASE("calibrate::detect_platform: the export's own fields tell the platform") {
  CHECK(calibrate::detect_platform("2026-12-01T10:00:00Z s REPORT RequestId: 1\tDuration: 1 ms") ==
        "aws-lambda");
  CHECK(calibrate::detect_platform("[" + run_entry("2026-12-01T08:00:00Z", "\"0.1s\"", "a") + "]") ==
        "gcp-cloud-run");
  CHECK(calibrate::detect_platform("timestamp [UTC],duration,cloud_RoleInstance\n") == "azure-functions");
  CHECK(calibrate::detect_platform("arrival_s\n0.5\n") == "");
}

TEST_CASE("calibrate: the generated fixtures read back to the requests they were written from") {
  test::RequestLogSpec spec;
  spec.hours = 1;
  spec.concurrency = 3;
  const test::GeneratedRequests run = test::generate_requests(spec);
  // 3,600 s / (0.98 x 2 s + 0.02 x 750 s) = 212 gaps, plus 5 more requests in each of 3 bursts.
  REQUIRE(run.requests.size() > 150);
  const auto check = [&](const calibrate::RequestLog& log, double stamp_resolution_s) {
    REQUIRE(log.requests.size() == run.requests.size());
    const auto calls = calibrate::as_invocations(log);
    size_t cold = 0;
    for (const auto& r : run.requests) cold += r.cold ? 1 : 0;
    size_t cold_read = 0;
    for (const auto& c : calls) cold_read += c.is_cold() ? 1 : 0;
    CHECK(cold_read == cold);
    // The first request: its arrival to the stamp's resolution, its latency to the microsecond.
    CHECK(calls.front().arrival_s() == Approx(kDecFirst8h).margin(stamp_resolution_s + 1e-6));
    CHECK(calls.front().latency_s() * 1000 == Approx(run.requests.front().latency_ms).margin(1e-3));
  };
  check(calibrate::parse_cloud_run_log(test::cloud_run_json(run), "run.json"), 1e-6);
  check(calibrate::parse_cloud_run_log(test::cloud_run_json(run, true), "run.jsonl"), 1e-6);
  check(calibrate::parse_app_insights_log(test::app_insights_csv(run), "requests.csv"), 1e-7);
  check(calibrate::parse_app_insights_log(test::app_insights_json(run), "requests.json"), 1e-7);
}

TEST_CASE("calibrate::check_one_revision: one Cloud Run service revision per calibration") {
  const std::string two = "[" + run_entry("2026-12-01T08:00:00Z", "\"0.1s\"", "a") + ", " +
                          run_entry("2026-12-01T08:00:01Z", "\"0.1s\"", "b") + "]";
  calibrate::RequestLog log = calibrate::parse_cloud_run_log(two, "run.json");
  REQUIRE(log.requests.size() == 2);
  CHECK(log.requests[0].revision == "svc/svc-00001-abc");
  CHECK_NOTHROW(calibrate::check_one_revision(log, "run.json"));
  log.requests[1].revision = "svc/svc-00002-def";
  CHECK_THROWS_WITH(
      calibrate::check_one_revision(log, "run.json"),
      "run.json: expected the requests of one Cloud Run service revision (calibrate each apart: "
      "filter on resource.labels.revision_name), got svc/svc-00001-abc, svc/svc-00002-def");
}
