// servesim calibrate end to end: synthetic logs with known parameters (tests/support/lambda_logs.hpp, the
// semantics of ServeSim's Lambda model) are fitted on their first 70% and the rest is replayed; the held-out
// split never lets the validation window into the fit; the outputs are byte-identical for a seed; the
// command's exit status with --fail-above.
#include "calibrate/calibration.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "app/prepare.hpp"
#include "core/input_error.hpp"
#include "support/lambda_logs.hpp"
#include "support/sim_harness.hpp"

using namespace servesim;

namespace {

// 12 h: about 43,200 / (0.99 x 2 + 0.01 x 750) = 4,560 requests plus 6 every 15 min.
test::LambdaLogSpec twelve_hours() {
  test::LambdaLogSpec spec;
  spec.hours = 12;
  spec.long_share = 0.01;
  return spec;
}

calibrate::CalibrateOutcome run_calibration(const test::TempDir& dir, const std::string& logs,
                                            const std::string& out) {
  calibrate::CalibrateOptions options;
  options.logs = {dir.write("lambda.log", logs)};
  options.platform = "aws-lambda";
  options.out_dir = dir.file(out);
  return calibrate::calibrate(options);
}

const nlohmann::json& metric(const nlohmann::json& validation, const std::string& name) {
  for (const auto& m : validation["metrics"])
    if (m["name"] == name) return m;
  FAIL("no metric " << name);
  return validation;
}

}  // namespace

TEST_CASE("calibrate::calibrate: a model fitted on synthetic logs reproduces their held-out window") {
  const test::TempDir dir;
  const std::string logs = test::lambda_logs(twelve_hours());
  const auto outcome = run_calibration(dir, logs, "out");
  const nlohmann::json v = nlohmann::json::parse(test::read_file(dir.file("out/validation.json")));
  const auto train = v["train"]["invocations"].get<size_t>(),
             held_out = v["validation"]["invocations"].get<size_t>();
  INFO(v.dump(1));
  CHECK(train > 3000);
  CHECK(held_out > 1000);
  // The logs follow the model's own rules, so simulated and observed differ by sampling noise only: the
  // window's own (its bootstrap 95% interval is about 3.9 standard errors wide) and the fit's, smaller
  // (about 2.3 times as many training invocations). Each figure must lie within one interval width of the
  // observed value (about 4 standard errors).
  for (const char* name : {"cold_start_share", "latency_p50_ms", "latency_p90_ms", "latency_p99_ms",
                           "billed_duration_mean_ms", "cost_usd"}) {
    const auto& m = metric(v, name);
    INFO(name);
    const double width = m["observed_ci95"][1].get<double>() - m["observed_ci95"][0].get<double>();
    CHECK(width > 0);
    CHECK(std::abs(m["simulated"].get<double>() - m["observed"].get<double>()) <= width);
  }
  // The peak of per-minute mean concurrency comes from the same arrivals on both sides (the bursts of 6), so
  // only the service and init draws differ: within 30%.
  CHECK(std::abs(metric(v, "peak_concurrent_executions")["error_pct"].get<double>()) < 30);
  CHECK(outcome.max_abs_error_pct == v["max_abs_error_pct"].get<double>());

  // servesim run accepts the fitted scenario, and the same logs and seed give byte-identical files.
  CHECK_NOTHROW(app::prepare(dir.file("out/scenario.json")));
  run_calibration(dir, logs, "again");
  // validation.html: one self-contained page (no script, nothing fetched) with a row per figure.
  const std::string html = test::read_file(dir.file("out/validation.html"));
  CHECK(html.find("<td title=\"invocations with Init Duration or Restore Duration / "
                  "invocations\">cold_start_share</td>") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  for (const char* file : {"scenario.json", "validation.json", "validation.html", "requests.csv"})
    CHECK(test::read_file(dir.file(std::string("out/") + file)) ==
          test::read_file(dir.file(std::string("again/") + file)));
}

TEST_CASE("calibrate::calibrate: the held-out window never reaches the fit") {
  // The same arrivals, but from the split on (70% of the span, whole seconds, as calibrate splits) every
  // handler runs 3 times longer, and its timestamps move with it: a function changed in the validation
  // window. The fitted scenario must be byte for byte the same; the validation must see the change.
  const test::TempDir dir;
  test::LambdaLogSpec changed = twelve_hours();
  changed.slow_after_fraction = 0.7;
  changed.slow_factor = 3;
  run_calibration(dir, test::lambda_logs(twelve_hours()), "same");
  run_calibration(dir, test::lambda_logs(changed), "changed");
  CHECK(test::read_file(dir.file("same/scenario.json")) ==
        test::read_file(dir.file("changed/scenario.json")));
  const auto v = nlohmann::json::parse(test::read_file(dir.file("changed/validation.json")));
  // Warm requests dominate the median: observed about 3 x 100.6 ms, simulated about 100.6 ms, an error near
  // -67%.
  CHECK(metric(v, "latency_p50_ms")["error_pct"].get<double>() < -50);
}

TEST_CASE("calibrate::split_by_time: the training part is what arrived before the split") {
  std::vector<calibrate::LambdaInvocation> calls;
  for (int i = 0; i <= 100; ++i) {
    calibrate::LambdaInvocation c;
    c.logged_s = 1000 + i;  // duration 0: arrival = logged
    calls.push_back(c);
  }
  const auto split = calibrate::split_by_time(calls, 0.7, "f.log");
  CHECK(split.origin_s == 1000);
  CHECK(split.split_s == 70);  // floor(0.7 x 100)
  CHECK(split.train.size() == 70);
  CHECK(split.test.size() == 31);
  CHECK(split.train.back().logged_s == 1069);
  CHECK(split.test.front().logged_s == 1070);
  CHECK_THROWS_WITH(
      calibrate::split_by_time(calls, 0.95, "f.log"),
      "f.log: expected at least 10 invocations after the split at 95 s of 100 s (--train-fraction "
      "0.95), got 6");
}

TEST_CASE("calibrate: servesim calibrate exits with 1 when an error exceeds --fail-above") {
  const test::TempDir dir;
  const std::string logs = dir.write("lambda.log", test::lambda_logs(twelve_hours()));
  auto result = test::run_servesim(
      "calibrate " + logs + " --platform aws-lambda --out " + dir.file("a") + " --fail-above 0.001", dir);
  CHECK(result.status == 1);
  const std::string err = test::user_stderr(result.err);  // without a sanitizer build's notes
  CHECK(err.starts_with("servesim: calibrate: an error of "));
  CHECK(err.find("exceeds --fail-above 0.001") != std::string::npos);
  CHECK(test::count_lines(err) == 1);
  result = test::run_servesim(
      "calibrate " + logs + " --platform aws-lambda --out " + dir.file("b") + " --fail-above 1000 --quiet",
      dir);
  CHECK(result.status == 0);
  CHECK(result.out.empty());
  // --json prints the comparison as validation.json holds it, in place of the table.
  result = test::run_servesim(
      "calibrate " + logs + " --platform aws-lambda --out " + dir.file("c") + " --json", dir);
  CHECK(result.status == 0);
  CHECK(nlohmann::json::parse(result.out) ==
        nlohmann::json::parse(test::read_file(dir.file("c/validation.json"))));
  result = test::run_servesim("calibrate --help", dir);
  CHECK(result.status == 0);
  CHECK(result.out.find("--train-fraction") != std::string::npos);
}
