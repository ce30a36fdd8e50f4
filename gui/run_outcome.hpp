#pragma once
// What one run of the app produced: the checked scenario, one result per candidate and every candidate's
// time-series rows (kept whole: the app charts them). A cancelled or failed run produces no outcome.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "reports/output_dir.hpp"
#include "sim/recorder.hpp"
#include "sim/run_result.hpp"
#include "sim/scenario.hpp"

namespace servesim::gui {

struct RunOutcome {
  enum class Status { completed, cancelled, failed };
  Status status = Status::completed;
  std::string error;       // failed: the one-line error, as the CLI prints it
  std::string model_line;  // the "model" section's description ("" without one)
  // The advisor's verdict, rule path and why-not lines (advisor::advise on the same scenario; it simulates
  // its own evidence: the scenario's candidates plus a default for each placement the rules leave open).
  std::string advice;
  sim::Scenario scenario;
  std::vector<sim::CandidateResult> results;
  std::vector<std::vector<sim::IntervalRow>> rows;  // [candidate][interval]
};

using RunOutcomePtr = std::shared_ptr<const RunOutcome>;

// Simulates the scenario (the same calls as `servesim run`), reporting progress as simulated seconds.
// Stops early, with status cancelled, when *cancel becomes true. Never throws.
RunOutcome run_scenario(sim::Scenario scenario, const std::atomic<bool>* cancel,
                        const std::function<void(double simulated_s, double total_s)>& on_progress);

// Writes summary.json, timeseries.csv and latency_histogram.csv into an output folder (not committed).
void write_run_files(const RunOutcome& outcome, reports::OutputDir& dir);
// Writes the CSV/JSON files of `servesim run` (summary.json, timeseries.csv, latency_histogram.csv) into
// `folder`, which appears whole or not at all. Throws on I/O errors.
void export_run_files(const RunOutcome& outcome, const std::string& folder);

}  // namespace servesim::gui
