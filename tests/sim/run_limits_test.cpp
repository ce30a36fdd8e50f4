// The work estimate and the run limits: computed without materialising arrivals, refused with the numbers.
#include "sim/run_limits.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>

#include "core/input_error.hpp"
#include "sim/arrival_source.hpp"
#include "support/sim_harness.hpp"

using servesim::InputError;
using servesim::sim::check_run_limits;
using servesim::sim::estimate_work;
using servesim::sim::RunLimits;
using servesim::sim::Scenario;
using servesim::test::TempDir;

namespace {

Scenario scenario_with(const nlohmann::json& workload, double interval_s = 60) {
  const nlohmann::json doc = {{"workload", workload},
                              {"service", {{"warm", {{"type", "constant"}, {"value_ms", 20}}}}},
                              {"metrics", {{"interval_s", interval_s}}},
                              {"candidates", {{{"platform", "aws-lambda"}, {"memory_mb", 1024}}}}};
  return servesim::sim::parse_scenario(doc, "s.json", ".");
}

std::string refusal(const Scenario& sc, const RunLimits& limits = {}) {
  try {
    check_run_limits(estimate_work(sc, true), limits, sc.file);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("sim::run_limits: synthetic arrivals are integrated, not generated") {
  SECTION("1e9 requests/s for 1e10 s is refused at once with the numbers") {
    const auto start = std::chrono::steady_clock::now();
    const std::string message =
        refusal(scenario_with({{"type", "poisson"}, {"rate_rps", 1e9}, {"duration_s", 1e10}}));
    CHECK(
        message ==
        "s.json: /workload: the run implies 1e+19 arrivals (a mean 1e+09 requests/s over 1e+10 s), more than "
        "--max-arrivals 1000000000 (raise it to run this anyway)");
    // Not a timing test: a generated count would take centuries, so any answer at all shows it is computed.
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::minutes(1));
  }
  SECTION("the integrals match the counted arrivals within 5 standard deviations") {
    const nlohmann::json shapes[] = {
        {{"type", "poisson"}, {"rate_rps", 50}, {"duration_s", 400}},
        {{"type", "diurnal"}, {"rate_rps", 50}, {"duration_s", 700}, {"period_s", 1000}, {"amplitude", 0.9}},
        {{"type", "spike"},
         {"base_rps", 20},
         {"duration_s", 500},
         {"spike_start_s", 100},
         {"ramp_s", 50},
         {"spike_duration_s", 200},
         {"spike_factor", 8}}};
    for (const auto& shape : shapes) {
      const Scenario sc = scenario_with(shape);
      const double expected = estimate_work(sc, true).arrivals;
      const double counted = static_cast<double>(servesim::sim::count_arrivals(sc.workload, 3));
      INFO(shape.dump() << ": expected " << expected << ", counted " << counted);
      CHECK(std::fabs(counted - expected) < 5 * std::sqrt(expected));
    }
  }
}

TEST_CASE("sim::run_limits: traces are counted by rows and seconds, then multiplied by the scale") {
  TempDir dir;
  SECTION("a 2-row request trace with scale 1e9 is refused without making its copies") {
    const std::string trace = dir.write("t.csv", "TIMESTAMP\n0.5\n1.5\n");
    const Scenario sc = scenario_with({{"type", "request_trace"}, {"path", trace}, {"scale", 1e9}});
    CHECK(refusal(sc) ==
          "s.json: /workload: the run implies 2000000000 arrivals (2 rows x scale 1e+09), more than "
          "--max-arrivals 1000000000 (raise it to run this anyway)");
    CHECK(estimate_work(sc, true).arrivals == 2e9);
  }
  SECTION("a rate trace is refused by its scaled per-second counts, never placed") {
    const std::string trace = dir.write("r.txt", "3 4 5 6");
    const Scenario sc = scenario_with({{"type", "rate_trace"}, {"path", trace}, {"scale", 1e6}});
    CHECK(
        refusal(sc, RunLimits{1e7, 2048}) ==
        "s.json: /workload: the run implies 18000000 arrivals (the trace over 4 s x scale 1e+06), more than "
        "--max-arrivals 10000000 (raise it to run this anyway)");
  }
  SECTION("a rate trace: the exact count and its seconds") {
    const std::string trace = dir.write("r.txt", "3 4 5 6");
    const auto work = estimate_work(scenario_with({{"type", "rate_trace"}, {"path", trace}}, 1), true);
    CHECK(work.arrivals == 18);
    CHECK(work.simulated_s == 4);
    CHECK(work.timeseries_rows == 4);
  }
  SECTION("a tiny trace with a huge declared duration is refused for its output") {
    const std::string trace = dir.write("r.txt", "3 4 5 6");
    const Scenario sc = scenario_with({{"type", "rate_trace"}, {"path", trace}, {"duration_s", 1e9}}, 1);
    CHECK_THAT(refusal(sc), Catch::StartsWith("s.json: /metrics/interval_s: the run writes about "));
    CHECK_THAT(refusal(sc), Catch::Contains(" MB (1000000000 rows of timeseries.csv over 1e+09 s), more than "
                                            "--max-output-mb 2048 (raise it, or metrics.interval_s)"));
    CHECK(refusal(sc, RunLimits{1e9, 1e6}).empty());
  }
}
