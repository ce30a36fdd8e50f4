// Workflows on a topology candidate (platforms/topology/topology_workflow.hpp, docs/workflows.md) against
// hand calculations: a map's fan-out under max_concurrency and its fan-in, the slot waits, a Step Functions
// Retrier's intervals and backoff, a task timeout that fails the execution once its retries run out, the
// tolerated failure percentage, the engines' bills (Standard transitions, Express requests + GB-s, Durable
// storage transactions), conservation and determinism, and the one-line errors of bad workflow input.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/input_error.hpp"
#include "support/sim_harness.hpp"

using servesim::test::candidates_error;
using servesim::test::constant_ms;
using servesim::test::cost_line;
using servesim::test::edge_list;
using servesim::test::first_result;
using servesim::test::pool_stage;
using servesim::test::scenario_from;
using servesim::test::simulate;
using servesim::test::TempDir;
using servesim::test::trace_at;
using servesim::test::workflow_stage;

namespace {

// One execution at t = 0 (a request trace with one row), service 1 s unless a stage says otherwise, an SLO
// and a client timeout that never bite, metrics every 2 s.
nlohmann::json wf_scenario(const TempDir& dir, nlohmann::json candidate, std::vector<double> times = {0.0}) {
  return {{"seed", 5},
          {"workload", trace_at(dir, times, 100)},
          {"service", {{"warm", constant_ms(1000)}}},
          {"slo", {{"p99_ms", 1e7}, {"timeout_s", 1e6}}},
          {"metrics", {{"interval_s", 2}}},
          {"candidates", {candidate}}};
}

// A task stage on Lambda (1,769 MB = 1 vCPU, the scenario's cold starts) with a constant service time.
nlohmann::json wf_lambda_task(const std::string& id, double ms) {
  return {{"id", id},
          {"kind", "model"},
          {"candidate", {{"platform", "aws-lambda"}, {"memory_mb", 1769}}},
          {"service", {{"warm", constant_ms(ms)}}}};
}

nlohmann::json wf_map(const std::string& id, const std::string& body, nlohmann::json items,
                      uint32_t max_concurrency) {
  return {
      {"id", id}, {"kind", "map"}, {"body", body}, {"items", items}, {"max_concurrency", max_concurrency}};
}

// preprocess (0.25 s) -> map of `items` items of 1 s, at most 5 at once -> aggregate (0 s), on `engine`.
nlohmann::json wf_batch(const std::string& engine, nlohmann::json items = 20) {
  return {{"name", "batch"},
          {"platform", "topology"},
          {"workflow", {{"engine", engine}}},
          {"stages",
           {pool_stage("pre", 250, 100000), wf_map("images", "infer", items, 5),
            pool_stage("infer", 1000, 100000), pool_stage("agg", 0, 100000)}},
          {"edges", edge_list({{"pre", "images"}, {"images", "agg"}})}};
}

}  // namespace

TEST_CASE("platforms::TopologyModel workflow: a map of 20 one-second items, 5 at once, takes 4 s") {
  TempDir dir;
  const auto run = simulate(scenario_from(wf_scenario(dir, wf_batch("step-functions-standard"))));
  const auto& r = run.results[0];
  REQUIRE(r.requests.arrived == 1);
  CHECK(r.requests.served == 1);
  // 0.25 s preprocess, then 20 items in 4 waves of 5 (1 s each), then a 0 s aggregate: 4.25 s end to end.
  CHECK(r.latency.max_s() == Approx(4.25).margin(1e-9));
  const auto& map = workflow_stage(r, "images");
  CHECK(map.runs == 1);
  CHECK(map.items == 20);
  CHECK(map.concurrency_peak == 5);
  // Waves 2, 3, 4 wait 1, 2, 3 s for a slot: 5 x (1 + 2 + 3) = 30 s over 20 items, 15 items waited.
  CHECK(map.items_waited == 15);
  CHECK(map.wait_s_sum == Approx(30).margin(1e-9));
  CHECK(map.wait_s_max == Approx(3).margin(1e-9));
  CHECK(workflow_stage(r, "infer").attempts == 20);

  SECTION("unbounded (max_concurrency 0 = the Inline Map's 40) runs all 20 at once: 1 s") {
    auto c = wf_batch("step-functions-standard");
    c["stages"][1]["max_concurrency"] = 0;
    const auto u = first_result(wf_scenario(dir, c));
    CHECK(u.latency.max_s() == Approx(1.25).margin(1e-9));
    CHECK(workflow_stage(u, "images").concurrency_peak == 20);
    CHECK(workflow_stage(u, "images").items_waited == 0);
  }
  SECTION("items from a law: uniform 3..3 is 3 items in one wave") {
    const auto u = first_result(
        wf_scenario(dir, wf_batch("step-functions-standard", {{"type", "uniform"}, {"min", 3}, {"max", 3}})));
    CHECK(workflow_stage(u, "images").items == 3);
    CHECK(u.latency.max_s() == Approx(1.25).margin(1e-9));
  }
  SECTION("zero items: the map goes straight on") {
    const auto u = first_result(wf_scenario(dir, wf_batch("step-functions-standard", 0)));
    CHECK(u.requests.served == 1);
    CHECK(u.latency.max_s() == Approx(0.25).margin(1e-9));
  }
}

TEST_CASE("platforms::TopologyModel workflow: the engines' bills for a known DAG and duration") {
  TempDir dir;
  SECTION("Standard: pre + map + 20 iterations + agg = 23 transitions at $0.025 per 1,000") {
    const auto r = first_result(wf_scenario(dir, wf_batch("step-functions-standard")));
    CHECK(r.workflow.transitions == 23);
    CHECK(cost_line(r, "workflow/transitions_usd") == Approx(23 * 0.025 / 1000).epsilon(1e-12));
  }
  SECTION("Express: $1 per million + 4.25 s rounded up to 4.3 s x 64 MB at $0.06 per GB-hour") {
    const auto r = first_result(wf_scenario(dir, wf_batch("step-functions-express")));
    CHECK(cost_line(r, "workflow/requests_usd") == Approx(1e-6).epsilon(1e-12));
    CHECK(r.workflow.billed_gb_s == Approx(4.3 * 0.0625).epsilon(1e-12));
    // (the catalogue holds $0.06 per GB-hour as 0.0000166667 per GB-s: 2e-6 relative)
    CHECK(cost_line(r, "workflow/duration_usd") == Approx(4.3 * 0.0625 * 0.06 / 3600).epsilon(1e-5));
    CHECK(cost_line(r, "workflow/transitions_usd") == -1);  // no transition charge on Express
  }
  SECTION("Durable Functions: 7 per orchestration + 9 per activity (22 activities), per 10,000") {
    const auto r = first_result(wf_scenario(dir, wf_batch("durable-functions")));
    CHECK(r.workflow.storage_transactions == Approx(7 + 9 * 22));
    CHECK(cost_line(r, "workflow/storage_transactions_usd") == Approx(205 * 0.004 / 1e4).epsilon(1e-12));
    // Durable Functions has no built-in fan-out cap: max_concurrency 5 still limits the map to 4 waves.
    CHECK(r.latency.max_s() == Approx(4.25).margin(1e-9));
  }
}

TEST_CASE("platforms::TopologyModel workflow: a Retrier's intervals and backoff") {
  // A body on one server with no queue: items sent while it is busy are dropped at once and retried.
  TempDir dir;
  auto candidate = [](uint32_t items, double backoff_rate) {
    nlohmann::json body = pool_stage("infer", 1000, 1, 0);
    body["retry"] = {{"interval_s", 5}, {"max_attempts", 3}, {"backoff_rate", backoff_rate}};
    return nlohmann::json{{"name", "retry"},
                          {"platform", "topology"},
                          {"workflow", {{"engine", "step-functions-standard"}}},
                          {"stages", {wf_map("images", "infer", items, items), body}}};
  };
  SECTION("2 items: the second is dropped at 0, retried at 5 s, done at 6 s") {
    const auto r = first_result(wf_scenario(dir, candidate(2, 2)));
    CHECK(r.requests.served == 1);
    CHECK(r.latency.max_s() == Approx(6).margin(1e-9));
    CHECK(workflow_stage(r, "infer").retries == 1);
    // map + 2 iterations + 1 retry.
    CHECK(r.workflow.transitions == 4);
  }
  SECTION("3 items, backoff 2: retries at 5 s, then 5 + 10 = 15 s; done at 16 s (backoff 1: 11 s)") {
    const auto r2 = first_result(wf_scenario(dir, candidate(3, 2)));
    CHECK(r2.latency.max_s() == Approx(16).margin(1e-9));
    CHECK(workflow_stage(r2, "infer").retries == 3);
    const auto r1 = first_result(wf_scenario(dir, candidate(3, 1)));
    CHECK(r1.latency.max_s() == Approx(11).margin(1e-9));
  }
}

TEST_CASE("platforms::TopologyModel workflow: a task timing out every attempt, retried 5 s x 3, fails") {
  // A 2 s task with timeout_s 1: attempts at 0, 6, 12, 18 s (1 s each, then 5 s between, backoff 1) all time
  // out; the fourth failure, at 19 s, fails the execution, counted timed out.
  TempDir dir;
  nlohmann::json task = pool_stage("infer", 2000, 100000);
  task["timeout_s"] = 1;
  task["retry"] = {{"interval_s", 5}, {"max_attempts", 3}, {"backoff_rate", 1}};
  const nlohmann::json c = {{"name", "timeouts"},
                            {"platform", "topology"},
                            {"workflow", {{"engine", "step-functions-standard"}}},
                            {"stages", {task}}};
  const auto run = simulate(scenario_from(wf_scenario(dir, c)));
  const auto& r = run.results[0];
  CHECK(r.requests.arrived == 1);
  CHECK(r.requests.served == 0);
  CHECK(r.requests.timed_out == 1);
  CHECK(r.workflow.failed_timed_out == 1);
  const auto& s = workflow_stage(r, "infer");
  CHECK(s.attempts == 4);
  CHECK(s.retries == 3);
  CHECK(s.timeouts == 4);
  CHECK(s.tasks_failed == 1);
  CHECK(r.workflow.transitions == 4);  // the task state + 3 retries
  // The failure is counted in the interval [18, 20).
  for (const auto& row : run.rows[0]) CHECK(row.counts.timed_out == (row.start_s == 18 ? 1u : 0u));
}

TEST_CASE("platforms::TopologyModel workflow: tolerated failure percentage") {
  // 10 items at once on 5 servers with no queue and no retry: 5 are dropped at once (50% failed).
  TempDir dir;
  auto candidate = [](double tolerated) {
    nlohmann::json map = wf_map("images", "infer", 10, 10);
    if (tolerated >= 0) map["tolerated_failure_percentage"] = tolerated;
    return nlohmann::json{{"name", "tolerate"},
                          {"platform", "topology"},
                          {"workflow", {{"engine", "step-functions-express"}}},
                          {"stages", {map, pool_stage("infer", 1000, 5, 0)}}};
  };
  const auto ok = first_result(wf_scenario(dir, candidate(50)));
  CHECK(ok.requests.served == 1);
  CHECK(ok.latency.max_s() == Approx(1).margin(1e-9));
  CHECK(workflow_stage(ok, "images").items_failed == 5);
  const auto over = first_result(wf_scenario(dir, candidate(40)));
  CHECK(over.requests.dropped == 1);
  CHECK(over.workflow.failed_by_map == 1);
  const auto none = first_result(wf_scenario(dir, candidate(-1)));
  CHECK(none.requests.dropped == 1);  // default 0%: the first failed item fails the map
}

TEST_CASE("platforms::TopologyModel workflow: every execution is counted once, and a rerun is identical") {
  // 200 executions, Poisson-like times from a fixed list, on Lambda (cold starts, a 1 s function timeout
  // that about one item in five exceeds) with retries and crashes.
  TempDir dir;
  std::vector<double> times;
  for (int k = 0; k < 200; ++k) times.push_back(0.37 * k);
  nlohmann::json infer = {
      {"id", "infer"},
      {"kind", "model"},
      {"candidate", {{"platform", "aws-lambda"}, {"memory_mb", 1769}, {"timeout_s", 1}}},
      {"service", {{"warm", {{"type", "lognormal"}, {"mean_ms", 700}, {"p99_ms", 2000}}}}},
      {"retry", {{"interval_s", 2}, {"max_attempts", 1}}}};
  const nlohmann::json c = {
      {"name", "mix"},
      {"platform", "topology"},
      {"workflow", {{"engine", "step-functions-standard"}}},
      {"stages",
       {wf_lambda_task("pre", 50),
        wf_map("images", "infer", {{"type", "uniform"}, {"min", 1}, {"max", 12}}, 4), infer}},
      {"edges", edge_list({{"pre", "images"}})}};
  auto doc = wf_scenario(dir, c, times);
  doc["faults"] = {{{"kind", "crash"}, {"rate_per_instance_hour", 60}}};
  const auto a = simulate(scenario_from(doc));
  const auto& r = a.results[0];
  const auto& q = r.requests;
  CHECK(q.arrived == 200);
  CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
  CHECK(r.workflow.completed == q.served);
  CHECK(r.workflow.failed == q.timed_out + q.throttled + q.dropped);
  CHECK(q.timed_out > 0);  // some items ran past the function timeout twice
  CHECK(workflow_stage(r, "infer").retries > 0);
  const auto b = simulate(scenario_from(doc));
  CHECK(b.results[0].requests.served == q.served);
  CHECK(b.results[0].cost_total_usd == r.cost_total_usd);
  CHECK(b.results[0].workflow.transitions == r.workflow.transitions);
  CHECK(b.results[0].latency.mean_s() == r.latency.mean_s());
}

TEST_CASE("platforms::TopologyModel workflow: bad workflow input gives one-line errors") {
  TempDir dir;
  auto with = [&](const std::function<void(nlohmann::json&)>& change) {
    nlohmann::json c = wf_batch("step-functions-standard");
    change(c);
    return candidates_error(wf_scenario(dir, c));
  };
  CHECK(with([](nlohmann::json& c) { c["stages"][1].erase("body"); }) ==
        "test-scenario.json: /candidates/0/stages/1/body: missing (the id of the model stage that runs each "
        "item)");
  CHECK(with([](nlohmann::json& c) { c["stages"][1]["max_concurrency"] = -1; }) ==
        "test-scenario.json: /candidates/0/stages/1/max_concurrency: expected a whole number in 0..1000000, "
        "got -1");
  CHECK(with([](nlohmann::json& c) { c["stages"][1]["max_concurrency"] = 41; }) ==
        "test-scenario.json: /candidates/0/stages/1/max_concurrency: expected 0..40 (a Step Functions Inline "
        "Map runs at most that many iterations at once; \"mode\": \"distributed\" runs up to 10000), got 41");
  CHECK(with([](nlohmann::json& c) { c["workflow"]["engine"] = "airflow"; }) ==
        "test-scenario.json: /candidates/0/workflow/engine: expected one of step-functions-standard, "
        "step-functions-express, durable-functions, got \"airflow\"");
  CHECK(with([](nlohmann::json& c) { c.erase("workflow"); }) ==
        "test-scenario.json: /candidates/0/stages/1/kind: \"map\" runs only in a workflow (give the "
        "candidate a "
        "\"workflow\": {\"engine\": ...})");
  CHECK(
      with([](nlohmann::json& c) { c["stages"][1]["body"] = "pre"; }) ==
      "test-scenario.json: /candidates/0/stages/1/body: expected model, wait and split stages that only the "
      "map's items reach, got \"images\", a map");
  CHECK(with([](nlohmann::json& c) {
          c["stages"][2]["retry"] = {{"backoff_rate", 0.5}};
        }) == "test-scenario.json: /candidates/0/stages/2/retry/backoff_rate: expected 1..1000, got 0.5");
}
