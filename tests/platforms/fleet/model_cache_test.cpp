// The layered model cache (service.cold_start.cache): where each cold start finds the model follows from the
// layers' ttl and the worker it lands on, checked on a hand-made timeline and against the closed form for
// Poisson cold starts spread uniformly over the workers.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/input_error.hpp"
#include "support/sim_harness.hpp"

namespace {
using namespace servesim;
using nlohmann::json;

// Lambda with keep-alive `keep_alive_s`, an 85 MB model (1 s from the store at its 85 MB/s per-connection
// ceiling, plus the route's latency), a memory layer (60 s, 1,000 MB/s) and a disk layer (3,600 s,
// 100 MB/s) on `workers` hosts.
json cached_lambda(const json& workload, uint32_t workers, double keep_alive_s) {
  return {
      {"seed", 5},
      {"workload", workload},
      {"service",
       {{"warm", test::constant_ms(10)},
        {"cold_start",
         {{"model_size_mb", 85},
          {"cache",
           {{"workers", workers},
            {"layers",
             {{{"name", "memory"}, {"ttl_s", 60}, {"mb_per_s", 1000}},
              {{"name", "disk"}, {"ttl_s", 3600}, {"mb_per_s", 100}}}}}}}}}},
      {"slo", {{"p99_ms", 5000}, {"timeout_s", 60}}},
      {"candidates",
       {{{"name", "fn"}, {"platform", "aws-lambda"}, {"memory_mb", 1769}, {"keep_alive_s", keep_alive_s}}}}};
}

uint64_t source(const sim::CandidateResult& r, const std::string& name) {
  for (const auto& [n, count] : r.cold_start_sources)
    if (n == name) return count;
  FAIL("no cold-start source " << name);
  return 0;
}
}  // namespace

TEST_CASE("platforms::ModelCache: one worker, cold starts 30 s, 170 s and 4,800 s after the last one") {
  test::TempDir dir;
  // Keep-alive 10 s: every request is a cold start. Idle times of the worker: -, 30 (memory), 170 (disk),
  // 4,800 (beyond the disk's 3,600 s: the store).
  const auto s =
      test::simulate(test::scenario_from(cached_lambda(test::trace_at(dir, {0, 30, 200, 5000}), 1, 10)));
  const auto& r = s.results.at(0);
  CHECK(r.requests.cold_starts == 4);
  CHECK(source(r, "memory") == 1);
  CHECK(source(r, "disk") == 1);
  CHECK(source(r, "store") == 2);
  const double store_s = 1.0 + 4194304.0 / (2 * 85e6) + 0.010;
  CHECK(r.latency.max_s() == Approx(store_s).epsilon(0.01));                // histogram: within 1 %
  CHECK(r.latency.quantile_s(0.0) == Approx(0.085 + 0.010).epsilon(0.01));  // 85 MB at 1,000 MB/s
}

TEST_CASE("platforms::ModelCache: Poisson cold starts over W workers hit memory with 1 - exp(-ttl c / W)") {
  // Keep-alive 0: every request is a cold start, c = 2 per second over 50 workers; a worker was used within
  // the memory layer's 60 s with probability 1 - exp(-60 x 2 / 50) = 0.909, within the disk's 3,600 s almost
  // surely after the first hour.
  auto doc = cached_lambda(test::poisson(2, 7200), 50, 0);
  const auto s = test::simulate(test::scenario_from(doc));
  const auto& r = s.results.at(0);
  const double n = static_cast<double>(r.requests.cold_starts), p = 1 - std::exp(-60.0 * 2 / 50);
  REQUIRE(n > 13000);
  const double memory = static_cast<double>(source(r, "memory"));
  // The first minutes fill the workers; allow them besides 4 sigma.
  CHECK(std::abs(memory - n * p) < 4 * std::sqrt(n * p * (1 - p)) + 60);
  CHECK(source(r, "memory") + source(r, "disk") + source(r, "store") == r.requests.cold_starts);
  CHECK(source(r, "store") >= 50);  // every worker's first cold start
}

TEST_CASE("platforms::ModelCache: bad cache settings name their field") {
  test::TempDir dir;
  auto doc = cached_lambda(test::trace_at(dir, {0}), 1, 10);
  SECTION("a slower layer that forgets sooner") {
    doc["service"]["cold_start"]["cache"]["layers"][1]["ttl_s"] = 10;
    CHECK_THROWS_WITH(test::scenario_from(doc),
                      "test-scenario.json: /service/cold_start/cache/layers/1/ttl_s: "
                      "expected at least the previous (faster) layer's ttl_s 60, got 10");
  }
  SECTION("a Kubernetes candidate") {
    doc["candidates"][0] = {{"name", "k8s"}, {"platform", "kubernetes-gpu"}};
    CHECK_THROWS_AS(test::simulate(test::scenario_from(doc)), InputError);
  }
}
