// Choice and Map states inside a parallel's branch, and a Choice inside a map's items
// (platforms/topology/topology_workflow.hpp, docs/workflows.md), against hand calculations: each state of a
// branch or an item is priced as at the top level (Standard: one transition per state entered, per branch
// and per item; Express: the execution's duration; Durable Functions: 9 storage transactions per activity,
// none for a Choice or a Map state). What stays unmodelled inside a branch or an item is refused.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/sim_harness.hpp"

using servesim::test::candidates_error;
using servesim::test::cost_line;
using servesim::test::edge_list;
using servesim::test::first_result;
using servesim::test::pool_stage;
using servesim::test::TempDir;
using servesim::test::topology_scenario;
using servesim::test::workflow_stage;

namespace {

nlohmann::json nest_split(const std::string& id, double first_percent) {
  return {{"id", id},
          {"kind", "split"},
          {"weights", {{{"at_s", 0}, {"percent", {first_percent, 100 - first_percent}}}}}};
}

// A parallel of two branches: "choose" (a Choice, 70% to a 100 ms task "fast", 30% to a 500 ms task "slow")
// and "fan" (a Map over 3 items of a 100 ms task "item", MaxConcurrency 1). 10 executions, 10 s apart (none
// overlaps another).
nlohmann::json nest_parallel_scenario(const TempDir& dir, const std::string& engine) {
  const nlohmann::json candidate = {
      {"name", "flow"},
      {"platform", "topology"},
      {"workflow", {{"engine", engine}}},
      {"stages",
       {{{"id", "both"}, {"kind", "parallel"}, {"branches", {"choose", "fan"}}},
        nest_split("choose", 70),
        pool_stage("fast", 100, 1000),
        pool_stage("slow", 500, 1000),
        {{"id", "fan"}, {"kind", "map"}, {"body", "item"}, {"items", 3}, {"max_concurrency", 1}},
        pool_stage("item", 100, 1000)}},
      {"edges", edge_list({{"choose", "fast"}, {"choose", "slow"}})}};
  std::vector<double> times;
  for (int i = 0; i < 10; ++i) times.push_back(10.0 * i);
  return topology_scenario(dir, candidate, times);
}

constexpr double kNestGb = 64.0 / 1024;  // an Express execution's 64 MB
constexpr double kNestUsdPerGbS = 0.0000166667;

}  // namespace

TEST_CASE("platforms::TopologyModel workflow: a Choice and a Map inside a parallel's branches",
          "[workflow][nested]") {
  // Branch "fan" runs its 3 items one at a time: 3 x 0.1 = 0.3 s. Branch "choose" takes 0.1 s (fast) or 0.5 s
  // (slow). The parallel ends with its longer branch: 0.3 s after a fast choice, 0.5 s after a slow one.
  // The Choice is the topology split (docs/topology.md): smooth weighted round-robin, no random draw, so
  // 70/30 of 10 executions is exactly 7 fast and 3 slow (a Bernoulli(0.7) draw would give 7 +- 1.45, one
  // standard deviation sqrt(10 x 0.7 x 0.3); the tolerance here is 0).
  // Transitions per execution: the Parallel 1, branch "choose" 2 (the Choice, the task it picks), branch
  // "fan" 4 (the Map, its 3 items): 7; 70 for 10.
  TempDir dir;
  SECTION("Standard: 7 fast and 3 slow, makespans 0.3 and 0.5 s, 70 transitions") {
    const auto r = first_result(nest_parallel_scenario(dir, "step-functions-standard"));
    REQUIRE(r.requests.served == 10);
    CHECK(workflow_stage(r, "fast").attempts == 7);
    CHECK(workflow_stage(r, "slow").attempts == 3);
    CHECK(workflow_stage(r, "choose").runs == 10);
    CHECK(r.latency.max_s() == Approx(0.5).epsilon(1e-9));
    CHECK(r.latency.mean_s() == Approx((7 * 0.3 + 3 * 0.5) / 10).epsilon(1e-9));
    const auto& fan = workflow_stage(r, "fan");
    CHECK(fan.runs == 10);
    CHECK(fan.items == 30);
    CHECK(fan.concurrency_peak == 1);
    // Items 2 and 3 wait 0.1 and 0.2 s for the one slot: 0.3 s per execution.
    CHECK(fan.wait_s_sum == Approx(10 * 0.3).epsilon(1e-9));
    CHECK(r.workflow.transitions == 70);
    CHECK(cost_line(r, "workflow/transitions_usd") == Approx(70 * 0.000025).epsilon(1e-9));
  }
  SECTION("Express: the executions' duration, 7 x 0.3 + 3 x 0.5 = 3.6 s at 0.0625 GB, and 10 x $10^-6") {
    const auto r = first_result(nest_parallel_scenario(dir, "step-functions-express"));
    REQUIRE(r.requests.served == 10);
    CHECK(r.workflow.billed_gb_s == Approx(3.6 * kNestGb).epsilon(1e-9));
    CHECK(cost_line(r, "workflow/duration_usd") == Approx(3.6 * kNestGb * kNestUsdPerGbS).epsilon(1e-6));
    CHECK(cost_line(r, "workflow/requests_usd") == Approx(10 * 0.000001).epsilon(1e-9));
    CHECK(cost_line(r, "workflow/transitions_usd") == -1);
  }
  SECTION("Durable Functions: 7 per orchestration + 4 activities x 9 = 43 transactions, 430 for 10") {
    const auto r = first_result(nest_parallel_scenario(dir, "durable-functions"));
    REQUIRE(r.requests.served == 10);
    CHECK(r.workflow.storage_transactions == Approx(430).epsilon(1e-12));
  }
}

TEST_CASE("platforms::TopologyModel workflow: a Choice inside a map's items", "[workflow][nested]") {
  // One execution; a Map over 10 items, all at once; each item's first state is a Choice ("pick", 50/50) to
  // "small" (100 ms) or "large" (200 ms), both going on to "save" (50 ms). Round-robin: 5 and 5. Makespan:
  // 0.2 + 0.05 = 0.25 s. Transitions: the Map 1 + 10 items x 3 states (Choice, task, save) = 31.
  TempDir dir;
  const nlohmann::json candidate = {
      {"name", "flow"},
      {"platform", "topology"},
      {"workflow", {{"engine", "step-functions-standard"}}},
      {"stages",
       {{{"id", "fan"}, {"kind", "map"}, {"body", "pick"}, {"items", 10}},
        nest_split("pick", 50),
        pool_stage("small", 100, 1000),
        pool_stage("large", 200, 1000),
        pool_stage("save", 50, 1000)}},
      {"edges", edge_list({{"pick", "small"}, {"pick", "large"}, {"small", "save"}, {"large", "save"}})}};
  const auto r = first_result(topology_scenario(dir, candidate, {0.0}));
  REQUIRE(r.requests.served == 1);
  CHECK(workflow_stage(r, "pick").runs == 10);
  CHECK(workflow_stage(r, "small").attempts == 5);
  CHECK(workflow_stage(r, "large").attempts == 5);
  CHECK(workflow_stage(r, "save").attempts == 10);
  CHECK(r.latency.max_s() == Approx(0.25).epsilon(1e-9));
  CHECK(r.workflow.transitions == 31);
}

TEST_CASE("platforms::TopologyModel workflow: a failed map inside a branch fails its parallel",
          "[workflow][nested]") {
  // Branch "fan": a Map over 2 items at once on one server with no queue: the second is dropped at once
  // (no retry), more than 0% failed, so the Map fails, the branch with it, and the Parallel (Step Functions:
  // a failed branch fails the Parallel state). Branch "other" runs a 100 ms task.
  TempDir dir;
  nlohmann::json candidate = {{"name", "flow"},
                              {"platform", "topology"},
                              {"workflow", {{"engine", "step-functions-standard"}}},
                              {"stages",
                               {{{"id", "both"}, {"kind", "parallel"}, {"branches", {"fan", "other"}}},
                                {{"id", "fan"}, {"kind", "map"}, {"body", "item"}, {"items", 2}},
                                pool_stage("item", 100, 1, 0),
                                pool_stage("other", 100, 1000),
                                pool_stage("rescue", 100, 1000)}},
                              {"edges", nlohmann::json::array()}};
  SECTION("without a catch: the execution fails, dropped, counted under the map's tolerance") {
    candidate["stages"].erase(4);
    const auto r = first_result(topology_scenario(dir, candidate, {0.0}));
    CHECK(r.requests.dropped == 1);
    CHECK(r.requests.served == 0);
    CHECK(r.workflow.failed_by_map == 1);
    CHECK(workflow_stage(r, "fan").runs_failed == 1);
    CHECK(workflow_stage(r, "both").runs_failed == 1);
  }
  SECTION("the parallel's catch takes it on: served at 0.1 s by \"rescue\"") {
    candidate["stages"][0]["catch"] = "rescue";
    const auto r = first_result(topology_scenario(dir, candidate, {0.0}));
    REQUIRE(r.requests.served == 1);
    CHECK(r.latency.max_s() == Approx(0.1).epsilon(1e-9));
    CHECK(r.workflow.failed_by_map == 0);
    CHECK(workflow_stage(r, "both").caught == 1);
  }
}

TEST_CASE("platforms::TopologyModel workflow: states that cannot be nested are refused",
          "[workflow][nested]") {
  TempDir dir;
  const std::string at = "test-scenario.json: /candidates/0/stages/0";
  nlohmann::json candidate = {{"name", "flow"},
                              {"platform", "topology"},
                              {"workflow", {{"engine", "step-functions-standard"}}},
                              {"stages",
                               {{{"id", "both"}, {"kind", "parallel"}, {"branches", {"a", "b"}}},
                                pool_stage("a", 100, 1000),
                                pool_stage("b", 100, 1000),
                                {{"id", "fan"}, {"kind", "map"}, {"body", "item"}, {"items", 2}},
                                pool_stage("item", 100, 1000)}},
                              {"edges", edge_list({{"a", "fan"}})}};
  SECTION("a parallel inside a branch") {
    candidate["stages"][3] = {{"id", "fan"}, {"kind", "parallel"}, {"branches", {"item", "x"}}};
    candidate["stages"].push_back(pool_stage("x", 100, 1000));
    CHECK(candidates_error(topology_scenario(dir, candidate, {0.0})) ==
          at + "/branches/0: expected a branch of model, wait, split and map stages (a parallel inside a "
               "branch is not modelled), got \"fan\", a parallel");
  }
  SECTION("a map inside a map's items") {
    candidate["stages"][0] = {{"id", "outer"}, {"kind", "map"}, {"body", "a"}, {"items", 2}};
    candidate["stages"][2] = pool_stage("z", 100, 1000);
    candidate["edges"] = edge_list({{"outer", "z"}, {"a", "fan"}});
    CHECK(candidates_error(topology_scenario(dir, candidate, {0.0})) ==
          at + "/body: expected model, wait and split stages that only the map's items reach, got \"fan\", a "
               "map");
  }
  SECTION("a catch on a map inside a branch") {
    candidate["stages"][3]["catch"] = "b";
    CHECK(
        candidates_error(topology_scenario(dir, candidate, {0.0})) ==
        "test-scenario.json: /candidates/0/stages/3/catch: not used inside a parallel's branch (the parallel "
        "fails, and its catch applies)");
  }
}
