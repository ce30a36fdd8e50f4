// Traffic splitting between revisions (platforms/topology/traffic_split.hpp, a topology's `split` stage)
// against hand calculations: smooth weighted round-robin's exact proportions and interleaving, a step change
// of the weights at its time, the cold starts a 0 -> 100% switch gives the new revision, and bad weights.
#include "platforms/topology/traffic_split.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "core/input_error.hpp"
#include "platforms/catalog.hpp"
#include "support/sim_harness.hpp"

using servesim::platforms::SplitStep;
using servesim::platforms::TrafficSplit;
using servesim::test::candidates_error;
using servesim::test::constant_ms;
using servesim::test::scenario_from;
using servesim::test::simulate;
using servesim::test::TempDir;

namespace {

// One request every 0.1 s from 0.05 s: 0.05, 0.15, ..., (count - 0.5) / 10.
std::vector<double> every_100_ms(int count) {
  std::vector<double> times;
  for (int k = 0; k < count; ++k) times.push_back(0.05 + 0.1 * k);
  return times;
}

// A topology "rollout" -> v1, v2 with the given weights; v1 and v2 are the given model stages.
nlohmann::json rollout_doc(nlohmann::json workload, const nlohmann::json& weights, nlohmann::json v1,
                           nlohmann::json v2) {
  v1["id"] = "v1";
  v1["kind"] = "model";
  v2["id"] = "v2";
  v2["kind"] = "model";
  const nlohmann::json split = {{"id", "rollout"}, {"kind", "split"}, {"weights", weights}};
  nlohmann::json edges = nlohmann::json::array();
  edges.push_back(nlohmann::json::array({"rollout", "v1"}));
  edges.push_back(nlohmann::json::array({"rollout", "v2"}));
  return {{"seed", 3},
          {"workload", std::move(workload)},
          {"service", {{"warm", constant_ms(50)}}},
          {"slo", {{"p99_ms", 1e6}, {"timeout_s", 1e6}}},
          {"metrics", {{"interval_s", 10}}},
          {"candidates",
           {{{"name", "r"}, {"platform", "topology"}, {"stages", {split, v1, v2}}, {"edges", edges}}}}};
}

nlohmann::json pool_revision() {
  return {{"candidate", {{"platform", "fixed-pool"}, {"servers", 1000}}}};
}

nlohmann::json step(double at_s, double first_percent, double second_percent) {
  return {{"at_s", at_s}, {"percent", {first_percent, second_percent}}};
}

const servesim::sim::StageCounts& split_stage_counts(const servesim::sim::CandidateResult& r,
                                                     const std::string& id) {
  for (const auto& s : r.stages)
    if (s.id == id) return s;
  FAIL("no stage " << id);
  return r.stages.front();
}

}  // namespace

TEST_CASE("platforms::TrafficSplit: smooth weighted round-robin gives exact shares, spread out") {
  SECTION("90/10 over 1,000 requests: exactly 900 and 100") {
    // The scores come back to (0, 0) every 100 picks (90 + 10 = 100 added, 100 taken off per pick), so each
    // run of 100 picks has exactly 90 and 10, and 1,000 picks have 900 and 100.
    TrafficSplit split({SplitStep{0, {90, 10}}});
    int first = 0;
    for (int k = 0; k < 1000; ++k) first += split.pick(1.0) == 0 ? 1 : 0;
    CHECK(first == 900);
  }
  SECTION("2:1 interleaves a, b, a (worked by hand)") {
    // Weights a = 200/3, b = 100/3, total 100. Scores (a, b) after adding, pick, after subtracting:
    // (66.7, 33.3) a -> (-33.3, 33.3); (33.3, 66.7) b -> (33.3, -33.3); (100, 0) a -> (0, 0); then again.
    TrafficSplit split({SplitStep{0, {200.0 / 3, 100.0 / 3}}});
    std::string order;
    for (int k = 0; k < 12; ++k) order += split.pick(0.0) == 0 ? 'a' : 'b';
    CHECK(order == "abaabaabaaba");
  }
  SECTION("a zero weight is never picked") {
    TrafficSplit split({SplitStep{0, {0, 100}}});
    for (int k = 0; k < 100; ++k) CHECK(split.pick(0.0) == 1);
  }
  SECTION("the weights change at the step's time; the scores restart there") {
    TrafficSplit split({SplitStep{0, {100, 0}}, SplitStep{50, {50, 50}}});
    CHECK(split.pick(49.999) == 0);
    CHECK(split.pick(49.999) == 0);
    // From 50 s on, 50/50 from scores (0, 0): a, b, a, b.
    CHECK(split.pick(50.0) == 0);
    CHECK(split.pick(50.1) == 1);
    CHECK(split.pick(50.2) == 0);
    CHECK(split.pick(50.3) == 1);
  }
}

TEST_CASE("platforms::TopologyModel: a split stage moves its traffic at each step's time") {
  // 1,000 requests 0.1 s apart (0.05 .. 99.95 s): 100% to v1 before 40 s (400 requests), 90/10 from 40 s to
  // 80 s (400 requests: exactly 360 and 40), 0/100 after 80 s (200 requests). v1: 400 + 360 = 760, v2: 240.
  TempDir dir;
  const nlohmann::json weights = {step(0, 100, 0), step(40, 90, 10), step(80, 0, 100)};
  const auto run = simulate(scenario_from(rollout_doc(servesim::test::trace_at(dir, every_100_ms(1000)),
                                                      weights, pool_revision(), pool_revision())));
  const auto& r = run.results[0];
  CHECK(r.requests.arrived == 1000);
  CHECK(r.requests.served == 1000);
  const auto& split = split_stage_counts(r, "rollout");
  CHECK(split.kind == "split");
  CHECK(split.arrived == 1000);
  CHECK(split.forwarded == 1000);
  CHECK(split.served_here == 0);
  REQUIRE(split.routed.size() == 2);
  CHECK(split.routed[0] == std::pair<std::string, uint64_t>{"v1", 760});
  CHECK(split.routed[1] == std::pair<std::string, uint64_t>{"v2", 240});
  CHECK(split_stage_counts(r, "v1").served_here == 760);
  CHECK(split_stage_counts(r, "v2").served_here == 240);
}

TEST_CASE("platforms::TopologyModel: switching 0 -> 100% to a cold revision cold-starts it at the switch") {
  // Both revisions on Lambda (1,769 MB = 1 vCPU), 50 ms warm, a cold start of exactly 1 s (runtime init
  // 600 ms + model load 400 ms, nothing to download). One request every 0.1 s from 0.05 s for 100 s; all to
  // v1 until 50 s, then all to v2. Each revision starts cold: its first request (at 0.05 s for v1, 50.05 s
  // for v2) finds no environment and occupies a new one until 1.05 s later (1 s start + 50 ms). Every
  // request in between finds all environments starting, so cold-starts one more: the requests at +0, +0.1,
  // ..., +1.0 s, 11 cold starts. The one at +1.1 s finds the first environment idle since +1.05 s, and from
  // then on each environment is idle again 1.05 s after it started its last request, long before it is
  // needed: no more cold starts. So 11 in the 10 s window from 0 and 11 in the window from 50 s, none else.
  TempDir dir;
  nlohmann::json revision = {{"candidate", {{"platform", "aws-lambda"}, {"memory_mb", 1769}}}};
  revision["service"] = {
      {"cold_start",
       {{"runtime_init", constant_ms(600)}, {"model_load", constant_ms(400)}, {"model_size_mb", 0}}}};
  const nlohmann::json weights = {step(0, 100, 0), step(50, 0, 100)};
  const auto run = simulate(scenario_from(
      rollout_doc(servesim::test::trace_at(dir, every_100_ms(1000)), weights, revision, revision)));
  const auto& r = run.results[0];
  CHECK(r.requests.served == 1000);
  CHECK(r.requests.cold_starts == 22);
  const auto& rows = run.rows[0];
  REQUIRE(rows.size() >= 10);
  for (size_t i = 0; i < 10; ++i) {
    INFO("window from " << rows[i].start_s << " s");
    CHECK(rows[i].counts.cold_starts == (i == 0 || i == 5 ? 11U : 0U));
  }
  CHECK(split_stage_counts(r, "v2").served_here == 500);
}

TEST_CASE("platforms::TopologyModel: bad split weights are refused with their JSON pointer") {
  TempDir dir;
  auto doc_with = [&](const nlohmann::json& weights) {
    return rollout_doc(servesim::test::trace_at(dir, {1.0}), weights, pool_revision(), pool_revision());
  };
  const std::string at = "test-scenario.json: /candidates/0/stages/0";
  SECTION("one next stage only") {
    auto doc = doc_with(nlohmann::json::array({step(0, 100, 0)}));
    doc["candidates"][0]["edges"].erase(1);
    doc["candidates"][0]["stages"].erase(2);
    doc["candidates"][0]["stages"][0]["weights"] = {{{"at_s", 0}, {"percent", {100, 0}}}};
    CHECK(candidates_error(doc) ==
          at + ": expected 2 or more next stages for a split (the revisions it shares the "
               "traffic between), got 1");
  }
  SECTION("no weights") {
    auto doc = doc_with(nlohmann::json::array({step(0, 100, 0)}));
    doc["candidates"][0]["stages"][0].erase("weights");
    CHECK(candidates_error(doc) ==
          at + "/weights: missing (a list of {\"at_s\": seconds, \"percent\": [one per next "
               "stage]}, the first at 0)");
  }
  SECTION("a first step after 0") {
    CHECK(candidates_error(doc_with(nlohmann::json::array({step(5, 100, 0)}))) ==
          at + "/weights/0/at_s: expected 0 (the first step starts the run), got 5");
  }
  SECTION("steps out of order") {
    CHECK(candidates_error(doc_with({step(0, 100, 0), step(60, 50, 50), step(30, 0, 100)})) ==
          at + "/weights/2/at_s: expected a time after the previous step's 60 s, got 30");
  }
  SECTION("a percentage list of the wrong length") {
    CHECK(candidates_error(doc_with({step(0, 100, 0), {{"at_s", 10}, {"percent", {50, 25, 25}}}})) ==
          at + "/weights/1/percent: expected 2 percentages (one per next stage, in edge order), got 3");
  }
  SECTION("a negative percentage") {
    CHECK(candidates_error(doc_with(nlohmann::json::array({step(0, 100, -10)}))) ==
          at + "/weights/0/percent/1: expected a percentage in 0..100, got -10");
  }
  SECTION("percentages that do not sum to 100") {
    CHECK(candidates_error(doc_with(nlohmann::json::array({step(0, 90, 9)}))) ==
          at + "/weights/0/percent: expected percentages summing to 100, got a sum of 99");
  }
}
