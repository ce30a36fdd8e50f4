#pragma once
// The scenario's "model" section (app/scenario_model.hpp) as every front end applies it, and whether this
// build has models/ at all. This is the one place that asks the build; the rest of ServeSim asks
// has_models().
//
//   sim::Scenario sc = sim::load_scenario("scenarios/text-classifier-onnx.json");
//   const app::ModelSection model = app::apply_model_section(sc);  // service times from the profile
#include <nlohmann/json.hpp>
#include <string>

#include "sim/scenario.hpp"

namespace servesim::app {

// Whether this build has models/ (ONNX inspection and profiling, the `model` section).
bool has_models();

struct ModelSection {
  std::string line;  // one line describing the model and its service times ("" without a model section)
  nlohmann::json
      profile;  // the measured profile (models::to_json plus "source") for the report; null without
};

// Profiles the ONNX model (or reads the saved profile), fills the service times the scenario left out and
// checks every candidate's memory. Throws InputError naming /model when the section is bad, or when this
// build has no models/ and the scenario has a model section.
ModelSection apply_model_section(sim::Scenario& scenario);

// The checks of apply_model_section that are quick enough to run on every edit: a {"profile": FILE} section
// is read and applied; an {"onnx": FILE} one is left for the run (profiling takes seconds). Without models/
// nothing is checked here (the run refuses the section).
void check_model_section(sim::Scenario& scenario);

}  // namespace servesim::app
