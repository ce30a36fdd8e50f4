// The readers of AWS Lambda REPORT records. Fixtures follow the documented record: "REPORT RequestId: ID
// Duration: D ms Billed Duration: B ms Memory Size: M MB Max Memory Used: U MB [Init Duration: I ms]",
// tab-separated, one per invocation, in the log stream of the environment that ran it
// (docs.aws.amazon.com/lambda/latest/operatorguide/log-structure.html); SnapStart adds Restore Duration and
// Billed Restore Duration (lambda/latest/dg/snapstart-monitoring.html).
#include "calibrate/lambda_log.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "core/input_error.hpp"

using namespace servesim;
using calibrate::parse_lambda_log;

namespace {

const std::string kStream = "2026/12/01/[$LATEST]0123456789abcdef0123456789abcdef";
const std::string kCold =
    "REPORT RequestId: 11111111-0000-4000-a000-000000000001\tDuration: 102.25 ms\tBilled Duration: 915 ms\t"
    "Memory Size: 1024 MB\tMax Memory Used: 180 MB\tInit Duration: 812.40 ms\t";
const std::string kWarm =
    "REPORT RequestId: 11111111-0000-4000-a000-000000000002\tDuration: 3.50 ms\tBilled Duration: 4 ms\t"
    "Memory Size: 1024 MB\tMax Memory Used: 181 MB\t";

}  // namespace

TEST_CASE("calibrate::read_lambda_log: the text export of aws logs tail") {
  // 2026-12-01T10:00:00Z: 56 years from 1970 with 14 leap days = 20,454 days, January..November 2026 =
  // 334 days, so 20,788 days x 86,400 s = 1,796,083,200 s; plus 10 h = 1,796,119,200 s.
  const std::string text = "2026-12-01T10:00:00.000000+00:00 " + kStream +
                           " INIT_START Runtime Version: python:3.12.v38\n"
                           "2026-12-01T10:00:00.812000+00:00 " +
                           kStream +
                           " START RequestId: 1 Version: $LATEST\n"
                           "2026-12-01T10:00:00.915000+00:00 " +
                           kStream +
                           " some output of the function\n"
                           "a stack trace line without a timestamp\n"
                           "2026-12-01T10:00:00.915000+00:00 " +
                           kStream +
                           " END RequestId: 1\n"
                           "2026-12-01T10:00:00.915000+00:00 " +
                           kStream + " " + kCold +
                           "\r\n"
                           "2026-12-01T11:00:05.500000+01:00 " +
                           kStream + " " + kWarm + "\n";
  const auto calls = parse_lambda_log(text, "lambda.log");
  REQUIRE(calls.size() == 2);
  const auto& cold = calls[0];
  CHECK(cold.logged_s == Approx(1796119200.915).epsilon(1e-15));
  CHECK(cold.request_id == "11111111-0000-4000-a000-000000000001");
  CHECK(cold.stream == kStream);
  CHECK(cold.duration_ms == 102.25);
  CHECK(cold.billed_ms == 915);
  CHECK(cold.memory_mb == 1024);
  CHECK(cold.max_memory_used_mb == 180);
  CHECK(cold.init_ms == 812.40);
  CHECK(cold.is_cold());
  CHECK(cold.line == 6);
  // Arrival = end - (init + duration) = 0.915 - 0.91465 s after 10:00:00.
  CHECK(cold.arrival_s() == Approx(1796119200.00035).epsilon(1e-15));
  const auto& warm = calls[1];
  CHECK_FALSE(warm.is_cold());
  // 11:00:05.5 at +01:00 is 10:00:05.5 UTC.
  CHECK(warm.logged_s == Approx(1796119205.5).epsilon(1e-15));
  CHECK(warm.latency_s() == Approx(0.0035));
}

TEST_CASE("calibrate::read_lambda_log: the JSON exports (filter-log-events, an array, JSON Lines)") {
  const std::string snap =
      "REPORT RequestId: 3\tDuration: 20.00 ms\tBilled Duration: 150 ms\tMemory Size: 512 MB\tMax Memory "
      "Used: "
      "90 MB\tRestore Duration: 300.50 ms\tBilled Restore Duration: 130 ms\t";
  // Built with nlohmann::json so that the tabs in the messages are escaped as CloudWatch writes them.
  const nlohmann::json list = {
      {{"logStreamName", "s1"}, {"timestamp", 1796119200915}, {"message", kWarm + "\n"}, {"eventId", "1"}},
      {{"logStreamName", "s1"},
       {"timestamp", 1796119200000},
       {"message", "START RequestId: 3 Version: $LATEST\n"}},
      {{"logStreamName", "s2"}, {"timestamp", 1796119201000}, {"message", snap}}};
  const std::string events = list.dump();
  SECTION("filter-log-events") {
    const auto calls =
        parse_lambda_log(R"({"events": )" + events + R"(, "searchedLogStreams": []})", "l.json");
    REQUIRE(calls.size() == 2);
    CHECK(calls[0].stream == "s1");
    CHECK(calls[0].logged_s == 1796119200.915);
    CHECK(calls[1].restore_ms == 300.5);
    CHECK(calls[1].init_ms == -1);
    CHECK(calls[1].is_cold());
    // A SnapStart cold start: restore + handler (snapstart-monitoring.html).
    CHECK(calls[1].latency_s() == Approx(0.3205));
  }
  SECTION("an array") {
    CHECK(parse_lambda_log(events, "l.json").size() == 2);
  }
  SECTION("JSON Lines") {
    const std::string lines = list[0].dump() + "\n\n" + list[2].dump() + "\n";
    const auto calls = parse_lambda_log(lines, "l.jsonl");
    REQUIRE(calls.size() == 2);
    CHECK(calls[1].line == 3);
  }
}

TEST_CASE("calibrate::read_lambda_log: malformed records name the file, the line and what was expected") {
  const auto error_of = [](const std::string& text) {
    try {
      parse_lambda_log(text, "bad.log");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string prefix = "2026-12-01T10:00:00.915000Z " + kStream + " ";
  CHECK(error_of(prefix +
                 "REPORT RequestId: 1\tDuration: 3.50 ms\tBilled Duration: 4 ms\tMemory Size: 1024 MB\n")
            .starts_with("bad.log: line 1: expected a REPORT line with RequestId, Duration, Billed Duration, "
                         "Memory Size and Max Memory Used, got"));
  CHECK(error_of(
            "\n" + prefix +
            "REPORT RequestId: 1\tDuration: fast ms\tBilled Duration: 4 ms\tMemory Size: 1024 MB\tMax Memory "
            "Used: 9 MB\n")
            .starts_with("bad.log: line 2: expected Duration: a number >= 0 in ms, got"));
  CHECK(error_of(
            prefix +
            "REPORT RequestId: 1\tDuration: 3.5 s\tBilled Duration: 4 ms\tMemory Size: 1024 MB\tMax Memory "
            "Used: 9 MB\n")
            .starts_with("bad.log: line 1: expected Duration: a number >= 0 in ms"));
  CHECK(
      error_of(prefix +
               "REPORT RequestId: 1\tDuration: 3.5 ms\tBilled Duration: 4 ms\tMemory Size: 64 MB\tMax Memory "
               "Used: 9 MB\n")
          .starts_with("bad.log: line 1: expected Memory Size: a whole number of MB in 128..10240"));
  CHECK(error_of(kWarm + "\n")
            .starts_with("bad.log: line 1: expected TIMESTAMP LOG-STREAM REPORT ... (aws logs tail --format "
                         "detailed, ISO 8601 timestamp), got"));
  CHECK(error_of("yesterday " + kStream + " " + kWarm + "\n")
            .starts_with("bad.log: line 1: expected TIMESTAMP"));
  CHECK(error_of(R"({"events": [{"timestamp": 1, "message": "REPORT RequestId: 1"}]})") ==
        "bad.log: /events/0: expected a log event with \"timestamp\" (epoch ms), \"message\" and "
        "\"logStreamName\", "
        "got {\"message\":\"REPORT RequestId: 1\",\"timestamp\":1}");
  CHECK(error_of(R"({"logs": []})") ==
        "bad.log: /: expected an object with an \"events\" array (aws logs filter-log-events --output json)");
  CHECK(error_of("{\"logStreamName\": \"s\", \"timestamp\": 1, \"message\": \"x\"}\n{oops\n") ==
        "bad.log: line 2: expected one JSON object (a log event) per line, got {oops");
  CHECK(error_of(R"([{"logStreamName": "s", "timestamp": 1, "message": "REPORT RequestId: 1 Duration"}])")
            .starts_with("bad.log: /0/message: expected \"Name: value\" fields after REPORT"));
}

TEST_CASE("calibrate::parse_iso8601_s: the timestamps of aws logs tail") {
  double s = 0;
  REQUIRE(calibrate::parse_iso8601_s("1970-01-01T00:00:00Z", s));
  CHECK(s == 0);
  // 2000-03-01: 30 years with 7 leap days (1972..1996) = 10,957 days, plus Jan + Feb 2000 (a leap year) = 60.
  REQUIRE(calibrate::parse_iso8601_s("2000-03-01 00:00:01.25", s));
  CHECK(s == (10957.0 + 60) * 86400 + 1.25);
  REQUIRE(calibrate::parse_iso8601_s("2000-03-01T01:30:01.25+0130", s));
  CHECK(s == (10957.0 + 60) * 86400 + 1.25);
  CHECK_FALSE(calibrate::parse_iso8601_s("2000-13-01T00:00:00Z", s));
  CHECK_FALSE(calibrate::parse_iso8601_s("2000-03-01T00:00:00Zjunk", s));
  CHECK_FALSE(calibrate::parse_iso8601_s("2000-03-01", s));
}
