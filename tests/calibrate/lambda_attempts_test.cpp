// Retries and timeouts in Lambda's logs: a repeated RequestId is a retry of an asynchronous invocation
// (Lambda Developer Guide, "How Lambda handles errors and retries with asynchronous invocation": a function
// error is retried twice, 1 and 2 minutes later; AWS Knowledge Center, "duplicate invocations": the same
// request id means Lambda retried it), a timed-out attempt carries Status: timeout (or follows a "Task timed
// out after N seconds" line) and its Duration is the function's timeout. Fixtures follow those records; the
// round trip goes through ServeSim's own synthetic logs with a known error and timeout rate.
#include "calibrate/lambda_attempts.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "calibrate/calibration.hpp"
#include "calibrate/calibration_steps.hpp"
#include "calibrate/lambda_fit.hpp"
#include "calibrate/lambda_log.hpp"
#include "core/input_error.hpp"
#include "support/lambda_logs.hpp"
#include "support/sim_harness.hpp"

using namespace servesim;

namespace {

const std::string kFields = "\tMemory Size: 1024 MB\tMax Memory Used: 100 MB\t";

// Request a1 times out after 3 s (the "Task timed out" line marks its REPORT, which has no Status), is
// retried 60 s after that end and fails (Status: error), and is retried again 120 s later and succeeds;
// request b2 succeeds at once in another environment.
const std::string kRetriedTwice =
    "2026-12-01T10:00:00.008Z s1 START RequestId: a1 Version: $LATEST\n"
    "2026-12-01T10:00:03.012Z s1 2026-12-01T10:00:03.012Z a1 Task timed out after 3.01 seconds\n"
    "2026-12-01T10:00:03.012Z s1 END RequestId: a1\n"
    "2026-12-01T10:00:03.012Z s1 REPORT RequestId: a1\tDuration: 3003.45 ms\tBilled Duration: 3004 ms" +
    kFields +
    "\n"
    "2026-12-01T10:00:10.000Z s2 REPORT RequestId: b2\tDuration: 50.00 ms\tBilled Duration: 50 ms" +
    kFields +
    "Status: success\t\n"
    "2026-12-01T10:01:03.112Z s1 REPORT RequestId: a1\tDuration: 100.00 ms\tBilled Duration: 100 ms" +
    kFields +
    "Status: error\tError Type: Runtime.Unknown\t\n"
    "2026-12-01T10:03:03.212Z s1 REPORT RequestId: a1\tDuration: 100.00 ms\tBilled Duration: 100 ms" +
    kFields + "Status: success\t\n";

std::string error_of(const std::string& text) {
  try {
    calibrate::parse_lambda_log(text, "lambda.log");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("calibrate::mark_retries: a request retried twice is 1 arrival and 2 retries") {
  auto calls = calibrate::parse_lambda_log(kRetriedTwice, "lambda.log");
  REQUIRE(calls.size() == 4);
  const calibrate::AttemptCounts counts = calibrate::mark_retries(calls);
  CHECK(counts.attempts == 4);
  CHECK(counts.requests == 2);
  CHECK(counts.retries == 2);
  CHECK(counts.timed_out == 1);
  CHECK(counts.function_errors == 2);  // the timeout and the error
  // In the file's order: a1 (first, timed out), b2, a1 (retry 1, error), a1 (retry 2).
  CHECK(calls[0].attempt == 0);
  CHECK(calls[0].is_timed_out);
  CHECK(calls[1].attempt == 0);
  CHECK_FALSE(calls[1].is_function_error);
  CHECK(calls[2].attempt == 1);
  CHECK(calls[2].is_function_error);
  CHECK_FALSE(calls[2].is_timed_out);
  CHECK(calls[3].attempt == 2);
  CHECK_FALSE(calls[3].is_function_error);
  // Duration 3,003.45 ms is a 3-s timeout.
  CHECK(calibrate::observed_timeout_s(calls) == 3);
  // requests.csv holds the two requests only: a1 arrived at 10:00:03.012 - 3.00345 s = 10:00:00.00855 (the
  // origin), b2 at 10:00:10.000 - 0.050 s, 9.94145 s later.
  CHECK(calibrate::requests_csv(calls, calls[0].arrival_s()) == "arrival_s\n0.000000\n9.941450\n");
  SECTION("the attempts are numbered by arrival, whatever the order of the files") {
    std::swap(calls[0], calls[3]);
    calibrate::mark_retries(calls);
    CHECK(calls[3].attempt == 0);
    CHECK(calls[0].attempt == 2);
  }
}

TEST_CASE("calibrate::parse_platform_report: Lambda's JSON log format") {
  const std::string report =
      R"({"time":"2026-12-01T10:00:03.012Z","type":"platform.report","record":{"requestId":"a1","metrics":)"
      R"({"durationMs":3003.45,"billedDurationMs":3254,"memorySizeMB":1024,"maxMemoryUsedMB":100,)"
      R"("initDurationMs":250.5},"status":"timeout"}})";
  SECTION("as a line of aws logs tail") {
    const auto calls =
        calibrate::parse_lambda_log("2026-12-01T10:00:03.012Z s1 " + report + "\n", "lambda.log");
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].request_id == "a1");
    CHECK(calls[0].duration_ms == 3003.45);
    CHECK(calls[0].billed_ms == 3254);
    CHECK(calls[0].init_ms == 250.5);
    CHECK(calls[0].is_timed_out);
    CHECK(calls[0].stream == "s1");
  }
  SECTION("as the message of a filter-log-events event") {
    const nlohmann::json doc = {
        {"events", {{{"timestamp", 1796119203012}, {"message", report}, {"logStreamName", "s1"}}}}};
    const auto calls = calibrate::parse_lambda_log(doc.dump(), "lambda.json");
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].is_function_error);
    CHECK(calls[0].logged_s == Approx(1796119203.012).epsilon(1e-15));
  }
  SECTION("a status that is not documented, a record without metrics") {
    std::string bad = report;
    bad.replace(bad.find("\"timeout\""), 9, "\"killed\"");
    CHECK(error_of("2026-12-01T10:00:03.012Z s1 " + bad) ==
          "lambda.log: line 1: expected record.status success, failure, error or timeout, got \"killed\"");
    CHECK_THAT(
        error_of(R"(2026-12-01T10:00:03.012Z s1 {"type":"platform.report","record":{"requestId":"a"}})"),
        Catch::StartsWith("lambda.log: line 1: expected a platform.report event with record.requestId"));
  }
}

TEST_CASE("calibrate::parse_lambda_log: Status values and Task timed out lines") {
  const std::string head =
      "2026-12-01T10:00:03.012Z s1 REPORT RequestId: a1\tDuration: 3.00 ms\tBilled Duration: 3 ms";
  CHECK(calibrate::parse_lambda_log(head + kFields + "Status: failure\n", "l")[0].is_function_error);
  CHECK(calibrate::parse_lambda_log(head + kFields + "Status: timeout\n", "l")[0].is_timed_out);
  CHECK(error_of(head + kFields + "Status: killed\n") ==
        "lambda.log: line 1: expected Status: success, failure, error or timeout (as the Telemetry API's "
        "platform.report), got REPORT RequestId: a1\\tDuration: 3.00 ms\\tBilled Duration: 3 ms... (120 "
        "bytes)");
  CHECK(
      error_of(
          "2026-12-01T10:00:03.012Z s1 2026-12-01T10:00:03.012Z a1 Task timed out after three seconds") ==
      "lambda.log: line 1: expected REQUEST-ID Task timed out after N seconds, got 2026-12-01T10:00:03.012Z "
      "a1 Task timed out after three secon... (62 bytes)");
}

TEST_CASE("calibrate::fit_lambda: synthetic logs with a known error and timeout rate, fitted back") {
  // Handler Duration lognormal with mean 400 ms and p99 1,600 ms: sigma = 0.70175, mu = ln 400 - sigma^2 / 2
  // = 5.74524. A 1-s timeout stops 1 - Phi((ln 1000 - mu) / sigma) = 1 - Phi(1.6566) = 4.88% of the
  // attempts; 5% of the others fail with an error, so an attempt fails with q = 0.0488 + 0.9512 x 0.05 =
  // 0.0964 and a request is retried q + q^2 = 0.1057 times on average (two retries at most; sd 0.336).
  // 4 h of Poisson arrivals at 0.5/s plus 5 more every 15 min: about 7,280 requests and 8,050 attempts.
  test::LambdaLogSpec spec;
  spec.hours = 4;
  spec.long_share = 0;
  spec.warm_mean_ms = 400;
  spec.warm_p99_ms = 1600;
  spec.timeout_s = 1;
  spec.error_share = 0.05;
  const std::string logs = test::lambda_logs(spec);
  auto calls = calibrate::parse_lambda_log(logs, "lambda.log");
  const calibrate::AttemptCounts counts = calibrate::mark_retries(calls);
  INFO(counts.requests << " requests, " << counts.retries << " retries, " << counts.timed_out
                       << " timed out");
  CHECK(counts.requests > 7000);
  // Within 4 standard errors: 4 x 0.336 / sqrt(7,280) = 0.016 retries per request; the timeout share
  // 4 x sqrt(0.0488 x 0.9512 / 8,050) = 0.0096.
  CHECK(static_cast<double>(counts.retries) / static_cast<double>(counts.requests) ==
        Approx(0.1057).margin(0.016));
  CHECK(static_cast<double>(counts.timed_out) / static_cast<double>(counts.attempts) ==
        Approx(0.0488).margin(0.0096));
  const calibrate::LambdaFit fit = calibrate::fit_lambda(calls);
  CHECK(fit.timeout_s == 1);
  CHECK(fit.retries == counts.retries);
  CHECK(fit.timed_out == counts.timed_out);
  // The warm fit holds no timed-out Duration: its largest point is below the 1,000-ms cap.
  CHECK(fit.warm_ms.back().second < 1000);
  calibrate::ScenarioOptions scenario_options;
  scenario_options.trace = "requests.csv";
  const auto scenario = calibrate::lambda_scenario(fit, scenario_options);
  CHECK(scenario["candidates"][0]["timeout_s"] == 1);

  SECTION("calibrate replays the requests, counts the retries apart and compares the first attempts") {
    const test::TempDir dir;
    calibrate::CalibrateOptions options;
    options.logs = {dir.write("lambda.log", logs)};
    options.platform = "aws-lambda";
    options.out_dir = dir.file("out");
    options.replications = 2;
    options.bootstrap = 200;
    calibrate::calibrate(options);  // throws if the replay's window holds other arrivals than the requests
    const auto v = nlohmann::json::parse(test::read_file(dir.file("out/validation.json")));
    const auto& train = v["train"]["attempts"];
    const auto& held_out = v["validation"]["attempts"];
    CHECK(train["requests"].get<size_t>() + held_out["requests"].get<size_t>() == counts.requests);
    CHECK(train["retries"].get<size_t>() + held_out["retries"].get<size_t>() == counts.retries);
    const auto& share = held_out["retry_share"];
    CHECK(share["simulated"].is_null());
    CHECK(share["observed"].get<double>() == Approx(static_cast<double>(held_out["retries"].get<size_t>()) /
                                                    held_out["attempts"].get<double>()));
    CHECK(share["observed_ci95"][0].get<double>() <= share["observed"].get<double>());
    CHECK(share["observed_ci95"][1].get<double>() >= share["observed"].get<double>());
    CHECK(test::read_file(dir.file("out/validation.html")).find("Observed only, not simulated: ") !=
          std::string::npos);
    const std::string csv = test::read_file(dir.file("out/requests.csv"));
    CHECK(static_cast<size_t>(std::count(csv.begin(), csv.end(), '\n')) == counts.requests + 1);
  }
}
