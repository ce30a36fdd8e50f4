#pragma once
// The report's inputs in a run folder and the HTML report of a finished one (docs/reports.md). A run folder
// holds summary.json, timeseries.csv and latency_histogram.csv; report_context.json and the report's CSV
// tables (candidates.csv, cost_breakdown.csv, spike_windows.csv, assumptions.csv) are written from them and
// from the scenario, and the HTML report from all of them, without simulating again.
//
//   app::write_report_inputs(outcome.scenario, "out/run.tmp-42");   // before the folder is committed
//   app::write_html_report("out/run", "out/run.html");               // any time later
#include <nlohmann/json.hpp>
#include <string>

#include "sim/scenario.hpp"

namespace servesim::app {

// `recommendation` ({"verdict", "candidate", "reasons": [...]}, advice_head()) heads the report when given;
// `model_profile` (ModelSection::profile) fills its model section.
void write_report_inputs(const sim::Scenario& scenario, const std::string& dir,
                         const nlohmann::json& recommendation = nullptr,
                         const nlohmann::json& model_profile = nullptr);
// Renders the HTML report of the run folder `run_dir` into `html_path` (its folder is created).
void write_html_report(const std::string& run_dir, const std::string& html_path);

}  // namespace servesim::app
