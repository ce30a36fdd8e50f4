#include "app/run.hpp"

#include "platforms/model_factory.hpp"
#include "reports/run_report.hpp"
#include "sim/engine.hpp"

namespace servesim::app {

std::vector<std::string> candidate_names(const sim::Scenario& scenario) {
  std::vector<std::string> names;
  for (const auto& c : scenario.candidates) names.push_back(c.name);
  return names;
}

RunOutcome run(const Prepared& prepared, const RunOptions& options) {
  RunOutcome out;
  out.scenario = prepared.scenario;
  if (options.seed) out.scenario.seed = *options.seed;
  out.model_line = prepared.model_line;
  out.model_profile = prepared.model_profile;
  auto candidates = platforms::make_candidates(out.scenario);
  auto sim_options = sim::RunOptions::for_scenario(out.scenario);
  sim_options.on_row = options.on_row;
  sim_options.on_progress = options.on_progress;
  sim_options.cancel = options.cancel;
  out.results = sim::simulate(sim_options, candidates);
  out.summary = reports::summary_json(out.scenario, out.results);
  return out;
}

}  // namespace servesim::app
