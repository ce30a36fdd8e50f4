// Training topologies (platforms/topology/topology_training.hpp, docs/training.md) against hand
// calculations: a GPU step of g seconds fed by preprocessing tasks of p seconds each. One producer without
// prefetch alternates with the GPU (idle share p / (p + g), makespan steps x (p + g)); k producers with
// p / k <= g and a prefetch buffer leave the GPU idle only for the first fill (p). Also the pool's bill,
// jobs queued first come first served, a Lambda function whose reserved concurrency throttles the fan-out
// (retried per the stage's Retrier, or failing the job without one), and the one-line errors of bad input.
#include <catch2/catch.hpp>

#include "platforms/catalog.hpp"
#include "platforms/kubernetes_gpu/kubernetes_gpu_platform.hpp"
#include "support/sim_harness.hpp"

using servesim::test::candidates_error;
using servesim::test::constant_ms;
using servesim::test::cost_line;
using servesim::test::first_result;
using servesim::test::scenario_from;
using servesim::test::simulate;
using servesim::test::TempDir;
using servesim::test::trace_at;

namespace {

// Jobs arriving at `times` (a request trace), an SLO and a client timeout that never bite.
nlohmann::json tr_scenario(const TempDir& dir, nlohmann::json candidate, std::vector<double> times = {0.0}) {
  return {{"seed", 7},
          {"workload", trace_at(dir, times, times.back() + 1)},
          {"service", {{"warm", constant_ms(1000)}}},
          {"slo", {{"p99_ms", 1e9}, {"timeout_s", 1e6}}},
          {"metrics", {{"interval_s", 10}}},
          {"candidates", {candidate}}};
}

// A training topology: jobs of `steps` steps of step_s on the GPU pool, fed by shards of shard_ms each on an
// always-on fixed pool (no cold start, no queue limit: the training's max_concurrency is the only limit).
nlohmann::json tr_candidate(uint64_t steps, double step_s, double shard_ms, uint32_t max_concurrency,
                            uint32_t prefetch_shards) {
  return {{"name", "train"},
          {"platform", "topology"},
          {"training",
           {{"steps", steps},
            {"step_s", step_s},
            {"max_concurrency", max_concurrency},
            {"prefetch_shards", prefetch_shards},
            {"price_usd_per_node_hour", 3.6}}},
          {"stages",
           {{{"id", "preprocess"},
             {"kind", "model"},
             {"candidate", {{"platform", "fixed-pool"}, {"servers", 100000}, {"queue_capacity", 1000000}}},
             {"service", {{"warm", constant_ms(shard_ms)}}}}}}};
}

}  // namespace

TEST_CASE("platforms::TopologyModel training: one producer without prefetch alternates with the GPU") {
  TempDir dir;
  SECTION("p = 2 s, g = 1 s, 3 steps: idle share p / (p + g) = 2/3, makespan 3 x (2 + 1) = 9 s") {
    // Shard 1 from 0 to 2, step 1 from 2 to 3 (holding the buffer's one slot), shard 2 from 3 to 5, step 2
    // from 5 to 6, shard 3 from 6 to 8, step 3 from 8 to 9.
    const auto r = first_result(tr_scenario(dir, tr_candidate(3, 1.0, 2000, 1, 0)));
    const auto& t = r.training;
    REQUIRE(t.present);
    CHECK(r.requests.arrived == 1);
    CHECK(r.requests.served == 1);
    CHECK(t.completed == 1);
    CHECK(t.steps == 3);
    CHECK(t.shards == 3);
    CHECK(r.latency.max_s() == Approx(9).margin(1e-9));
    CHECK(t.busy_s == Approx(3).margin(1e-9));
    CHECK(t.waiting_for_data_s == Approx(6).margin(1e-9));
    CHECK(t.no_job_s == 0);
    CHECK(t.held_s == Approx(9).margin(1e-9));
    CHECK((t.waiting_for_data_s + t.no_job_s) / t.held_s == Approx(2.0 / 3).epsilon(1e-12));
  }
  SECTION("p = 0.5 s, g = 1 s, 4 steps: idle share 1/3, makespan 4 x 1.5 = 6 s") {
    const auto r = first_result(tr_scenario(dir, tr_candidate(4, 1.0, 500, 1, 0)));
    CHECK(r.latency.max_s() == Approx(6).margin(1e-9));
    CHECK(r.training.waiting_for_data_s / r.training.held_s == Approx(1.0 / 3).epsilon(1e-12));
  }
  SECTION("more producers do not help without prefetch: the buffer holds one shard") {
    // 4 producers, buffer 1 + 0: one task at a time, as with one producer: 3 x 3 = 9 s.
    const auto r = first_result(tr_scenario(dir, tr_candidate(3, 1.0, 2000, 4, 0)));
    CHECK(r.latency.max_s() == Approx(9).margin(1e-9));
    CHECK(r.training.concurrency_peak == 1);
  }
  SECTION("2 shards per step, 1 producer: 3 x (2 x 2 + 1) = 15 s") {
    auto c = tr_candidate(3, 1.0, 2000, 1, 0);
    c["training"]["shards_per_step"] = 2;
    const auto r = first_result(tr_scenario(dir, c));
    CHECK(r.latency.max_s() == Approx(15).margin(1e-9));
    CHECK(r.training.shards == 6);
    CHECK(r.training.busy_s == Approx(3).margin(1e-9));
  }
}

TEST_CASE(
    "platforms::TopologyModel training: k producers with p / k <= g idle the GPU only for the first fill") {
  TempDir dir;
  SECTION("k = 4, p = 4 s, g = 1 s, prefetch 4, 8 steps: idle 4 s (p), makespan 4 + 8 x 1 = 12 s") {
    // 0-4: four shards. 4: step 1 starts, one more task (buffer 1 + 4: 1 held + 3 ready + 1 sent); each
    // step end frees a slot for another task, whose shard is ready 4 s later, when the GPU has used the 3
    // ready ones (p / k = 1 s = g): steps run back to back from 4 to 12.
    const auto r = first_result(tr_scenario(dir, tr_candidate(8, 1.0, 4000, 4, 4)));
    const auto& t = r.training;
    CHECK(r.latency.max_s() == Approx(12).margin(1e-9));
    CHECK(t.busy_s == Approx(8).margin(1e-9));
    CHECK(t.waiting_for_data_s == Approx(4).margin(1e-9));
    CHECK(t.concurrency_peak == 4);
  }
  SECTION("k = 8 (p / k = 0.5 s < g): still 4 s idle, makespan 12 s") {
    const auto r = first_result(tr_scenario(dir, tr_candidate(8, 1.0, 4000, 8, 8)));
    CHECK(r.latency.max_s() == Approx(12).margin(1e-9));
    CHECK(r.training.waiting_for_data_s == Approx(4).margin(1e-9));
  }
  SECTION("k = 2 (p / k = 2 s > g): the producers set the pace: idle p + 3 x (p - k g) = 10 s") {
    // Pairs of shards ready at 4, 8, 12, 16; the last pair's two steps run 16-18: makespan 18 s, busy 8 s.
    const auto r = first_result(tr_scenario(dir, tr_candidate(8, 1.0, 4000, 2, 4)));
    CHECK(r.latency.max_s() == Approx(18).margin(1e-9));
    CHECK(r.training.waiting_for_data_s == Approx(10).margin(1e-9));
  }
}

TEST_CASE("platforms::TopologyModel training: jobs queue first come first served and the pool's bill") {
  TempDir dir;
  SECTION("two jobs at 0 and 1 s: the second runs 9-18 s, makespan 17 s; 2 nodes x $3.6/h x 18 s") {
    auto c = tr_candidate(3, 1.0, 2000, 1, 0);
    c["training"]["nodes"] = 2;
    const auto r = first_result(tr_scenario(dir, c, {0.0, 1.0}));
    CHECK(r.requests.served == 2);
    CHECK(r.latency.max_s() == Approx(17).margin(1e-9));
    CHECK(r.training.held_s == Approx(18).margin(1e-9));
    CHECK(r.training.no_job_s == 0);
    // 2 x 3.6 x 18 / 3600 = $0.036.
    CHECK(r.training.gpu_cost_usd == Approx(0.036).epsilon(1e-12));
    CHECK(cost_line(r, "training/gpu_nodes_usd") == Approx(0.036).epsilon(1e-12));
  }
  SECTION("jobs at 0 and 20 s: the pool is held 0-29 s, 11 s of it with no job") {
    const auto r = first_result(tr_scenario(dir, tr_candidate(3, 1.0, 2000, 1, 0), {0.0, 20.0}));
    CHECK(r.latency.max_s() == Approx(9).margin(1e-9));
    CHECK(r.training.held_s == Approx(29).margin(1e-9));
    CHECK(r.training.no_job_s == Approx(11).margin(1e-9));
    CHECK(r.training.waiting_for_data_s == Approx(12).margin(1e-9));
    CHECK(r.training.busy_s == Approx(6).margin(1e-9));
    CHECK(r.training.gpu_cost_usd == Approx(3.6 * 29 / 3600).epsilon(1e-12));
  }
  SECTION("a node type takes its GPUs and on-demand price from the kubernetes-gpu catalogue") {
    auto c = tr_candidate(3, 1.0, 2000, 1, 0);
    c["training"].erase("price_usd_per_node_hour");
    c["training"]["node_type"] = "p4d.24xlarge";
    const auto r = first_result(tr_scenario(dir, c));
    const auto* k8s = servesim::platforms::find_platform(servesim::platforms::kKubernetesGpuPlatform);
    REQUIRE(k8s);
    const auto* price_parameter = k8s->find("price_usd_per_h_p4d_24xlarge");
    const double price = price_parameter->value.get<double>();
    CHECK(r.training.gpus == 8);  // p4d.24xlarge: 8 x A100
    CHECK(r.training.price_usd_per_node_hour == price);
    CHECK(r.training.gpu_cost_usd == Approx(price * 9 / 3600).epsilon(1e-12));
    // Its source goes with it: "<status>: <source>" of the catalogue's price.
    CHECK(r.training.price_source == price_parameter->status + ": " + price_parameter->source);
  }
}

TEST_CASE(
    "platforms::TopologyModel training: a Lambda function's reserved concurrency throttles the fan-out") {
  // max_concurrency 4 against reserved concurrency 2: at 0 s two tasks start and two are refused at once
  // (HTTP 429); the Retrier sends them again 0.5 s later, and so on, never more than 2 running.
  TempDir dir;
  auto candidate = [](bool retry) {
    nlohmann::json stage = {
        {"id", "preprocess"},
        {"kind", "model"},
        {"candidate", {{"platform", "aws-lambda"}, {"memory_mb", 1769}, {"reserved_concurrency", 2}}},
        {"service", {{"warm", constant_ms(1000)}}}};
    if (retry) stage["retry"] = {{"interval_s", 0.5}, {"max_attempts", 20}, {"backoff_rate", 1}};
    return nlohmann::json{
        {"name", "lambda"},
        {"platform", "topology"},
        {"training", {{"steps", 8}, {"step_s", 0.25}, {"max_concurrency", 4}, {"prefetch_shards", 8}}},
        {"stages", {stage}}};
  };
  SECTION("retried: the job completes; every throttle is a retry") {
    const auto run = simulate(scenario_from(tr_scenario(dir, candidate(true))));
    const auto& r = run.results[0];
    const auto& t = r.training;
    CHECK(r.requests.served == 1);
    CHECK(t.task_throttles >= 2);
    CHECK(t.task_retries == t.task_throttles);
    CHECK(t.task_attempts == t.shards + t.task_retries);
    CHECK(t.shards == 8);
    CHECK(r.instances_peak <= 2);
    // Same scenario, same seed: the same run.
    const auto again = simulate(scenario_from(tr_scenario(dir, candidate(true))));
    CHECK(again.results[0].training.task_throttles == t.task_throttles);
    CHECK(again.results[0].latency.max_s() == r.latency.max_s());
  }
  SECTION("not retried (no retry): the first throttle fails the job, counted throttled") {
    const auto r = first_result(tr_scenario(dir, candidate(false), {0.0, 100.0}));
    CHECK(r.requests.arrived == 2);
    CHECK(r.requests.throttled == 2);
    CHECK(r.requests.served == 0);
    CHECK(r.training.failed_throttled == 2);
    CHECK(r.training.steps == 0);
  }
}

TEST_CASE("platforms::TopologyModel training: bad input gives one-line errors") {
  TempDir dir;
  auto error_of = [&](const nlohmann::json& candidate) {
    return candidates_error(tr_scenario(dir, candidate));
  };
  auto c = tr_candidate(3, 1.0, 2000, 1, 0);
  SECTION("no steps") {
    c["training"].erase("steps");
    CHECK(error_of(c).find("/candidates/0/training/steps: missing") != std::string::npos);
  }
  SECTION("an unknown node type") {
    c["training"]["node_type"] = "a100.box";
    CHECK(error_of(c).find("/candidates/0/training/node_type: expected one of") != std::string::npos);
  }
  SECTION("two stages") {
    c["stages"].push_back(c["stages"][0]);
    c["stages"][1]["id"] = "more";
    CHECK(error_of(c).find("/candidates/0/stages: expected 1 stage in a training topology") !=
          std::string::npos);
  }
  SECTION("a stage that is no model") {
    c["stages"][0] = {{"id", "cache"}, {"kind", "edge-cache"}, {"catalogue_items", 10}};
    CHECK(error_of(c).find("/candidates/0/stages/0/kind: expected \"model\" in a training topology") !=
          std::string::npos);
  }
  SECTION("workflow and training") {
    c["workflow"] = {{"engine", "step-functions-standard"}};
    CHECK(error_of(c).find("/candidates/0/training: expected either \"workflow\" or \"training\"") !=
          std::string::npos);
  }
}
