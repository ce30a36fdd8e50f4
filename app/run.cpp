#include "app/run.hpp"

#include "platforms/model_factory.hpp"
#include "platforms/registry.hpp"
#include "reports/run_report.hpp"
#include "sim/engine.hpp"

namespace servesim::app {

std::vector<std::string> candidate_names(const sim::Scenario& scenario) {
  std::vector<std::string> names;
  for (const auto& c : scenario.candidates) names.push_back(c.name);
  return names;
}

bool has_queue_columns(const sim::Scenario& scenario) {
  if (scenario.event_source.given) return true;
  if (!scenario.client.async) return false;
  for (const auto& c : scenario.candidates) {
    const platforms::PlatformRegistration* r = platforms::find_registration(c.platform);
    if (r && r->queue_when_async) return true;
  }
  return false;
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
