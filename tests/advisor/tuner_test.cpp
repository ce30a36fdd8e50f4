// `tune` finds the cheapest Lambda memory size that meets the SLO on a cost curve computed by hand.
#include "advisor/tuner.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "core/input_error.hpp"
#include "support/sim_harness.hpp"

using namespace servesim;

TEST_CASE("advisor::tune: the cheapest memory size meeting the SLO on a CPU-bound Lambda") {
  // A single-threaded request takes 1 s on one vCPU. On m MB Lambda gives m/1769 vCPU, so below 1,769 MB the
  // duration is 1769/m s and the GB-s per request m/1024 x 1769/m is flat; above it the duration stays 1 s
  // (parallel_fraction 0) and cost grows with m. The 1,500 ms SLO needs m >= 1179.3 MB: on the grid, 1,024 MB
  // (1,727.5 ms) misses, 1,536 MB (1,151.7 ms -> billed 1,152 ms x 1.5 GB) is the cheapest that meets it,
  // 2,048 MB costs 1,000 ms x 2 GB.
  nlohmann::json doc = {
      {"seed", 5},
      {"workload", {{"type", "poisson"}, {"rate_rps", 2}, {"duration_s", 300}}},
      {"service", {{"warm", {{"type", "constant"}, {"value_ms", 1000}}}, {"parallel_fraction", 0}}},
      {"slo", {{"p99_ms", 1500}, {"timeout_s", 30}}},
      {"candidates", {{{"platform", "aws-lambda"}, {"timeout_s", 30}}}}};
  const auto sc = test::scenario_from(doc);
  const auto r = advisor::tune(sc, "aws-lambda");
  REQUIRE(r.keys == std::vector<std::string>{"memory_mb"});
  REQUIRE(r.points.size() == 14);
  REQUIRE(r.best.has_value());
  const auto& best = r.points[*r.best];
  CHECK(best.swept.at("memory_mb") == 1536);
  const double n = static_cast<double>(best.arrived);
  const double price = 0.0000166667, per_request = 0.2e-6;
  CHECK(best.cost_usd == Approx(n * (1.152 * 1.5 * price + per_request)).epsilon(0.001));
  CHECK(best.p99_ms == Approx(1151.7).epsilon(0.011));
  for (const auto& p : r.points) {
    if (p.swept.at("memory_mb") < 1536) CHECK_FALSE(p.meets_slo);
    if (p.swept.at("memory_mb") > 1536) CHECK(p.cost_usd > best.cost_usd);
  }
  SECTION("the curve as CSV with units in the header") {
    const auto csv = advisor::tune_csv(r);
    CHECK_THAT(csv, Catch::StartsWith("memory_mb [MB],cost [USD],p50 [ms],p99 [ms]"));
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 15);
  }
  SECTION("bad keys are InputErrors") {
    CHECK_THROWS_WITH(advisor::tune(sc, "aws-lambda", {"concurrency"}),
                      Catch::Contains("concurrency is not sweepable on aws-lambda"));
    CHECK_THROWS_AS(advisor::tune(sc, "no-such-platform"), InputError);
  }
}
