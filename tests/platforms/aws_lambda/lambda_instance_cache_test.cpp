// A state store's instance cache behind AWS Lambda (docs/topology.md, "Session affinity and instance
// caches"). Lambda routes no session to an environment ("Lambda execution environment lifecycle": an
// environment may be reused for later invocations, none is chosen for a caller), but an environment that
// happens to serve a session again still holds what it kept in memory: the model tells which environment (a
// serial per environment, never reused) answered each request, and the cache hits by chance only. Worked by
// hand on request traces whose key column names the session.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "support/session_scenario.hpp"
#include "support/sim_harness.hpp"

using servesim::test::constant_ms;
using servesim::test::scenario_from;
using servesim::test::session_trace;
using servesim::test::simulate;
using servesim::test::TempDir;

namespace {

// Lambda (1,769 MB: one vCPU, the reference share) with `settings`, `service_ms` per request and no cold
// start time, as a topology's model stage "fn" followed by DynamoDB on demand with an instance cache (one
// read and one write of 4 ms each).
nlohmann::json lambda_cached_store(nlohmann::json workload, double service_ms,
                                   const nlohmann::json& settings) {
  nlohmann::json fn_candidate = {{"platform", "aws-lambda"}, {"memory_mb", 1769}};
  for (const auto& [k, v] : settings.items()) fn_candidate[k] = v;
  const nlohmann::json fn = {{"id", "fn"}, {"kind", "model"}, {"candidate", fn_candidate}};
  const nlohmann::json store = servesim::test::cached_session_store();
  return {{"seed", 5},
          {"workload", std::move(workload)},
          {"service",
           {{"warm", constant_ms(service_ms)},
            {"cold_start",
             {{"runtime_init", constant_ms(0)}, {"model_load", constant_ms(0)}, {"model_size_mb", 0}}}}},
          {"slo", {{"p99_ms", 1e6}, {"timeout_s", 1e6}}},
          {"candidates",
           {{{"name", "fn-store"},
             {"platform", "topology"},
             {"stages", {fn, store}},
             {"edges", servesim::test::edge_list({{"fn", "session"}})}}}}};
}

}  // namespace

TEST_CASE("platforms::LambdaModel: one environment serves every visit of every session: the cache hits") {
  TempDir dir;
  // Reserved concurrency 1: one environment. A at k s and B at k + 0.5 s for 10 rounds, 100 ms each, so each
  // request finds the environment idle. The first visit of A and of B reads the store; every later one finds
  // its session in the environment's memory: 18 hits, 2 misses, 2 reads, 20 writes.
  std::vector<std::pair<double, std::string>> rows;
  for (int k = 0; k < 10; ++k) {
    rows.emplace_back(k, "A");
    rows.emplace_back(k + 0.5, "B");
  }
  const auto s = simulate(
      scenario_from(lambda_cached_store(session_trace(dir, rows), 100, {{"reserved_concurrency", 1}})));
  const auto& r = s.results.at(0);
  const auto& store = r.stages.at(1);
  CHECK(r.requests.served == 20);
  CHECK(r.requests.cold_starts == 1);
  CHECK(store.instance_cache_hits == 18);
  CHECK(store.instance_cache_misses == 2);
  CHECK(store.reads == 2);
  CHECK(store.writes == 20);
  CHECK(store.reads_avoided == 18);
}

TEST_CASE("platforms::LambdaModel: an environment reclaimed after its keep-alive loses its sessions") {
  TempDir dir;
  // keep_alive_s 60: A at 0 starts environment X (miss), A at 5 finds X idle (hit); X is reclaimed at 65.1 s,
  // so A at 200 starts a new environment Z (a second cold start, a miss) and A at 230 finds Z (hit).
  const auto s = simulate(scenario_from(lambda_cached_store(
      session_trace(dir, {{0, "A"}, {5, "A"}, {200, "A"}, {230, "A"}}), 100, {{"keep_alive_s", 60}})));
  const auto& r = s.results.at(0);
  CHECK(r.requests.cold_starts == 2);
  CHECK(r.stages.at(1).instance_cache_hits == 2);
  CHECK(r.stages.at(1).instance_cache_misses == 2);
}

TEST_CASE("platforms::LambdaModel: with many environments and sessions the cache hits by chance only") {
  TempDir dir;
  // One request every 0.1 s for 2,000 s (n = 20,000), 950 ms each: request k - 10 ends 50 ms before request k
  // arrives and frees the only idle environment, so after the first 10 cold starts request k runs on
  // environment k mod 10 (N = 10, round robin). Each request's session is drawn uniformly from S = 100, by
  // the test's own generator. A visit hits when its session's previous visit ran on the same environment,
  // i.e. when the gap G back to that visit is a multiple of 10; G is geometric with p = 1/S, so
  // P(hit) = sum_j p q^(10j - 1) = p q^9 / (1 - q^10), q = 1 - p: 0.01 x 0.913517 / 0.095618 = 0.09554, just
  // under 1/N. About S visits are first visits (misses with nothing to hit), so the hits are close to
  // (n - S) x 0.09554 = 1,901; tolerance 4 binomial sigmas, 4 sqrt(19,900 x 0.0955 x 0.9045) = 166.
  std::mt19937 draw(2026);
  std::vector<std::pair<double, std::string>> rows;
  const int n = 20000, sessions = 100;
  for (int k = 0; k < n; ++k) rows.emplace_back(k / 10.0, "s" + std::to_string(draw() % sessions));
  const auto s = simulate(scenario_from(lambda_cached_store(session_trace(dir, rows), 950, {})));
  const auto& r = s.results.at(0);
  const auto& store = r.stages.at(1);
  CHECK(r.requests.served == static_cast<uint64_t>(n));
  CHECK(r.requests.cold_starts == 10);
  CHECK(store.instance_cache_hits + store.instance_cache_misses == static_cast<uint64_t>(n));
  const double q = 1 - 1.0 / sessions;
  const double p_hit = (1.0 / sessions) * std::pow(q, 9) / (1 - std::pow(q, 10));
  const double expected = (n - sessions) * p_hit;
  CHECK(std::abs(static_cast<double>(store.instance_cache_hits) - expected) <
        4 * std::sqrt((n - sessions) * p_hit * (1 - p_hit)));
  CHECK(static_cast<double>(store.instance_cache_hits) / n < 0.1 + 166.0 / n);
}
