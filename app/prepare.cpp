#include "app/prepare.hpp"

#include <filesystem>

#include "app/memory_fit.hpp"
#include "app/model_section.hpp"
#include "platforms/model_factory.hpp"

namespace servesim::app {

std::vector<std::string> scenario_inputs(const sim::Scenario& scenario) {
  std::vector<std::string> inputs = {scenario.file};
  if (!scenario.workload.path.empty()) inputs.push_back(scenario.workload.path);
  if (scenario.model.is_object())
    for (const char* key : {"onnx", "profile", "gpu_profile"})
      if (scenario.model.contains(key) && scenario.model[key].is_string())
        inputs.push_back((std::filesystem::path(scenario.base_dir) / scenario.model[key].get<std::string>())
                             .lexically_normal()
                             .string());
  return inputs;
}

Prepared prepare(const std::string& scenario_path, const PrepareOptions& options) {
  return prepare(sim::load_scenario(scenario_path), options);
}

Prepared prepare(sim::Scenario scenario, const PrepareOptions& options) {
  Prepared out;
  ModelSection model = apply_model_section(scenario);
  out.model_line = std::move(model.line);
  out.model_profile = std::move(model.profile);
  check_given_memory(scenario);
  if (options.seed) scenario.seed = *options.seed;
  if (options.check_candidates) platforms::make_candidates(scenario);
  if (options.check_limits) {
    out.work = sim::estimate_work(scenario, options.writes_timeseries);
    sim::check_run_limits(out.work, options.limits, scenario.file);
  }
  out.out_dir = options.out_dir;
  // The name is a plain file name (sim/scenario.cpp).
  if (out.out_dir.empty() && options.default_out_dir) out.out_dir = "out/" + scenario.name;
  out.output.force = options.force;
  out.output.inputs = scenario_inputs(scenario);
  if (!out.out_dir.empty()) reports::OutputDir::check(out.out_dir, out.output);
  out.scenario = std::move(scenario);
  return out;
}

}  // namespace servesim::app
