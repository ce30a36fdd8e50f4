#pragma once
// app::prepare: everything a run checks before it simulates. Loads (or takes) the scenario, applies its
// "model" section and a seed override, checks the candidates, estimates the work and refuses it beyond the
// run limits (reading the whole trace once, so a bad token is reported before any output exists), and
// refuses an output folder that may not be replaced. Nothing is simulated or written.
//
//   app::PrepareOptions options;
//   options.out_dir = "out/trending-topic";
//   const app::Prepared prepared = app::prepare("scenarios/trending-topic.json", options);
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "reports/output_dir.hpp"
#include "sim/run_limits.hpp"
#include "sim/scenario.hpp"

namespace servesim::app {

struct PrepareOptions {
  std::optional<uint64_t> seed;   // replaces the scenario's "seed" (--seed)
  sim::RunLimits limits;          // --max-arrivals, --max-output-mb
  bool check_limits = true;       // estimate the work and refuse a run beyond `limits`
  bool writes_timeseries = true;  // whether the run writes timeseries.csv (it counts towards the output size)
  // Build every candidate's platform model once (InputError for a bad setting). The advisor and the tuner
  // choose their own candidate sets and check them as they build them.
  bool check_candidates = true;
  // The output folder the run will replace: checked as reports::OutputDir checks it, touching nothing ("":
  // no folder). With `default_out_dir`, "" means out/<scenario name>.
  std::string out_dir;
  bool default_out_dir = false;
  bool force = false;  // replace an output folder holding files that servesim did not write (--force)
};

struct Prepared {
  sim::Scenario scenario;        // checked, model section applied, seed overridden
  std::string model_line;        // the model section's one-line description ("" without one)
  nlohmann::json model_profile;  // its measured profile for the report (null without one)
  sim::WorkEstimate work;        // the estimate checked against the limits (empty when not checked)
  std::string out_dir;           // the output folder ("" when none)
  reports::OutputDir::Options
      output;  // how that folder may be replaced (--force, the inputs it must not hold)
};

// Throws InputError (file, JSON pointer, what was expected) for a bad scenario, candidate, trace, a run
// beyond the limits or an output folder that may not be replaced.
Prepared prepare(const std::string& scenario_path, const PrepareOptions& options = {});
Prepared prepare(sim::Scenario scenario, const PrepareOptions& options = {});

// The files a scenario reads: the scenario itself, its trace, its model's ONNX file or profile. An output
// folder must never hold one of them.
std::vector<std::string> scenario_inputs(const sim::Scenario& scenario);

}  // namespace servesim::app
