// app::advise_run (advisor::advise_from_results): the verdict from a run's own results is advise()'s, and
// only the default candidates the advisor adds are simulated.
#include "app/advice.hpp"

#include <catch2/catch.hpp>

#include "advisor/advisor.hpp"
#include "app/prepare.hpp"
#include "app/run.hpp"
#include "sim/engine.hpp"
#include "support/sim_harness.hpp"

using namespace servesim;

namespace {

// A spike on a small pool and a Lambda: the worst interval (cold starts at the spike's front) is part of the
// why-not lines, so the rows handed over must give the same busiest interval as a re-simulation. With
// default candidates the scenario lists the pool alone, and the advisor adds (and simulates) serverless
// defaults beside the run's pool.
nlohmann::json spiky_doc(bool default_candidates) {
  nlohmann::json doc = {
      {"name", "app-advice"},
      {"seed", 3},
      {"workload",
       {{"type", "spike"},
        {"base_rps", 2},
        {"spike_factor", 30},
        {"spike_start_s", 300},
        {"ramp_s", 1},
        {"spike_duration_s", 120},
        {"duration_s", 900}}},
      {"service",
       {{"warm", test::constant_ms(200)}, {"cold_start", {{"model_load", test::constant_ms(3000)}}}}},
      {"slo", {{"p99_ms", 1000}, {"timeout_s", 10}}},
      {"metrics", {{"interval_s", 30}}},
      {"candidates",
       {{{"name", "lambda-2048"}, {"platform", "aws-lambda"}, {"memory_mb", 2048}, {"timeout_s", 30}},
        {{"name", "pool-4"}, {"platform", "fixed-pool"}, {"servers", 4}}}},
      {"advisor", {{"default_candidates", default_candidates}}}};
  if (default_candidates) doc["candidates"].erase(0);
  return doc;
}

struct Run {
  app::RunOutcome outcome;
  std::vector<std::vector<sim::IntervalRow>> rows;
};

Run run(const nlohmann::json& doc) {
  Run r;
  const app::Prepared prepared = app::prepare(test::scenario_from(doc));
  r.rows.resize(prepared.scenario.candidates.size());
  app::RunOptions options;
  options.on_row = [&](size_t i, const sim::IntervalRow& row) { r.rows[i].push_back(row); };
  r.outcome = app::run(prepared, options);
  return r;
}

}  // namespace

TEST_CASE("app::advise_run: the recommendation of advise(), without simulating the run's candidates again") {
  for (const bool defaults : {false, true}) {
    DYNAMIC_SECTION("advisor.default_candidates " << defaults) {
      const auto doc = spiky_doc(defaults);
      const advisor::Recommendation expected = advisor::advise(test::scenario_from(doc));
      const Run r = run(doc);
      const uint64_t before = sim::simulated_candidates();
      const advisor::Recommendation rec = app::advise_run(r.outcome, r.rows);
      size_t added = 0;
      for (const auto& c : rec.evidence.ranked) added += c.from_scenario ? 0 : 1;
      CHECK(sim::simulated_candidates() - before == added);  // the defaults only
      CHECK((added > 0) == defaults);
      CHECK(advisor::to_json(rec) == advisor::to_json(expected));
      CHECK(advisor::to_text(rec) == advisor::to_text(expected));
      CHECK(app::advice_head(rec) == app::advice_head(expected));
      // The worst interval is in the evidence (read from the rows handed over).
      bool worst_interval = false;
      for (const auto& c : rec.evidence.ranked) worst_interval |= c.busiest_arrived > 0;
      CHECK(worst_interval);
    }
  }
}

TEST_CASE("advisor::advise_from_results: refuses results that are not the scenario's candidates'") {
  const auto doc = spiky_doc(false);
  const Run r = run(doc);
  auto results = r.outcome.results;
  std::swap(results[0], results[1]);
  CHECK_THROWS_AS(advisor::advise_from_results(r.outcome.scenario, results, r.rows), std::invalid_argument);
  CHECK_THROWS_AS(advisor::advise_from_results(r.outcome.scenario, r.outcome.results, {}),
                  std::invalid_argument);
}
