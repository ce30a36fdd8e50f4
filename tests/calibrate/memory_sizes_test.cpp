// servesim calibrate on Lambda logs at several memory sizes: synthetic logs at 512, 1,024 and 2,048 MB whose
// warm Duration follows a known law of the CPU share (tests/support/lambda_logs.hpp) are fitted back per
// size; no size's fit sees another size's records or its own held-out window; a size with too few records is
// left out with a note; the command's output, exit status and the scenario's acceptance by run and validate.
#include "calibrate/memory_sizes.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "app/prepare.hpp"
#include "calibrate/calibration.hpp"
#include "core/input_error.hpp"
#include "support/lambda_logs.hpp"
#include "support/sim_harness.hpp"

using namespace servesim;

namespace {

// The law the logs follow: Duration = 20 ms + 200 ms x (1769 / memory) x L, L lognormal with median 1 and
// p99 / mean = 2 (sigma s = 2.3263 - sqrt(2.3263^2 - 2 ln 2) = 0.3200), so the median Duration is
// 20 + 200 x 1769 / memory: 711.0 ms at 512 MB, 365.5 ms at 1,024 MB, 192.7 ms at 2,048 MB.
constexpr double kFixedMs = 20, kCpuMs = 200;
const double kSigma = test::lognormal_sigma(1, 2);

double cpu_median_ms(int memory_mb) {
  return kCpuMs * 1769.0 / memory_mb;
}

// Four hours at `memory_mb` starting `hour` hours after 08:00: about 14,400 / (0.99 x 2 + 0.01 x 750) =
// 1,519 requests plus 6 every 15 min; the split is at 70% of the span, and the long gaps (one in a hundred,
// mean 750 s) make the part before it vary (475 to 1,122 of 3 h logs here), and a share of it is cold.
test::LambdaLogSpec size_spec(int memory_mb, int hour, uint64_t seed) {
  test::LambdaLogSpec spec;
  spec.hours = 4;
  spec.long_share = 0.01;
  spec.seed = seed;
  spec.memory_mb = memory_mb;
  spec.start_ms += int64_t{hour} * 3600000;
  spec.warm_offset_ms = kFixedMs;
  spec.warm_mean_ms = cpu_median_ms(memory_mb) * std::exp(kSigma * kSigma / 2);
  spec.warm_p99_ms = 2 * spec.warm_mean_ms;
  return spec;
}

std::string sweep_logs(const test::LambdaLogSpec& at_512, const test::LambdaLogSpec& at_1024,
                       const test::LambdaLogSpec& at_2048) {
  return test::lambda_logs(at_512) + test::lambda_logs(at_1024) + test::lambda_logs(at_2048);
}

calibrate::CalibrateOutcome calibrate_logs(const test::TempDir& dir, const std::string& logs,
                                           const std::string& out) {
  calibrate::CalibrateOptions options;
  options.logs = {dir.write(out + ".log", logs)};
  options.platform = "aws-lambda";
  options.out_dir = dir.file(out);
  return calibrate::calibrate(options);
}

const nlohmann::json& block_of(const nlohmann::json& validation, double memory_mb) {
  for (const auto& block : validation["memory_sizes"])
    if (block["memory_mb"] == memory_mb) return block;
  FAIL("no block for " << memory_mb << " MB");
  return validation;
}

}  // namespace

TEST_CASE("calibrate::fit_memory_scaling: a + b / vcpu through the groups' medians") {
  // Medians on the law exactly: a = 20 ms, b = 200 ms at 1 vCPU, no error at any size.
  std::vector<std::pair<double, double>> medians;
  for (const int mb : {512, 1024, 2048}) medians.emplace_back(mb, kFixedMs + cpu_median_ms(mb));
  auto fit = calibrate::fit_memory_scaling(medians);
  REQUIRE(fit.fitted);
  CHECK(fit.fixed_ms == Approx(20).margin(1e-9));
  CHECK(fit.cpu_ms_vcpu == Approx(200));
  for (const auto& point : fit.points) CHECK(point.error_pct == Approx(0).margin(1e-9));
  CHECK(fit.points[0].vcpu == Approx(512.0 / 1769));
  // Two sizes: the line passes through both (the caveat validation.json states).
  fit = calibrate::fit_memory_scaling({{512, 700}, {1024, 300}});
  REQUIRE(fit.fitted);
  CHECK(fit.points[0].error_pct == Approx(0).margin(1e-9));
  CHECK(fit.points[1].error_pct == Approx(0).margin(1e-9));
  // One size, or sizes at the same capped CPU share: nothing to fit.
  CHECK_FALSE(calibrate::fit_memory_scaling({{1024, 300}}).fitted);
  CHECK_FALSE(calibrate::fit_memory_scaling({{2048, 300}, {4096, 250}}, 1769, 1).fitted);
  CHECK(calibrate::memory_scaling_json(calibrate::fit_memory_scaling({{1024, 300}})).is_null());
}

TEST_CASE("calibrate::group_by_memory: groups by size, and says whether they overlap in time") {
  // Invocations of 0 ms logged at the given second: arrival = logged.
  const auto at = [](double memory_mb, double second) {
    calibrate::LambdaInvocation call;
    call.memory_mb = memory_mb;
    call.logged_s = second;
    return call;
  };
  // 1,024 MB from 0 to 10 s, then 512 MB from 11 to 20 s: a configuration change.
  std::vector<calibrate::LambdaInvocation> calls = {at(1024, 0), at(1024, 10), at(512, 11), at(512, 20)};
  CHECK(calibrate::has_several_memory_sizes(calls));
  auto groups = calibrate::group_by_memory(calls);
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].memory_mb == 512);  // the smallest size first
  CHECK(groups[1].calls.size() == 2);
  CHECK_FALSE(calibrate::groups_overlap(groups));
  // A 512 MB invocation at 5 s, inside the 1,024 MB span: aliases served at once.
  calls.push_back(at(512, 5));
  CHECK(calibrate::groups_overlap(calibrate::group_by_memory(calls)));
  CHECK_FALSE(calibrate::has_several_memory_sizes({at(1024, 0), at(1024, 1)}));
}

TEST_CASE("calibrate::calibrate: several memory sizes are fitted apart and recovered") {
  const test::TempDir dir;
  calibrate_logs(dir, sweep_logs(size_spec(512, 0, 7), size_spec(1024, 4, 8), size_spec(2048, 8, 9)), "out");
  const auto v = nlohmann::json::parse(test::read_file(dir.file("out/validation.json")));
  INFO(v.dump(1));
  REQUIRE(v["memory_sizes"].size() == 3);
  CHECK(v["groups_in_time"] == "consecutive");
  CHECK(v["left_out"].empty());
  CHECK_FALSE(v.contains("metrics"));

  // Each size's warm median within five standard errors of the law's. A sample median's standard error is
  // sqrt(0.25 / n) / f(median); at the median of 20 + c L (c = 200 x 1769 / memory) the density is
  // 1 / (c s sqrt(2 pi)), so SE = 1.2533 s c / sqrt(n): with n = 700 warm Durations, 1.2533 x 0.32 x 691 /
  // sqrt(700) = 10.5 ms at 512 MB, 5.2 ms at 1,024 MB, 2.6 ms at 2,048 MB (n as fitted, from the
  // description).
  double max_block_error = 0;
  std::vector<double> se_ms, x, y;
  for (const int mb : {512, 1024, 2048}) {
    const auto& block = block_of(v, mb);
    const std::string name = std::to_string(mb);
    CHECK(block["candidate"] == "fitted-lambda-" + name);
    const auto scenario = nlohmann::json::parse(test::read_file(dir.file("out/scenario-" + name + ".json")));
    std::smatch match;
    const std::string description = scenario["description"].get<std::string>();
    REQUIRE(std::regex_search(description, match, std::regex("empirical from ([0-9]+) warm Durations")));
    const double warm = std::stod(match[1]);
    CHECK(warm > 300);
    const double median_ms = scenario["service"]["warm"]["percentiles_ms"]["50"].get<double>();
    const double se = 1.2533 * kSigma * cpu_median_ms(mb) / std::sqrt(warm);
    CAPTURE(mb, median_ms, se);
    CHECK(std::abs(median_ms - (kFixedMs + cpu_median_ms(mb))) <= 5 * se);
    se_ms.push_back(se);
    x.push_back(1769.0 / mb);
    y.push_back(median_ms);
    // Its held-out window: the simulated median within one observed 95% interval width (about 4 standard
    // errors, as for one size: calibration_test.cpp).
    for (const auto& m : block["metrics"])
      if (m["name"] == "latency_p50_ms")
        CHECK(std::abs(m["simulated"].get<double>() - m["observed"].get<double>()) <=
              m["observed_ci95"][1].get<double>() - m["observed_ci95"][0].get<double>());
    max_block_error = std::max(max_block_error, block["max_abs_error_pct"].get<double>());
  }
  CHECK(v["max_abs_error_pct"].get<double>() == max_block_error);

  // The scaling fit: b = sum w_i y_i with w_i = (x_i - mean x) / Sxx, a = mean y - b mean x; their standard
  // errors follow from the medians' (independent groups): SE_b^2 = sum w_i^2 SE_i^2,
  // SE_a^2 = sum (1/3 - mean x w_i)^2 SE_i^2. About 5 ms for b and 9 ms for a here.
  const auto& scaling = v["memory_scaling"];
  REQUIRE(scaling.is_object());
  const double mean_x = (x[0] + x[1] + x[2]) / 3;
  double sxx = 0;
  for (const double xi : x) sxx += (xi - mean_x) * (xi - mean_x);
  double var_b = 0, var_a = 0;
  for (size_t i = 0; i < 3; ++i) {
    const double w = (x[i] - mean_x) / sxx;
    var_b += w * w * se_ms[i] * se_ms[i];
    var_a += (1.0 / 3 - mean_x * w) * (1.0 / 3 - mean_x * w) * se_ms[i] * se_ms[i];
  }
  CAPTURE(scaling.dump(), std::sqrt(var_a), std::sqrt(var_b));
  CHECK(std::abs(scaling["cpu_ms_vcpu"].get<double>() - kCpuMs) <= 5 * std::sqrt(var_b));
  CHECK(std::abs(scaling["fixed_ms"].get<double>() - kFixedMs) <= 5 * std::sqrt(var_a));
  for (const auto& point : scaling["groups"])
    CHECK(point["fitted_ms"].get<double>() ==
          Approx(scaling["fixed_ms"].get<double>() +
                 scaling["cpu_ms_vcpu"].get<double>() / point["vcpu"].get<double>()));

  // scenario.json: one candidate per size with that size's own service; servesim run accepts it.
  const auto scenario = nlohmann::json::parse(test::read_file(dir.file("out/scenario.json")));
  REQUIRE(scenario["candidates"].size() == 3);
  const auto at_1024 = nlohmann::json::parse(test::read_file(dir.file("out/scenario-1024.json")));
  const auto& stage = scenario["candidates"][1]["stages"][0];
  CHECK(scenario["candidates"][1]["name"] == "fitted-lambda-1024");
  CHECK(stage["candidate"]["memory_mb"] == 1024);
  CHECK(stage["service"]["warm"] == at_1024["service"]["warm"]);
  CHECK_NOTHROW(app::prepare(dir.file("out/scenario.json")));
  CHECK_NOTHROW(app::prepare(dir.file("out/scenario-512.json")));
  const std::string html = test::read_file(dir.file("out/validation.html"));
  CHECK(html.find("<h2>2,048 MB (fitted-lambda-2048, scenario-2048.json)</h2>") != std::string::npos);
  CHECK(html.find("Warm median against the CPU share") != std::string::npos);
}

TEST_CASE("calibrate::calibrate: no memory size's fit sees another size or its own held-out window") {
  // Changed logs: the 512 MB function runs 3 times slower from its own split on (70% of its span), and the
  // 2,048 MB one is 3 times slower throughout. The 512 MB fit sees neither (its window, another size); the
  // 1,024 MB fit and validation are untouched by both.
  const test::TempDir dir;
  test::LambdaLogSpec slow_window = size_spec(512, 0, 7), slow_size = size_spec(2048, 8, 9);
  slow_window.slow_after_fraction = 0.7;
  slow_window.slow_factor = 3;
  slow_size.slow_after_fraction = 0;
  slow_size.slow_factor = 3;
  calibrate_logs(dir, sweep_logs(size_spec(512, 0, 7), size_spec(1024, 4, 8), size_spec(2048, 8, 9)), "same");
  calibrate_logs(dir, sweep_logs(slow_window, size_spec(1024, 4, 8), slow_size), "changed");
  for (const char* file : {"scenario-512.json", "scenario-1024.json", "requests-1024.csv"})
    CHECK(test::read_file(dir.file(std::string("same/") + file)) ==
          test::read_file(dir.file(std::string("changed/") + file)));
  CHECK(test::read_file(dir.file("same/scenario-2048.json")) !=
        test::read_file(dir.file("changed/scenario-2048.json")));
  const auto same = nlohmann::json::parse(test::read_file(dir.file("same/validation.json")));
  const auto changed = nlohmann::json::parse(test::read_file(dir.file("changed/validation.json")));
  CHECK(block_of(same, 1024) == block_of(changed, 1024));
  const auto same_scenario = nlohmann::json::parse(test::read_file(dir.file("same/scenario.json")));
  const auto changed_scenario = nlohmann::json::parse(test::read_file(dir.file("changed/scenario.json")));
  CHECK(same_scenario["candidates"][0] == changed_scenario["candidates"][0]);
  CHECK(same_scenario["candidates"][1] == changed_scenario["candidates"][1]);
  // The 512 MB validation sees its changed window: the median about 3 x 711 ms observed, 711 ms simulated.
  for (const auto& m : block_of(changed, 512)["metrics"])
    if (m["name"] == "latency_p50_ms") CHECK(m["error_pct"].get<double>() < -50);
}

TEST_CASE("calibrate::calibrate: a memory size with too few records is left out with a note") {
  const test::TempDir dir;
  // Five 128 MB records after the two fitted sizes: fewer than 10 after any split.
  std::string logs = test::lambda_logs(size_spec(512, 0, 7)) + test::lambda_logs(size_spec(1024, 4, 8));
  for (int i = 0; i < 5; ++i)
    logs += test::iso8601_ms(1796112000000 + 9 * 3600000 + i * 1000) +
            " 2026/12/01/[$LATEST]ffff REPORT RequestId: small-" + std::to_string(i) +
            "\tDuration: 3.50 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 80 MB\t\n";
  const auto outcome = calibrate_logs(dir, logs, "out");
  const auto& v = outcome.validation;
  REQUIRE(v["memory_sizes"].size() == 2);
  REQUIRE(v["left_out"].size() == 1);
  CHECK(v["left_out"][0]["memory_mb"] == 128);
  CHECK(v["left_out"][0]["invocations"] == 5);
  CHECK(v["left_out"][0]["reason"].get<std::string>().find(
            "expected at least 10 invocations after the split") != std::string::npos);
  // Two sizes: the scaling line passes through both.
  CHECK(v["memory_scaling"]["groups"][0]["error_pct"].get<double>() == Approx(0).margin(1e-6));
  const auto scenario = nlohmann::json::parse(test::read_file(dir.file("out/scenario.json")));
  CHECK(scenario["candidates"].size() == 2);
  CHECK(scenario["description"].get<std::string>().find("128 MB left out (5 records, too few to fit)") !=
        std::string::npos);

  // No size that can be fitted: the command stops.
  std::string tiny;
  for (int i = 0; i < 12; ++i)
    tiny += test::iso8601_ms(1796112000000 + i * 1000) + " s REPORT RequestId: " + std::to_string(i) +
            "\tDuration: 3.50 ms\tBilled Duration: 4 ms\tMemory Size: " + (i % 2 ? "1024" : "2048") +
            " MB\tMax Memory Used: 80 MB\t\n";
  CHECK_THROWS_WITH(
      calibrate_logs(dir, tiny, "tiny"),
      Catch::Contains("expected a Memory Size with at least 10 warm invocations in the first part "
                      "of its records and 10 after its split, got none among 1024 MB (6 records), "
                      "2048 MB (6 records)"));
}

TEST_CASE("calibrate: servesim calibrate on several memory sizes, then run and validate") {
  const test::TempDir dir;
  const std::string logs =
      dir.write("sweep.log", sweep_logs(size_spec(512, 0, 7), size_spec(1024, 4, 8), size_spec(2048, 8, 9)));
  auto result = test::run_servesim(
      "calibrate " + logs + " --platform aws-lambda --out " + dir.file("a") + " --fail-above 0.001", dir);
  CHECK(result.status == 1);  // --fail-above applies to every size
  CHECK(test::user_stderr(result.err).starts_with("servesim: calibrate: an error of "));
  CHECK(result.out.find("512 MB (fitted-lambda-512): trained on ") != std::string::npos);
  CHECK(result.out.find("2048 MB (fitted-lambda-2048): trained on ") != std::string::npos);
  CHECK(result.out.find("warm median = ") != std::string::npos);
  result = test::run_servesim("validate " + dir.file("a/scenario.json"), dir);
  CHECK(result.status == 0);
  result = test::run_servesim("run " + dir.file("a/scenario.json") + " --out " + dir.file("run") + " --quiet",
                              dir);
  CHECK(result.status == 0);
  const auto summary = nlohmann::json::parse(test::read_file(dir.file("run/summary.json")));
  CHECK(summary.dump().find("fitted-lambda-1024") != std::string::npos);
  // The bundled synthetic sweep (docs/calibrate.md, "Several memory sizes"; tests run from the source root).
  result = test::run_servesim(
      "calibrate scenarios/logs/lambda-memory-sizes-example.log --platform aws-lambda --quiet --out " +
          dir.file("bundled"),
      dir);
  CHECK(result.status == 0);
  const auto bundled = nlohmann::json::parse(test::read_file(dir.file("bundled/validation.json")));
  CHECK(bundled["memory_sizes"].size() == 3);
  CHECK(bundled["groups_in_time"] == "consecutive");
}
