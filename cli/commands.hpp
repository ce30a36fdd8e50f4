#pragma once
// Each subcommand of `servesim` is one function: it gets the arguments after the subcommand name and returns
// the process exit status (0 ok, 1 SLO not met with --fail-on-slo, 2 bad input, 3 internal error). InputError
// thrown from a command is printed as one line and turned into status 2 by main().
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace servesim::sim {
struct Scenario;
}

namespace servesim::cli {

using Args = std::vector<std::string>;

int run_command(const Args& args);       // servesim run
int validate_command(const Args& args);  // servesim validate
int catalog_command(const Args& args);   // servesim catalog
int report_command(const Args& args);    // servesim report RUN_DIR --html OUT.html
int advise_command(const Args& args);    // servesim advise
int tune_command(const Args& args);      // servesim tune
int sweep_command(const Args& args);     // servesim sweep SWEEP.json --out DIR [--jobs N]

// Applies the scenario's "model" section (profiles the ONNX model or reads the saved profile, fills the
// service times the scenario left out, checks memory); returns a line describing it ("" without a model
// section).
// With `profile_json`, also returns the measured profile (models::to_json plus its source) for the report.
std::string apply_model_section(sim::Scenario& scenario, nlohmann::json* profile_json = nullptr);

// Report helpers shared by `run` and `report` (report_command.cpp): report_context.json and the report's CSV
// tables written into a run folder that already holds summary.json, timeseries.csv and latency_histogram.csv;
// the HTML report of a finished run folder.
// `recommendation` ({"verdict", "candidate", "reasons": [...]}, from `servesim advise`) heads the report when
// given.
// `model_profile` (from apply_model_section) fills the report's model section.
void write_report_inputs(const sim::Scenario& scenario, const std::string& dir,
                         const nlohmann::json& recommendation = nullptr,
                         const nlohmann::json& model_profile = nullptr);
void write_html_report(const std::string& run_dir, const std::string& html_path);

#ifdef SERVESIM_HAVE_MODELS
int inspect_command(const Args& args);  // servesim inspect MODEL.onnx
int models_command(const Args& args);   // servesim models generate|quantize ...
int profile_command(const Args& args);  // servesim profile MODEL.onnx
#endif

}  // namespace servesim::cli
