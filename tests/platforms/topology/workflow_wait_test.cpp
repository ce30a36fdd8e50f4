// A workflow's wait stage (a Step Functions Wait state, a Durable Functions durable timer;
// platforms/topology/topology_workflow.hpp, docs/workflows.md) against hand calculations: the makespan grows
// by the wait and no task runs; Standard bills the one transition of entering it whatever its length; Express
// bills the execution's duration, the wait included, at its GB-s price; Durable Functions bills a timer's
// storage transactions, a wait longer than the 3-day timer interval being several timers. Bad input gets
// one-line errors.
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

// Executions at `times` of prepare (100 ms) -> `wait` -> finish (200 ms) on `engine`; tasks on fixed pools of
// always-on servers (no cold start, no cost).
nlohmann::json wait_scenario(const TempDir& dir, const std::string& engine, const nlohmann::json& wait,
                             std::vector<double> times = {0.0}) {
  nlohmann::json pause = wait;
  pause["id"] = "pause";
  pause["kind"] = "wait";
  nlohmann::json candidate = {
      {"name", "flow"},
      {"platform", "topology"},
      {"workflow", {{"engine", engine}}},
      {"stages", {pool_stage("prepare", 100, 1000), pause, pool_stage("finish", 200, 1000)}},
      {"edges", edge_list({{"prepare", "pause"}, {"pause", "finish"}})}};
  return topology_scenario(dir, candidate, times, 5);
}

// Express: 64 MB (the first chunk) = 0.0625 GB at $0.06 per GB-hour.
constexpr double kExpressGb = 64.0 / 1024;
constexpr double kExpressUsdPerGbS = 0.0000166667;

}  // namespace

TEST_CASE("platforms::TopologyModel workflow: a Wait state delays the execution without a task",
          "[workflow][wait]") {
  TempDir dir;
  SECTION("Standard: makespan 0.1 + 30 + 0.2 = 30.3 s; 3 transitions, $0.000075, for 30 s or 3,000 s") {
    const auto r = first_result(wait_scenario(dir, "step-functions-standard", {{"seconds", 30}}));
    CHECK(r.requests.served == 1);
    CHECK(r.latency.max_s() == Approx(30.3).epsilon(1e-9));
    CHECK(r.workflow.transitions == 3);
    CHECK(cost_line(r, "workflow/transitions_usd") == Approx(3 * 0.000025).epsilon(1e-9));
    const auto& pause = workflow_stage(r, "pause");
    CHECK(pause.runs == 1);
    CHECK(pause.wait_s_sum == Approx(30).epsilon(1e-12));
    CHECK(pause.attempts == 0);  // no task
    CHECK(pause.timers == 0);
    const auto longer = first_result(wait_scenario(dir, "step-functions-standard", {{"seconds", 3000}}));
    CHECK(longer.latency.max_s() == Approx(3000.3).epsilon(1e-9));
    CHECK(cost_line(longer, "workflow/transitions_usd") == cost_line(r, "workflow/transitions_usd"));
  }
  SECTION("Express: 30.3 s billed x 0.0625 GB; 200 s more of wait cost 200 x 0.0625 GB-s more") {
    const auto r = first_result(wait_scenario(dir, "step-functions-express", {{"seconds", 30}}));
    CHECK(r.latency.max_s() == Approx(30.3).epsilon(1e-9));
    CHECK(r.workflow.billed_gb_s == Approx(30.3 * kExpressGb).epsilon(1e-9));
    CHECK(cost_line(r, "workflow/duration_usd") ==
          Approx(30.3 * kExpressGb * kExpressUsdPerGbS).epsilon(1e-6));
    CHECK(cost_line(r, "workflow/requests_usd") == Approx(1e-6).epsilon(1e-9));
    const auto longer = first_result(wait_scenario(dir, "step-functions-express", {{"seconds", 230}}));
    CHECK(longer.latency.max_s() == Approx(230.3).epsilon(1e-9));
    CHECK(longer.workflow.billed_gb_s - r.workflow.billed_gb_s == Approx(200 * kExpressGb).epsilon(1e-9));
    CHECK(cost_line(longer, "workflow/duration_usd") - cost_line(r, "workflow/duration_usd") ==
          Approx(200 * kExpressGb * kExpressUsdPerGbS).epsilon(1e-6));
  }
  SECTION("Express: a drawn wait of 400 s meets the 5-minute maximum: failed, timed out at 300 s") {
    const auto r =
        first_result(wait_scenario(dir, "step-functions-express", {{"delay", constant_ms(400000)}}));
    CHECK(r.requests.served == 0);
    CHECK(r.requests.timed_out == 1);
    CHECK(r.workflow.failed_by_duration == 1);
    CHECK(r.workflow.billed_gb_s == Approx(300 * kExpressGb).epsilon(1e-9));
    CHECK(workflow_stage(r, "finish").attempts == 0);
    CHECK(r.simulated_s == Approx(300).epsilon(1e-9));  // its wait's end (400.1 s) is dropped with it
  }
  SECTION("Durable Functions: 7 + 2 x 9 + 6 = 31 transactions; a 7-day timer is 3 timers: 43") {
    const auto r = first_result(wait_scenario(dir, "durable-functions", {{"seconds", 30}}));
    CHECK(r.latency.max_s() == Approx(30.3).epsilon(1e-9));
    CHECK(r.workflow.storage_transactions == Approx(31).epsilon(1e-12));
    CHECK(workflow_stage(r, "pause").timers == 1);
    CHECK(cost_line(r, "workflow/storage_transactions_usd") == Approx(31 * 0.004 / 1e4).epsilon(1e-12));
    // 604,800 s / 259,200 s (MaximumTimerInterval, 3 days) = 2.33: 3 timers (3, 3 and 1 days).
    const auto week = first_result(wait_scenario(dir, "durable-functions", {{"seconds", 604800}}));
    CHECK(week.latency.max_s() == Approx(604800.3).epsilon(1e-9));
    CHECK(workflow_stage(week, "pause").timers == 3);
    CHECK(week.workflow.storage_transactions == Approx(43).epsilon(1e-12));
  }
}

TEST_CASE("platforms::TopologyModel workflow: a drawn wait adds each execution's own draw",
          "[workflow][wait]") {
  // 200 executions 1,000 s apart (none overlaps), each waiting a time drawn uniformly in 10..20 s (an
  // empirical distribution through 10 s at 0% and 20 s at 100%). Every makespan is its wait + 0.3 s, so the
  // mean makespan is the mean wait + 0.3 s exactly; the mean wait is 15 s within 4 standard errors
  // (10 / sqrt(12) / sqrt(200) = 0.20 s).
  TempDir dir;
  std::vector<double> times;
  for (int k = 0; k < 200; ++k) times.push_back(1000.0 * k);
  const nlohmann::json uniform = {{"type", "empirical"}, {"percentiles_ms", {{"0", 10000}, {"100", 20000}}}};
  const auto r = first_result(wait_scenario(dir, "step-functions-standard", {{"delay", uniform}}, times));
  const auto& pause = workflow_stage(r, "pause");
  REQUIRE(r.requests.served == 200);
  REQUIRE(pause.runs == 200);
  const double mean_wait_s = pause.wait_s_sum / 200;
  CHECK(r.latency.mean_s() == Approx(mean_wait_s + 0.3).epsilon(1e-9));
  CHECK(mean_wait_s == Approx(15).margin(4 * 0.2));
  CHECK(pause.wait_s_max <= 20);
  CHECK(r.workflow.transitions == 600);
}

TEST_CASE("platforms::TopologyModel workflow: a wait first or last", "[workflow][wait]") {
  TempDir dir;
  auto doc = wait_scenario(dir, "step-functions-standard", {{"seconds", 5}});
  auto& candidate = doc["candidates"][0];
  SECTION("last: the execution completes when the wait ends, 5.1 s") {
    candidate["stages"].erase(2);
    candidate["edges"] = edge_list({{"prepare", "pause"}});
    const auto r = first_result(doc);
    CHECK(r.requests.served == 1);
    CHECK(r.latency.max_s() == Approx(5.1).epsilon(1e-9));
    CHECK(r.workflow.transitions == 2);
  }
  SECTION("first: 5 + 0.2 s") {
    candidate["stages"].erase(0);
    candidate["edges"] = edge_list({{"pause", "finish"}});
    const auto r = first_result(doc);
    CHECK(r.latency.max_s() == Approx(5.2).epsilon(1e-9));
  }
}

TEST_CASE("platforms::TopologyModel workflow: bad wait stages are refused", "[workflow][wait]") {
  TempDir dir;
  const std::string at = "test-scenario.json: /candidates/0/stages/1";
  SECTION("no time") {
    CHECK(candidates_error(wait_scenario(dir, "step-functions-standard", nlohmann::json::object())) ==
          at +
              "/seconds: missing (the wait: \"seconds\": N, or \"delay\": a distribution as service.warm, or "
              "\"timestamp\": an ISO 8601 UTC time)");
  }
  SECTION("both seconds and delay") {
    CHECK(candidates_error(wait_scenario(dir, "step-functions-standard",
                                         {{"seconds", 1}, {"delay", constant_ms(1000)}})) ==
          at + "/delay: expected either seconds or delay on a wait, got both");
  }
  SECTION("a catch on a wait") {
    CHECK(candidates_error(
              wait_scenario(dir, "step-functions-standard", {{"seconds", 1}, {"catch", "finish"}})) ==
          at + "/catch: not used on a wait (it runs no task and does not fail)");
  }
  SECTION("a wait longer than an Express execution") {
    CHECK(candidates_error(wait_scenario(dir, "step-functions-express", {{"seconds", 400}})) ==
          at + "/seconds: expected 0..300 on step-functions-express (the longest wait is the execution's "
               "maximum duration), got 400");
  }
  SECTION("a negative wait") {
    CHECK(candidates_error(wait_scenario(dir, "step-functions-standard", {{"seconds", -1}}))
              .find(at + "/seconds: expected") == 0);
  }
  SECTION("a wait outside a workflow") {
    auto doc = wait_scenario(dir, "step-functions-standard", {{"seconds", 1}});
    doc["candidates"][0].erase("workflow");
    CHECK(candidates_error(doc) == at + "/kind: \"wait\" runs only in a workflow (give the candidate a "
                                        "\"workflow\": {\"engine\": ...})");
  }
}
