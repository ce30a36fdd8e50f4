// A workflow's Choice (a split stage), Parallel and Catch states (platforms/topology/topology_workflow.hpp,
// docs/workflows.md) against hand calculations: the Choice's exact shares, a Parallel's makespan (the
// longest branch) and transitions, a Catcher that takes over a failed task, map or parallel (the execution
// completes there, the abandoned items or branches ignored), and the one-line errors of bad input.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/sim_harness.hpp"

using servesim::test::candidates_error;
using servesim::test::constant_ms;
using servesim::test::edge_list;
using servesim::test::first_result;
using servesim::test::pool_stage;
using servesim::test::scenario_from;
using servesim::test::simulate;
using servesim::test::TempDir;
using servesim::test::trace_at;
using servesim::test::workflow_stage;

namespace {

// Executions at `times` on a Step Functions Standard workflow of `stages` and `edges`; tasks on fixed pools
// of always-on servers (no cold start), service from each stage.
nlohmann::json states_scenario(const TempDir& dir, nlohmann::json stages, nlohmann::json edges,
                               std::vector<double> times = {0.0}) {
  nlohmann::json candidate = {{"name", "flow"},
                              {"platform", "topology"},
                              {"workflow", {{"engine", "step-functions-standard"}}},
                              {"stages", std::move(stages)},
                              {"edges", std::move(edges)}};
  return {{"seed", 5},
          {"workload", trace_at(dir, times, 100)},
          {"service", {{"warm", constant_ms(1000)}}},
          {"slo", {{"p99_ms", 1e7}, {"timeout_s", 1e6}}},
          {"metrics", {{"interval_s", 2}}},
          {"candidates", {candidate}}};
}

std::vector<double> states_times(int n) {
  std::vector<double> t;
  for (int k = 0; k < n; ++k) t.push_back(10.0 * k);
  return t;
}

}  // namespace

TEST_CASE("platforms::TopologyModel workflow: a Choice (split) sends exactly its shares") {
  // 10 executions, 70/30 between a 100 ms and a 300 ms task: smooth weighted round-robin gives exactly 7 and
  // 3; makespans 0.1 s x 7 and 0.3 s x 3, mean 0.16 s; each execution enters the Choice and one task: 2
  // transitions, 20 in all.
  TempDir dir;
  nlohmann::json choice = {
      {"id", "route"}, {"kind", "split"}, {"weights", {{{"at_s", 0}, {"percent", {70, 30}}}}}};
  const auto r = first_result(
      states_scenario(dir, {choice, pool_stage("small", 100, 100000), pool_stage("large", 300, 100000)},
                      edge_list({{"route", "small"}, {"route", "large"}}), states_times(10)));
  CHECK(r.requests.served == 10);
  CHECK(r.latency.mean_s() == Approx(0.16).margin(1e-9));
  CHECK(r.workflow.transitions == 20);
  CHECK(workflow_stage(r, "route").runs == 10);
  CHECK(workflow_stage(r, "small").attempts == 7);
  CHECK(workflow_stage(r, "large").attempts == 3);
}

TEST_CASE("platforms::TopologyModel workflow: a Parallel ends with its longest branch") {
  // Branch a: a1 (100 ms) then a2 (200 ms) = 300 ms; branch b: b1 (500 ms); then join (100 ms). Makespan
  // max(300, 500) + 100 = 600 ms. Transitions: parallel, a1, a2, b1, join = 5 per execution.
  TempDir dir;
  nlohmann::json par = {{"id", "both"}, {"kind", "parallel"}, {"branches", {"a1", "b1"}}};
  const auto doc = states_scenario(dir,
                                   {par, pool_stage("a1", 100, 100000), pool_stage("a2", 200, 100000),
                                    pool_stage("b1", 500, 100000), pool_stage("join", 100, 100000)},
                                   edge_list({{"a1", "a2"}, {"both", "join"}}), states_times(4));
  const auto r = first_result(doc);
  CHECK(r.requests.served == 4);
  CHECK(r.latency.max_s() == Approx(0.6).margin(1e-9));
  CHECK(r.latency.mean_s() == Approx(0.6).margin(1e-9));
  CHECK(r.workflow.transitions == 20);
  CHECK(workflow_stage(r, "both").runs == 4);
  CHECK(workflow_stage(r, "both").branches == 8);
  CHECK(workflow_stage(r, "a2").attempts == 4);
  CHECK(workflow_stage(r, "join").attempts == 4);
}

TEST_CASE("platforms::TopologyModel workflow: a Catch takes over a failed task, map or parallel") {
  TempDir dir;
  // A 2 s task with timeout_s 1 and no retry fails at 1 s (States.Timeout).
  nlohmann::json slow = pool_stage("slow", 2000, 100000);
  slow["timeout_s"] = 1;
  SECTION("without a catch the execution fails, timed out") {
    const auto r = first_result(
        states_scenario(dir, nlohmann::json::array({slow}), nlohmann::json::array(), states_times(3)));
    CHECK(r.requests.timed_out == 3);
    CHECK(r.workflow.failed_timed_out == 3);
  }
  SECTION("a task's catch: on to the fallback (100 ms), the execution completes at 1.1 s") {
    slow["catch"] = "fallback";
    const auto r = first_result(states_scenario(dir, {slow, pool_stage("fallback", 100, 100000)},
                                                nlohmann::json::array(), states_times(3)));
    CHECK(r.requests.served == 3);
    CHECK(r.workflow.failed == 0);
    CHECK(r.latency.max_s() == Approx(1.1).margin(1e-9));
    CHECK(workflow_stage(r, "slow").caught == 3);
    CHECK(workflow_stage(r, "slow").tasks_failed == 3);
    CHECK(r.workflow.transitions == 6);  // slow, fallback
  }
  SECTION("a parallel's catch: a branch fails at 1 s, the other (3 s) runs on, ignored") {
    nlohmann::json par = {
        {"id", "both"}, {"kind", "parallel"}, {"branches", {"long", "slow"}}, {"catch", "fallback"}};
    const auto r =
        first_result(states_scenario(dir,
                                     {par, pool_stage("long", 3000, 100000), slow,
                                      pool_stage("fallback", 100, 100000), pool_stage("join", 100, 100000)},
                                     edge_list({{"both", "join"}}), states_times(3)));
    CHECK(r.requests.served == 3);
    CHECK(r.latency.max_s() == Approx(1.1).margin(1e-9));  // fallback ends the execution; join never runs
    CHECK(workflow_stage(r, "both").runs_failed == 3);
    CHECK(workflow_stage(r, "both").caught == 3);
    CHECK(workflow_stage(r, "join").attempts == 0);
    CHECK(workflow_stage(r, "long").attempts == 3);
  }
  SECTION("a map's catch: the first failed item fails the map; the other items are ignored") {
    // 4 items of 2 s with timeout_s 1, 2 at once: both fail at 1 s; the first failure fails the map
    // (tolerance 0) and the catch runs the fallback: 1.1 s. The second failure and no third item follow.
    nlohmann::json map = {{"id", "items"}, {"kind", "map"},        {"body", "slow"},
                          {"items", 4},    {"max_concurrency", 2}, {"catch", "fallback"}};
    const auto r = first_result(states_scenario(dir, {map, slow, pool_stage("fallback", 100, 100000)},
                                                nlohmann::json::array(), states_times(3)));
    CHECK(r.requests.served == 3);
    CHECK(r.latency.max_s() == Approx(1.1).margin(1e-9));
    CHECK(workflow_stage(r, "items").caught == 3);
    CHECK(workflow_stage(r, "items").runs_failed == 3);
    CHECK(workflow_stage(r, "items").items == 6);
    CHECK(r.workflow.failed_by_map == 0);
  }
}

TEST_CASE("platforms::TopologyModel workflow: bad Choice, Parallel and Catch input") {
  TempDir dir;
  auto error = [&](nlohmann::json stages, const nlohmann::json& edges) {
    return candidates_error(states_scenario(dir, std::move(stages), edges));
  };
  nlohmann::json par = {{"id", "both"}, {"kind", "parallel"}, {"branches", {"a", "b"}}};
  // A branch's first stage reached by an edge.
  CHECK_THAT(error({par, pool_stage("x", 1, 100000), pool_stage("a", 1, 100000), pool_stage("b", 1, 100000)},
                   edge_list({{"x", "both"}, {"x", "a"}})),
             Catch::Contains("/candidates/0/stages/0/branches/0: expected the first stage of a branch"));
  // A parallel inside a branch (not modelled; maps, choices, tasks and waits are).
  nlohmann::json inner = {{"id", "a"}, {"kind", "parallel"}, {"branches", {"t", "u"}}};
  CHECK_THAT(
      error({par, inner, pool_stage("t", 1, 100000), pool_stage("u", 1, 100000), pool_stage("b", 1, 100000)},
            nlohmann::json::array()),
      Catch::Contains("branches/0: expected a branch of model, wait, split and map stages (a parallel "
                      "inside a branch is not modelled), got \"a\", a parallel"));
  // A catch that leads back to its stage.
  nlohmann::json t1 = pool_stage("t1", 1, 100000);
  t1["catch"] = "t0";
  CHECK_THAT(
      error({pool_stage("t0", 1, 100000), t1}, edge_list({{"t0", "t1"}})),
      Catch::Contains("/candidates/0/stages/1/catch: expected a stage that does not lead back to \"t1\", "
                      "got \"t0\" (a loop)"));
  // A catch to an unknown stage.
  t1["catch"] = "nowhere";
  CHECK_THAT(error({pool_stage("t0", 1, 100000), t1}, edge_list({{"t0", "t1"}})),
             Catch::Contains("/candidates/0/stages/1/catch: expected a stage id (t0, t1), got \"nowhere\""));
  // Parallel and catch outside a workflow.
  auto plain = states_scenario(dir, {par, pool_stage("a", 1, 100000), pool_stage("b", 1, 100000)},
                               nlohmann::json::array());
  plain["candidates"][0].erase("workflow");
  CHECK_THAT(candidates_error(plain),
             Catch::Contains("/stages/0/kind: \"parallel\" runs only in a workflow"));
}
