// A hyperparameter search on the workflow engine ("search", platforms/topology/hpo_search.hpp) and the
// Distributed Map it runs on (docs/workflows.md), against hand calculations: successive halving's rungs, the
// makespan as the sum of the rungs' durations, waves under a map's MaxConcurrency and on a fixed pool,
// Distributed Map's 10,000 cap and its children's bill, Lambda throttles under a reserved concurrency retried
// by the Retrier, and the one-line errors of bad search input.
#include "platforms/topology/hpo_search.hpp"

#include <catch2/catch.hpp>
#include <functional>

#include "support/sim_harness.hpp"

using servesim::platforms::successive_halving;
using servesim::test::candidates_error;
using servesim::test::constant_ms;
using servesim::test::cost_line;
using servesim::test::scenario_from;
using servesim::test::simulate;
using servesim::test::TempDir;
using servesim::test::trace_at;
using servesim::test::workflow_stage;

namespace {

// One search (one arrival at t = 0); an SLO and a client timeout that never bite.
nlohmann::json hpo_scenario(const TempDir& dir, const nlohmann::json& candidate) {
  return {{"seed", 7},
          {"workload", trace_at(dir, {0.0}, 1)},
          {"service", {{"warm", constant_ms(1000)}}},
          {"slo", {{"p99_ms", 1e9}, {"timeout_s", 1e6}}},
          {"metrics", {{"interval_s", 60}}},
          {"candidates", {candidate}}};
}

// A search of `trials` trials with `rule` on always-on servers (a fixed pool: no cold start), one epoch
// taking a constant 10 s, its rungs on a Distributed Map with `map` keys, on Step Functions Standard.
nlohmann::json hpo_search(uint64_t trials, const nlohmann::json& rule, const nlohmann::json& map,
                          uint64_t servers = 100000) {
  return {{"name", "search"},
          {"platform", "topology"},
          {"workflow", {{"engine", "step-functions-standard"}}},
          {"search",
           {{"trials", trials},
            {"early_stopping", rule},
            {"epoch", constant_ms(10000)},
            {"map", map},
            {"trial", {{"candidate", {{"platform", "fixed-pool"}, {"servers", servers}}}}}}}};
}

nlohmann::json hpo_halving(uint32_t max_epochs) {
  return {{"rule", "successive-halving"}, {"eta", 3}, {"min_epochs", 1}, {"max_epochs", max_epochs}};
}

nlohmann::json hpo_no_stopping(uint32_t epochs) {
  return {{"rule", "none"}, {"max_epochs", epochs}};
}

servesim::sim::CandidateResult hpo_run(const TempDir& dir, const nlohmann::json& candidate) {
  return simulate(scenario_from(hpo_scenario(dir, candidate))).results.at(0);
}

}  // namespace

TEST_CASE("platforms::successive_halving: rungs of floor(n / eta^i) trials, budgets min x eta^i") {
  SECTION("27 trials, eta 3, 1..27 epochs: 27, 9, 3, 1 trials adding 1, 2, 6, 18 epochs") {
    const auto rungs = successive_halving(27, 3, 1, 27);
    REQUIRE(rungs.size() == 4);
    const uint64_t trials[] = {27, 9, 3, 1};
    const uint32_t budget[] = {1, 3, 9, 27}, added[] = {1, 2, 6, 18};
    for (size_t i = 0; i < 4; ++i) {
      CHECK(rungs[i].trials == trials[i]);
      CHECK(rungs[i].epochs == budget[i]);
      CHECK(rungs[i].epochs_added == added[i]);
    }
  }
  SECTION("a budget that is not a power of eta: 20 trials, 1..20 epochs: 20, 6, 2, 1 trials at 1, 3, 9, 20") {
    const auto rungs = successive_halving(20, 3, 1, 20);
    REQUIRE(rungs.size() == 4);
    CHECK(rungs[1].trials == 6);         // floor(20 / 3)
    CHECK(rungs[2].trials == 2);         // floor(20 / 9)
    CHECK(rungs[3].trials == 1);         // floor(20 / 27) = 0, kept at 1
    CHECK(rungs[3].epochs_added == 11);  // 20 - 9
  }
  SECTION("min_epochs = max_epochs: one rung of every trial") {
    const auto rungs = successive_halving(5, 2, 4, 4);
    REQUIRE(rungs.size() == 1);
    CHECK(rungs[0].trials == 5);
    CHECK(rungs[0].epochs_added == 4);
  }
}

TEST_CASE("platforms::TopologyModel search: successive halving's makespan is the sum of its rungs") {
  TempDir dir;
  // 27 trials, eta 3, 1..27 epochs of 10 s, all at once (Distributed Map, unbounded): the rungs take 1, 2, 6
  // and 18 epochs, 10 + 20 + 60 + 180 = 270 s.
  const auto r = hpo_run(dir, hpo_search(27, hpo_halving(27), {{"mode", "distributed"}}));
  REQUIRE(r.requests.served == 1);
  CHECK(r.latency.max_s() == Approx(270).margin(1e-6));
  const uint64_t items[] = {27, 9, 3, 1};
  for (size_t i = 0; i < 4; ++i) {
    const auto& rung = workflow_stage(r, "round1-rung" + std::to_string(i));
    CHECK(rung.items == items[i]);
    CHECK(rung.concurrency_peak == items[i]);
    CHECK(rung.distributed);
  }
  // Epoch tasks: 27 x 1 + 9 x 2 + 3 x 6 + 1 x 18 = 81; 4 Map states + 81 child states = 85 transitions
  // (Standard children: one per state entered), $0.000025 each.
  CHECK(workflow_stage(r, "trial").attempts == 81);
  CHECK(r.workflow.child_executions == 40);
  CHECK(r.workflow.transitions == 85);
  CHECK(cost_line(r, "workflow/transitions_usd") == Approx(85 * 0.000025).epsilon(1e-12));

  SECTION("3 rounds of 9 trials run one after another: 3 x (10 + 20 + 60) = 270 s (eta 3, 1..9 epochs)") {
    auto c = hpo_search(27, hpo_halving(9), {{"mode", "distributed"}});
    c["search"]["rounds"] = 3;
    const auto s = hpo_run(dir, c);
    CHECK(s.latency.max_s() == Approx(270).margin(1e-6));
    CHECK(workflow_stage(s, "round3-rung0").items == 9);
    CHECK(workflow_stage(s, "round3-rung2").items == 1);
  }
  SECTION("an aggregate task of 5 s ends the search: 275 s, one more transition") {
    auto c = hpo_search(27, hpo_halving(27), {{"mode", "distributed"}});
    c["search"]["aggregate"] = {{"candidate", {{"platform", "fixed-pool"}, {"servers", 1}}},
                                {"service", {{"warm", constant_ms(5000)}}}};
    const auto s = hpo_run(dir, c);
    CHECK(s.latency.max_s() == Approx(275).margin(1e-6));
    CHECK(s.workflow.transitions == 86);
  }
}

TEST_CASE("platforms::TopologyModel search: a concurrency cap or a fixed pool runs the trials in waves") {
  TempDir dir;
  SECTION("MaxConcurrency 4, 10 one-epoch trials: ceil(10 / 4) = 3 waves of 10 s") {
    const auto r =
        hpo_run(dir, hpo_search(10, hpo_no_stopping(1), {{"mode", "distributed"}, {"max_concurrency", 4}}));
    CHECK(r.latency.max_s() == Approx(30).margin(1e-6));
    CHECK(workflow_stage(r, "round1-rung0").concurrency_peak == 4);
  }
  SECTION("MaxConcurrency 4, 10 three-epoch trials: a trial keeps its slot for its 3 epochs, 3 x 30 s") {
    const auto r =
        hpo_run(dir, hpo_search(10, hpo_no_stopping(3), {{"mode", "distributed"}, {"max_concurrency", 4}}));
    CHECK(r.latency.max_s() == Approx(90).margin(1e-6));
    CHECK(workflow_stage(r, "trial").attempts == 30);
  }
  SECTION("a pool of 4 servers, unbounded map, 10 one-epoch trials: 3 waves, 30 s") {
    const auto r = hpo_run(dir, hpo_search(10, hpo_no_stopping(1), {{"mode", "distributed"}}, 4));
    CHECK(r.latency.max_s() == Approx(30).margin(1e-6));
  }
  SECTION("a pool of 4 servers, 10 two-epoch trials: 20 epoch tasks on 4 servers, FIFO, 5 waves = 50 s") {
    // A trial's next epoch queues behind the trials waiting for their first (the pool is work-conserving).
    const auto r = hpo_run(dir, hpo_search(10, hpo_no_stopping(2), {{"mode", "distributed"}}, 4));
    CHECK(r.latency.max_s() == Approx(50).margin(1e-6));
    const auto capped = hpo_run(
        dir, hpo_search(10, hpo_no_stopping(2), {{"mode", "distributed"}, {"max_concurrency", 4}}, 4));
    // One trial per server (MaxConcurrency = servers): ceil(10 / 4) = 3 waves of 2 epochs = 60 s.
    CHECK(capped.latency.max_s() == Approx(60).margin(1e-6));
  }
  SECTION("Inline Map's default limit: 100 one-epoch trials, 40 at once: 3 waves") {
    const auto r = hpo_run(dir, hpo_search(100, hpo_no_stopping(1), {{"mode", "inline"}}));
    CHECK(r.latency.max_s() == Approx(30).margin(1e-6));
    CHECK(workflow_stage(r, "round1-rung0").concurrency_peak == 40);
  }
}

TEST_CASE("platforms::TopologyModel search: Distributed Map's 10,000 cap and its children's bill") {
  TempDir dir;
  SECTION("12,000 one-epoch trials, MaxConcurrency left out: 10,000 at once, then 2,000: 20 s") {
    const auto r = hpo_run(dir, hpo_search(12000, hpo_no_stopping(1), {{"mode", "distributed"}}));
    CHECK(r.latency.max_s() == Approx(20).margin(1e-6));
    CHECK(workflow_stage(r, "round1-rung0").concurrency_peak == 10000);
    CHECK(r.workflow.child_executions == 12000);
  }
  SECTION(
      "EXPRESS children: $1 per million children + 30 s x 64 MB each; only the Map state is a "
      "Standard transition") {
    const auto r = hpo_run(
        dir, hpo_search(10, hpo_no_stopping(3), {{"mode", "distributed"}, {"execution_type", "express"}}));
    CHECK(r.latency.max_s() == Approx(30).margin(1e-6));
    CHECK(r.workflow.transitions == 31);  // 1 Map state + 10 children x 3 task states, counted
    CHECK(cost_line(r, "workflow/transitions_usd") == Approx(0.000025).epsilon(1e-12));
    CHECK(cost_line(r, "workflow/child_requests_usd") == Approx(10 * 1e-6).epsilon(1e-12));
    // 10 x 30 s x 0.0625 GB = 18.75 GB-s at $0.06 per GB-hour (the catalogue's $0.0000166667 per GB-s).
    CHECK(r.workflow.billed_gb_s == Approx(18.75).epsilon(1e-9));
    CHECK(cost_line(r, "workflow/child_duration_usd") == Approx(18.75 * 0.0000166667).epsilon(1e-9));
  }
}

TEST_CASE("platforms::TopologyModel search: STANDARD children of an Express parent pay per transition") {
  TempDir dir;
  // 10 trials of 3 epochs (30 s) under an Express parent: the 30 child task states are Standard transitions
  // ($0.000025 each); the parent's Map state is Express's (not billed per transition); the parent pays $10^-6
  // and 30 s x 64 MB = 1.875 GB-s.
  auto c = hpo_search(10, hpo_no_stopping(3), {{"mode", "distributed"}});
  c["workflow"]["engine"] = "step-functions-express";
  const auto r = hpo_run(dir, c);
  CHECK(r.workflow.transitions == 31);
  CHECK(cost_line(r, "workflow/transitions_usd") == Approx(30 * 0.000025).epsilon(1e-12));
  CHECK(cost_line(r, "workflow/requests_usd") == Approx(1e-6).epsilon(1e-12));
  CHECK(r.workflow.billed_gb_s == Approx(1.875).epsilon(1e-9));
}

TEST_CASE("platforms::TopologyModel search: Lambda throttles under a reserved concurrency, retried") {
  TempDir dir;
  // 10 one-epoch trials (10 s) at once on a function with reserved concurrency 4 and no cold start: 4 run at
  // 0 s, 6 are throttled and retried 15 s later (backoff 1); at 15 s the 4 environments are idle again: 4 run
  // (15-25 s), 2 are throttled again and retried at 30 s (30-40 s). Makespan 40 s, 8 throttles, 8 retries,
  // 1 Map state + 10 children + 8 retries = 19 transitions.
  auto c = hpo_search(10, hpo_no_stopping(1), {{"mode", "distributed"}});
  c["search"]["trial"] = {
      {"candidate",
       {{"platform", "aws-lambda"}, {"memory_mb", 1769}, {"reserved_concurrency", 4}, {"timeout_s", 60}}},
      {"service",
       {{"cold_start",
         {{"runtime_init", constant_ms(0)}, {"model_load", constant_ms(0)}, {"model_size_mb", 0}}}}},
      {"retry", {{"interval_s", 15}, {"max_attempts", 3}, {"backoff_rate", 1}}}};
  const auto r = hpo_run(dir, c);
  REQUIRE(r.requests.served == 1);
  CHECK(r.latency.max_s() == Approx(40).margin(1e-3));
  CHECK(workflow_stage(r, "trial").throttles == 8);
  CHECK(workflow_stage(r, "trial").retries == 8);
  CHECK(r.workflow.transitions == 19);

  SECTION("one retry only: the 2 trials throttled twice fail the map, the search fails as throttled") {
    c["search"]["trial"]["retry"]["max_attempts"] = 1;
    const auto f = hpo_run(dir, c);
    CHECK(f.requests.throttled == 1);
    CHECK(f.workflow.failed_throttled == 1);
    CHECK(f.workflow.failed_by_map == 1);
  }
}

TEST_CASE("platforms::TopologyModel search: bad search input gives one-line errors") {
  TempDir dir;
  auto with = [&](const std::function<void(nlohmann::json&)>& change) {
    nlohmann::json c = hpo_search(27, hpo_halving(27), {{"mode", "distributed"}});
    change(c);
    return candidates_error(hpo_scenario(dir, c));
  };
  CHECK(with([](nlohmann::json& c) { c["search"]["early_stopping"]["eta"] = 1; }) ==
        "test-scenario.json: /candidates/0/search/early_stopping/eta: expected 2..100, got 1");
  CHECK(with([](nlohmann::json& c) { c["search"]["early_stopping"]["min_epochs"] = 30; }) ==
        "test-scenario.json: /candidates/0/search/early_stopping/max_epochs: expected at least min_epochs "
        "(30), "
        "got 27");
  CHECK(
      with([](nlohmann::json& c) { c.erase("workflow"); }) ==
      "test-scenario.json: /candidates/0/search: used only in a workflow (give the candidate a \"workflow\": "
      "{\"engine\": ...})");
  CHECK(with([](nlohmann::json& c) { c["search"]["map"]["max_concurrency"] = 10001; }) ==
        "test-scenario.json: /candidates/0/search/map/max_concurrency: expected 0..10000 (a Step Functions "
        "Distributed Map runs at most that many child executions at once), got 10001");
  CHECK(with([](nlohmann::json& c) { c["search"]["rounds"] = 28; }) ==
        "test-scenario.json: /candidates/0/search/rounds: expected at most trials (27): each round runs one "
        "trial or more, got 28");
  CHECK(with([](nlohmann::json& c) { c["search"]["trial"]["candidate"]["servers"] = 0; }) ==
        "test-scenario.json: /candidates/0/search/trial/candidate/servers: expected 1..1000000 servers, got "
        "0");
  CHECK(with([](nlohmann::json& c) { c["workflow"]["engine"] = "durable-functions"; }) ==
        "test-scenario.json: /candidates/0/search/map/mode: expected \"inline\" on durable-functions "
        "(Distributed Map is a Step Functions state), got \"distributed\"");
  CHECK(
      with([](nlohmann::json& c) {
        c["search"]["map"] = {{"execution_type", "express"}};
      }) ==
      "test-scenario.json: /candidates/0/search/map/execution_type: used only with \"mode\": \"distributed\" "
      "(the type of its child executions)");
}
