// Serving patterns against hand calculations and analytical values: edge cache under Zipf popularity and a
// two-stage model cascade.
#include "advisor/patterns.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace servesim;

namespace {

sim::WorkloadSpec poisson(double rate_rps, double duration_s) {
  sim::WorkloadSpec w;
  w.kind = sim::WorkloadSpec::Kind::poisson;
  w.rate_rps = rate_rps;
  w.synthetic_duration_s = duration_s;
  return w;
}

}  // namespace

TEST_CASE("advisor::patterns: edge-cache hit ratio under Zipf matches the analytical value") {
  SECTION("unbounded cache, no TTL: 1 - E[distinct]/requests") {
    const advisor::Popularity pop{0.8, 1000, std::numeric_limits<double>::infinity()};
    const auto sim = advisor::simulate_edge_cache(poisson(50, 200), 11, pop);
    REQUIRE(sim.requests > 9000);
    const double expected = advisor::cache_hit_ratio_unbounded(0.8, 1000, sim.requests);
    // Binomial standard error ~0.004 at 10k requests.
    CHECK(sim.hit_ratio() == Approx(expected).margin(0.015));
    CHECK(expected > 0.8);
  }
  SECTION("a single item: every request but the first hits") {
    CHECK(advisor::cache_hit_ratio_unbounded(1.0, 1, 100) == Approx(0.99));
  }
  SECTION("uniform popularity, N items, R requests: 1 - N(1-(1-1/N)^R)/R by hand") {
    const double n = 500, r = 1000;
    CHECK(advisor::cache_hit_ratio_unbounded(0.0, 500, 1000) ==
          Approx(1 - n * (1 - std::pow(1 - 1 / n, r)) / r));
  }
  SECTION("TTL from insertion: x/(1+x) per item with x = rate p_i TTL") {
    const advisor::Popularity pop{1.0, 100, 1.0};
    const auto sim = advisor::simulate_edge_cache(poisson(50, 2000), 5, pop);
    const double expected = advisor::cache_hit_ratio_ttl(1.0, 100, 50, 1.0);
    CHECK(sim.hit_ratio() == Approx(expected).margin(0.01));
    CHECK(expected < advisor::cache_hit_ratio_unbounded(1.0, 100, sim.requests));
  }
}

TEST_CASE("advisor::patterns: a cascade where 70% stop at the fast stage, against the complex model alone") {
  // Hand calculation: fast stage 10 ms and $1e-6 for everyone; 30% go on to the 100 ms, $1e-5 model:
  // latency 10 + 0.3 x 100 = 40 ms (vs 100 ms, -60 ms); cost 1e-6 + 0.3 x 1e-5 = 4e-6 (vs 1e-5, -60%).
  const std::vector<advisor::CascadeStage> stages = {{"fast", 10, 1e-6, 0.7}, {"complex", 100, 1e-5, 1.0}};
  const auto a = advisor::cascade_analytical(stages);
  const auto alone = advisor::cascade_analytical({stages[1]});
  CHECK(a.mean_latency_ms == Approx(40));
  CHECK(a.mean_cost_usd == Approx(4e-6));
  CHECK(alone.mean_latency_ms - a.mean_latency_ms == Approx(60));
  CHECK(alone.mean_cost_usd - a.mean_cost_usd == Approx(6e-6));
  CHECK(a.reach_share[1] == Approx(0.3));
  const auto s = advisor::cascade_simulated(stages, 200000, 9);
  // 200k paths: the share reaching stage 2 has standard error 0.001.
  CHECK(s.mean_latency_ms == Approx(40).margin(0.5));
  CHECK(s.mean_cost_usd == Approx(4e-6).margin(5e-8));
  CHECK(s.reach_share[1] == Approx(0.3).margin(0.005));
}
