#pragma once
// app::run: simulates a prepared scenario's candidates side by side on the same arrivals, as `servesim run`
// does, and returns the results with their summary.json. The time-series rows go to a callback (the CLI
// streams them into timeseries.csv, the desktop app keeps them for its charts): memory stays flat in the
// trace's length.
//
//   const app::Prepared prepared = app::prepare("scenarios/trending-topic.json");
//   const app::RunOutcome outcome = app::run(prepared, {.on_row = [](size_t, const sim::IntervalRow&) {}});
#include <atomic>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/prepare.hpp"
#include "sim/recorder.hpp"
#include "sim/run_result.hpp"
#include "sim/scenario.hpp"

namespace servesim::app {

struct RunOptions {
  std::optional<uint64_t> seed;  // replaces the prepared scenario's seed for this run only
  // Simulated time done and to do, summed over the candidates [s] (sim::RunOptions::on_progress).
  std::function<void(double simulated_s, double total_s)> on_progress;
  // When it reads true the run stops and app::run throws sim::Cancelled.
  const std::atomic<bool>* cancel = nullptr;
  // Every closed time-series interval of every candidate (index into the scenario's candidates).
  std::function<void(size_t candidate, const sim::IntervalRow& row)> on_row;
};

struct RunOutcome {
  sim::Scenario scenario;                     // as simulated (the seed override applied)
  std::vector<sim::CandidateResult> results;  // one per candidate, in the scenario's order
  nlohmann::ordered_json summary;             // summary.json's content
  std::string model_line;                     // from the prepared scenario
  nlohmann::json model_profile;               // from the prepared scenario
};

// Throws what sim::simulate throws: InputError for a trace found bad while streaming, sim::Cancelled,
// core::Interrupted (SIGINT, SIGTERM).
RunOutcome run(const Prepared& prepared, const RunOptions& options = {});

// The names of the scenario's candidates, in order (timeseries.csv's writer wants them before the run).
std::vector<std::string> candidate_names(const sim::Scenario& scenario);
// Whether timeseries.csv gets the queue columns: the scenario has an event source, or an async client and a
// candidate whose platform queues async events (Azure Functions' Storage queue, docs/events.md).
bool has_queue_columns(const sim::Scenario& scenario);

}  // namespace servesim::app
