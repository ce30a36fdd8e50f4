// servesim calibrate on Cloud Run and Azure Functions logs end to end: synthetic logs with known parameters
// (tests/support/request_logs.hpp) fitted on their first 70%, the rest replayed through the platform's model;
// the platform told from the file; bad input as one line and exit status 2.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "app/prepare.hpp"
#include "calibrate/calibration.hpp"
#include "core/input_error.hpp"
#include "support/request_logs.hpp"
#include "support/sim_harness.hpp"

using namespace servesim;

namespace {

// 12 h, one request per instance at a time: about 43,200 / (0.99 x 2 + 0.01 x 750) = 4,560 requests plus 6
// every 15 min.
test::GeneratedRequests twelve_hours_of_requests() {
  test::RequestLogSpec spec;
  spec.hours = 12;
  spec.long_share = 0.01;
  return test::generate_requests(spec);
}

const nlohmann::json& figure(const nlohmann::json& validation, const std::string& name) {
  for (const auto& m : validation["metrics"])
    if (m["name"] == name) return m;
  FAIL("no metric " << name);
  return validation;
}

}  // namespace

TEST_CASE("calibrate::calibrate: Cloud Run and Azure Functions logs give a scenario and its validation") {
  const test::TempDir dir;
  const auto run = twelve_hours_of_requests();
  struct Case {
    std::string platform, file, text;
  };
  const Case cases[] = {{"gcp-cloud-run", "run.json", test::cloud_run_json(run)},
                        {"azure-functions", "requests.csv", test::app_insights_csv(run)}};
  for (const Case& c : cases) {
    INFO(c.platform);
    calibrate::CalibrateOptions options;
    options.logs = {dir.write(c.file, c.text)};
    options.out_dir = dir.file("out-" + c.platform);  // no --platform: told from the file
    const auto outcome = calibrate::calibrate(options);
    const nlohmann::json v =
        nlohmann::json::parse(test::read_file(dir.file("out-" + c.platform + "/validation.json")));
    INFO(v.dump(1));
    CHECK(v["platform"] == c.platform);
    CHECK(v["train"]["invocations"].get<size_t>() + v["validation"]["invocations"].get<size_t>() ==
          run.requests.size());
    // No billing in these logs: those figures are not compared; the throttled share is.
    CHECK(v["metrics"].size() == 6);
    const nlohmann::json scenario =
        nlohmann::json::parse(test::read_file(dir.file("out-" + c.platform + "/scenario.json")));
    CHECK(scenario["candidates"][0]["platform"] == c.platform);
    // The fitted values' sample sizes are in its description.
    CHECK(scenario["description"].get<std::string>().starts_with(
        "Fitted by servesim calibrate from " + std::to_string(v["train"]["invocations"].get<size_t>()) +
        " "));
    CHECK_NOTHROW(app::prepare(dir.file("out-" + c.platform + "/scenario.json")));
    // The warm requests dominate the median, and the replay serves them with the fitted service times. The
    // simulated median differs from the observed one by sampling noise: the window's (its bootstrap 95%
    // interval is about 3.92 standard errors wide, so one standard error is width / 3.92) and the fit's,
    // the same for a sample of the training part's size (a standard error sqrt(n_window / n_train) times the
    // window's). Four standard errors of the difference are allowed: 4 / 3.92 x width x
    // sqrt(1 + n_window / n_train).
    const auto& p50 = figure(v, "latency_p50_ms");
    const double width = p50["observed_ci95"][1].get<double>() - p50["observed_ci95"][0].get<double>();
    CHECK(width > 0);
    const double ratio =
        v["validation"]["invocations"].get<double>() / v["train"]["invocations"].get<double>();
    CHECK(std::abs(p50["simulated"].get<double>() - p50["observed"].get<double>()) <=
          4 / 3.92 * width * std::sqrt(1 + ratio));
    CHECK(outcome.max_abs_error_pct == v["max_abs_error_pct"].get<double>());
  }
}

TEST_CASE("calibrate: servesim calibrate on Cloud Run logs, byte-identical, and its bad input") {
  const test::TempDir dir;
  const std::string logs = dir.write("run.json", test::cloud_run_json(twelve_hours_of_requests()));
  auto result = test::run_servesim(
      "calibrate " + logs + " --platform gcp-cloud-run --out " + dir.file("a") + " --quiet", dir);
  CHECK(result.status == 0);
  result = test::run_servesim("calibrate " + logs + " --out " + dir.file("b") + " --quiet", dir);
  CHECK(result.status == 0);
  for (const char* file : {"scenario.json", "validation.json", "validation.html", "requests.csv"})
    CHECK(test::read_file(dir.file(std::string("a/") + file)) ==
          test::read_file(dir.file(std::string("b/") + file)));

  const std::string bad = dir.write(
      "bad.json", R"([{"httpRequest": {"latency": 0.2, "status": 200}, "labels": {"instanceId": "i"}, )"
                  R"("timestamp": "2026-12-01T08:00:00Z"}])");
  result = test::run_servesim("calibrate " + bad + " --out " + dir.file("c"), dir);
  CHECK(result.status == 2);
  const std::string err = test::user_stderr(result.err);
  CHECK(test::count_lines(err) == 1);
  CHECK(err.find(bad + ": /0/httpRequest/latency: expected a duration in seconds as a string") !=
        std::string::npos);
  const std::string unknown = dir.write("unknown.csv", "arrival_s\n1\n");
  result = test::run_servesim("calibrate " + unknown + " --out " + dir.file("d"), dir);
  CHECK(result.status == 2);
  CHECK(test::user_stderr(result.err).find("give --platform to say which") != std::string::npos);
  result =
      test::run_servesim("calibrate " + unknown + " --platform azure-function --out " + dir.file("e"), dir);
  CHECK(result.status == 2);
  CHECK(test::user_stderr(result.err)
            .find("(aws-lambda, gcp-cloud-run, azure-functions, kubernetes-gpu), got 'azure-function'") !=
        std::string::npos);
}

TEST_CASE("calibrate: Cloud Run entries stamped at the response, read with --timestamp-at end") {
  // The same requests logged twice: stamped at their arrival, and at their response (arrival + latency).
  // Read as such (--timestamp-at end: arrival = timestamp - latency), the second gives the first's arrivals,
  // to the microsecond both stamps and latencies are written in (so within 2 us after the subtraction).
  const test::TempDir dir;
  const auto run = twelve_hours_of_requests();
  const std::string at_start = dir.write("start.json", test::cloud_run_json(run));
  const std::string at_end = dir.write("end.json", test::cloud_run_json(run, false, true, true));
  auto result = test::run_servesim("calibrate " + at_start + " --out " + dir.file("a") + " --quiet", dir);
  REQUIRE(result.status == 0);
  result = test::run_servesim(
      "calibrate " + at_end + " --timestamp-at end --out " + dir.file("b") + " --quiet", dir);
  REQUIRE(result.status == 0);
  auto arrivals = [&](const std::string& folder) {
    std::vector<double> out;
    std::istringstream csv(test::read_file(dir.file(folder + "/requests.csv")));
    std::string line;
    std::getline(csv, line);  // header
    while (std::getline(csv, line)) out.push_back(std::stod(line.substr(0, line.find(','))));
    return out;
  };
  const std::vector<double> a = arrivals("a"), b = arrivals("b");
  REQUIRE(a.size() == run.requests.size());
  REQUIRE(b.size() == a.size());
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  CHECK(worst <= 2e-6);
  result = test::run_servesim("calibrate " + at_start + " --timestamp-at middle --out " + dir.file("d"), dir);
  CHECK(result.status == 2);
  CHECK(test::user_stderr(result.err).find("--timestamp-at: expected start or end, got 'middle'") !=
        std::string::npos);
}

namespace {

// The bundled examples (scenarios/logs/README.md): 4 h with the parameters of the Lambda example.
test::GeneratedRequests bundled_example_requests() {
  test::RequestLogSpec spec;
  spec.hours = 4;
  return test::generate_requests(spec);
}

}  // namespace

TEST_CASE("calibrate: the bundled Cloud Run and Azure examples are the generator's output") {
  const auto run = bundled_example_requests();
  CHECK(test::read_file("scenarios/logs/cloud-run-example.json") == test::cloud_run_json(run));
  CHECK(test::read_file("scenarios/logs/azure-functions-example.csv") == test::app_insights_csv(run));
}

// Rewrites them: build/tests/calibrate/test_calibrate "[.write-examples]" from the repository's root.
TEST_CASE("calibrate: write the bundled Cloud Run and Azure examples", "[.write-examples]") {
  const auto run = bundled_example_requests();
  for (const auto& [path, text] :
       {std::pair<std::string, std::string>{"scenarios/logs/cloud-run-example.json",
                                            test::cloud_run_json(run)},
        {"scenarios/logs/azure-functions-example.csv", test::app_insights_csv(run)}}) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f);
    CHECK(std::fwrite(text.data(), 1, text.size(), f) == text.size());
    std::fclose(f);
  }
}
