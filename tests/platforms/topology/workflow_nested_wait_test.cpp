// Wait states inside a map's items and a parallel's branches, and waits until an absolute timestamp
// (platforms/topology/topology_workflow.hpp, docs/workflows.md), against hand calculations: an item or a
// branch is a chain of tasks and waits; each state of it is a transition, counted per item; Express bills the
// execution's (or an EXPRESS child's) duration, the waits included; Durable Functions bills each timer. Bad
// input gets one-line errors.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/sim_harness.hpp"

using servesim::test::candidates_error;
using servesim::test::constant_ms;
using servesim::test::cost_line;
using servesim::test::edge_list;
using servesim::test::first_result;
using servesim::test::pool_stage;
using servesim::test::TempDir;
using servesim::test::topology_scenario;
using servesim::test::workflow_stage;

namespace {

// One execution of a map over 3 items, each waiting 10 s ("pause") and then running a 100 ms task ("work").
nlohmann::json nested_map_scenario(const TempDir& dir, const std::string& engine,
                                   const nlohmann::json& map_keys = {}) {
  nlohmann::json map = {{"id", "fan"}, {"kind", "map"}, {"body", "pause"}, {"items", 3}};
  for (const auto& [k, v] : map_keys.items()) map[k] = v;
  const nlohmann::json candidate = {
      {"name", "flow"},
      {"platform", "topology"},
      {"workflow", {{"engine", engine}}},
      {"stages", {map, {{"id", "pause"}, {"kind", "wait"}, {"seconds", 10}}, pool_stage("work", 100, 1000)}},
      {"edges", edge_list({{"pause", "work"}})}};
  return topology_scenario(dir, candidate, {0.0});
}

constexpr double kNestedExpressGb = 64.0 / 1024;  // an execution's 64 MB
constexpr double kNestedExpressUsdPerGbS = 0.0000166667;

}  // namespace

TEST_CASE("platforms::TopologyModel workflow: a Wait inside a map's items", "[workflow][wait]") {
  TempDir dir;
  SECTION("Standard: 3 items of 10 s + 100 ms at once end at 10.1 s; 1 + 3 x 2 = 7 transitions") {
    const auto r = first_result(nested_map_scenario(dir, "step-functions-standard"));
    REQUIRE(r.requests.served == 1);
    CHECK(r.latency.max_s() == Approx(10.1).epsilon(1e-9));
    CHECK(r.workflow.transitions == 7);
    CHECK(cost_line(r, "workflow/transitions_usd") == Approx(7 * 0.000025).epsilon(1e-9));
    const auto& pause = workflow_stage(r, "pause");
    CHECK(pause.runs == 3);
    CHECK(pause.wait_s_sum == Approx(30).epsilon(1e-12));
    CHECK(workflow_stage(r, "work").attempts == 3);
    CHECK(workflow_stage(r, "fan").items == 3);
  }
  SECTION("MaxConcurrency 1: an item keeps its slot through its wait, 3 x 10.1 = 30.3 s") {
    const auto r =
        first_result(nested_map_scenario(dir, "step-functions-standard", {{"max_concurrency", 1}}));
    CHECK(r.latency.max_s() == Approx(30.3).epsilon(1e-9));
    CHECK(workflow_stage(r, "fan").wait_s_sum == Approx(10.1 + 20.2).epsilon(1e-9));
    CHECK(r.workflow.transitions == 7);
  }
  SECTION("a task then a wait: 0.1 + 10 = 10.1 s") {
    auto doc = nested_map_scenario(dir, "step-functions-standard");
    doc["candidates"][0]["stages"][0]["body"] = "work";
    doc["candidates"][0]["edges"] = edge_list({{"work", "pause"}});
    const auto r = first_result(doc);
    CHECK(r.latency.max_s() == Approx(10.1).epsilon(1e-9));
    CHECK(r.workflow.transitions == 7);
  }
  SECTION("Express: 10.1 s x 0.0625 GB, the waits included, and $10^-6") {
    const auto r = first_result(nested_map_scenario(dir, "step-functions-express"));
    CHECK(r.latency.max_s() == Approx(10.1).epsilon(1e-9));
    CHECK(r.workflow.billed_gb_s == Approx(10.1 * kNestedExpressGb).epsilon(1e-9));
    CHECK(cost_line(r, "workflow/duration_usd") ==
          Approx(10.1 * kNestedExpressGb * kNestedExpressUsdPerGbS).epsilon(1e-6));
    CHECK(cost_line(r, "workflow/transitions_usd") == -1);
  }
  SECTION("Durable Functions: 7 + 3 x 9 activities + 3 x 6 timers = 52 storage transactions") {
    const auto r = first_result(nested_map_scenario(dir, "durable-functions"));
    CHECK(r.latency.max_s() == Approx(10.1).epsilon(1e-9));
    CHECK(workflow_stage(r, "pause").timers == 3);
    CHECK(r.workflow.storage_transactions == Approx(52).epsilon(1e-12));
  }
  SECTION("Distributed Map of EXPRESS children: each child billed 10.1 s; only the Map state a transition") {
    const auto r = first_result(nested_map_scenario(
        dir, "step-functions-standard", {{"mode", "distributed"}, {"execution_type", "express"}}));
    CHECK(r.latency.max_s() == Approx(10.1).epsilon(1e-9));
    CHECK(r.workflow.child_executions == 3);
    CHECK(r.workflow.billed_gb_s == Approx(3 * 10.1 * kNestedExpressGb).epsilon(1e-9));
    CHECK(r.workflow.transitions == 7);  // counted; billed: the parent's Map state only
    CHECK(cost_line(r, "workflow/transitions_usd") == Approx(0.000025).epsilon(1e-9));
  }
  SECTION("Express: items waiting 400 s fail the execution at its 5-minute maximum, their timers with it") {
    auto doc = nested_map_scenario(dir, "step-functions-express");
    doc["candidates"][0]["stages"][1].erase("seconds");
    doc["candidates"][0]["stages"][1]["delay"] = constant_ms(400000);
    const auto r = first_result(doc);
    CHECK(r.requests.timed_out == 1);
    CHECK(r.workflow.failed_by_duration == 1);
    CHECK(workflow_stage(r, "work").attempts == 0);
    CHECK(r.simulated_s == Approx(300).epsilon(1e-9));
  }
}

TEST_CASE("platforms::TopologyModel workflow: a Wait inside a parallel's branch", "[workflow][wait]") {
  // Branch a waits 5 s then runs 100 ms; branch b runs 200 ms; then a 100 ms join: max(5.1, 0.2) + 0.1 =
  // 5.2 s. Transitions: the Parallel state, branch a's wait and task, branch b's task, the join: 5.
  TempDir dir;
  const nlohmann::json candidate = {{"name", "flow"},
                                    {"platform", "topology"},
                                    {"workflow", {{"engine", "step-functions-standard"}}},
                                    {"stages",
                                     {{{"id", "both"}, {"kind", "parallel"}, {"branches", {"a-pause", "b"}}},
                                      {{"id", "a-pause"}, {"kind", "wait"}, {"seconds", 5}},
                                      pool_stage("a", 100, 1000),
                                      pool_stage("b", 200, 1000),
                                      pool_stage("join", 100, 1000)}},
                                    {"edges", edge_list({{"a-pause", "a"}, {"both", "join"}})}};
  const auto r = first_result(topology_scenario(dir, candidate, {0.0}));
  REQUIRE(r.requests.served == 1);
  CHECK(r.latency.max_s() == Approx(5.2).epsilon(1e-9));
  CHECK(r.workflow.transitions == 5);
  CHECK(workflow_stage(r, "a-pause").runs == 1);
  CHECK(workflow_stage(r, "both").branches == 2);
}

TEST_CASE("platforms::TopologyModel workflow: a Wait until a timestamp", "[workflow][wait]") {
  // The run starts at 2026-12-07T08:00:00Z; executions arrive at 0, 60 and 200 s, run prepare (100 ms), wait
  // until 08:02:00 (t = 120 s; the .9 s is truncated, as Step Functions reads whole seconds), then finish
  // (200 ms): they end at 120.2, 120.2 and (the time already past: no wait) 200.3 s.
  TempDir dir;
  const nlohmann::json candidate = {
      {"name", "flow"},
      {"platform", "topology"},
      {"workflow", {{"engine", "step-functions-standard"}}},
      {"stages",
       {pool_stage("prepare", 100, 1000),
        {{"id", "pause"}, {"kind", "wait"}, {"timestamp", "2026-12-07T08:02:00.900Z"}},
        pool_stage("finish", 200, 1000)}},
      {"edges", edge_list({{"prepare", "pause"}, {"pause", "finish"}})}};
  auto doc = topology_scenario(dir, candidate, {0.0, 60.0, 200.0});
  doc["workload"]["start_utc"] = "2026-12-07T08:00:00Z";
  const auto r = first_result(doc);
  REQUIRE(r.requests.served == 3);
  CHECK(r.latency.max_s() == Approx(120.2).epsilon(1e-9));
  CHECK(r.latency.mean_s() == Approx((120.2 + 60.2 + 0.3) / 3).epsilon(1e-9));
  CHECK(workflow_stage(r, "pause").wait_s_sum == Approx(119.9 + 59.9 + 0).epsilon(1e-9));
  CHECK(r.workflow.transitions == 9);
  SECTION("the same start given with an offset: 09:00+01:00 is 08:00Z") {
    doc["workload"]["start_utc"] = "2026-12-07T09:00:00+01:00";
    CHECK(first_result(doc).latency.max_s() == Approx(120.2).epsilon(1e-9));
  }
  SECTION("without the workload's start_utc: refused") {
    doc["workload"].erase("start_utc");
    CHECK(candidates_error(doc) ==
          "test-scenario.json: /candidates/0/stages/1/timestamp: expected a workload with start_utc (the UTC "
          "time the run starts) for an absolute wait, got none");
  }
  SECTION("a timestamp that is not ISO 8601") {
    doc["candidates"][0]["stages"][1]["timestamp"] = "next Tuesday";
    CHECK(candidates_error(doc) ==
          "test-scenario.json: /candidates/0/stages/1/timestamp: expected an ISO 8601 UTC time (e.g. "
          "\"2024-08-18T17:33:00Z\"), got \"next Tuesday\"");
  }
  SECTION("a timestamp and seconds") {
    doc["candidates"][0]["stages"][1]["seconds"] = 5;
    CHECK(candidates_error(doc) ==
          "test-scenario.json: /candidates/0/stages/1/timestamp: expected either timestamp or seconds on a "
          "wait, got both");
  }
  SECTION("a start_utc that is not a time") {
    doc["workload"]["start_utc"] = 1796630400;
    CHECK(candidates_error(doc) ==
          "test-scenario.json: /workload/start_utc: expected the UTC time the run starts, ISO 8601 (e.g. "
          "\"2026-12-07T00:00:00Z\"), got 1796630400");
  }
}

TEST_CASE("platforms::TopologyModel workflow: bad chains of waits are refused", "[workflow][wait]") {
  TempDir dir;
  const std::string at = "test-scenario.json: /candidates/0/stages/0";
  SECTION("a map's body chain reached from outside the map") {
    auto doc = nested_map_scenario(dir, "step-functions-standard");
    auto& c = doc["candidates"][0];
    c["stages"].push_back(pool_stage("after", 100, 1000));
    c["edges"] = edge_list({{"pause", "work"}, {"fan", "after"}, {"after", "work"}});
    CHECK(candidates_error(doc) ==
          at + "/body: expected model, wait and split stages that only the map's items "
               "reach, got \"work\", which another stage reaches too");
  }
  SECTION("tasks_per_item with a chain") {
    auto doc = nested_map_scenario(dir, "step-functions-standard", {{"tasks_per_item", 2}});
    CHECK(candidates_error(doc) ==
          at + "/tasks_per_item: expected 1 for a body that is not a single model stage "
               "(the tasks each item runs one after another are its body's), got 2");
  }
  SECTION("a map's body that is a parallel") {
    auto doc = nested_map_scenario(dir, "step-functions-standard");
    auto& c = doc["candidates"][0];
    c["stages"][1] = {{"id", "pause"}, {"kind", "parallel"}, {"branches", {"work", "other"}}};
    c["stages"].push_back(pool_stage("other", 100, 1000));
    c["edges"] = nlohmann::json::array();
    CHECK(candidates_error(doc) ==
          at + "/body: expected the id of a model, wait or split stage (the first state each "
               "item runs), got \"pause\", a parallel");
  }
}
