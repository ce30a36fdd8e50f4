#pragma once
// What one run of the app produced: the checked scenario, one result per candidate, every candidate's
// time-series rows (kept whole: the app charts them) and the advisor's verdict on them. A cancelled or failed
// run produces no outcome. The run is app::prepare + app::run, as `servesim run` does it; the verdict comes
// from the run's own results (app::advise_run), so each candidate is simulated once.
//
//   RunOutcome out = run_scenario(document.scenario(), &cancel, [](double done_s, double total_s) {});
//   if (out.status == RunOutcome::Status::completed) export_run_files(out, "out/run");
#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/recorder.hpp"
#include "sim/run_result.hpp"
#include "sim/scenario.hpp"

namespace servesim::gui {

struct RunOutcome {
  enum class Status { completed, cancelled, failed };
  Status status = Status::completed;
  std::string error;             // failed: the one-line error, as the CLI prints it
  std::string model_line;        // the "model" section's description ("" without one)
  nlohmann::json model_profile;  // its measured profile, for the report (null without one)
  // The advisor's verdict, rule path and why-not lines (app::advise_run: the scenario's candidates from this
  // run, plus a simulated default for each placement the rules leave open and the scenario lists none for).
  std::string advice;
  sim::Scenario scenario;
  std::vector<sim::CandidateResult> results;
  std::vector<std::vector<sim::IntervalRow>> rows;  // [candidate][interval]
};

using RunOutcomePtr = std::shared_ptr<const RunOutcome>;

// Prepares and simulates the scenario (the same calls as `servesim run`, less the run limits), reporting
// progress as simulated seconds, then asks the advisor. Stops early, with status cancelled, when *cancel
// becomes true. Never throws.
RunOutcome run_scenario(sim::Scenario scenario, const std::atomic<bool>* cancel,
                        const std::function<void(double simulated_s, double total_s)>& on_progress);

// Writes the folder of `servesim run` (summary.json, timeseries.csv, latency_histogram.csv,
// report_context.json, the report's CSV tables; with `html_report` also report.html) into `folder`, which
// appears whole or not at all. Throws on I/O errors and for a folder that may not be replaced.
void export_run_files(const RunOutcome& outcome, const std::string& folder, bool html_report = false);

}  // namespace servesim::gui
