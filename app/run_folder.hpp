#pragma once
// The output folder of a run, as `servesim run` writes it: summary.json, timeseries.csv,
// latency_histogram.csv, report_context.json, the report's CSV tables and the marker file, optionally the
// HTML report; it appears whole or not at all (reports::OutputDir). RunFolder is opened before the run, so
// that the time series streams into it while the run goes on; write_run_folder writes one from a run whose
// rows were kept (the desktop app).
//
//   app::RunFolder folder(prepared.out_dir, prepared.output, app::candidate_names(prepared.scenario));
//   const auto outcome = app::run(prepared, {.on_row = folder.row_sink()});
//   folder.commit(outcome.scenario, outcome.results, {.model_profile = outcome.model_profile});
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "app/run.hpp"
#include "reports/output_dir.hpp"
#include "reports/run_report.hpp"

namespace servesim::app {

struct FolderOptions {
  nlohmann::json recommendation = nullptr;  // heads the report ({"verdict", "candidate", "reasons"})
  nlohmann::json model_profile = nullptr;   // the report's model section (RunOutcome::model_profile)
  // Files written beside the run's (advice.json): name and content.
  std::vector<std::pair<std::string, std::string>> extra_files;
  bool html_report = false;  // also write report.html into the folder
};

class RunFolder {
 public:
  // Refuses (InputError) a folder that may not be replaced under `options`, as reports::OutputDir does.
  // llm_columns: timeseries.csv gets the language-model columns (a scenario with service.llm);
  // queue_columns: the queue columns (app::has_queue_columns).
  RunFolder(const std::string& path, const reports::OutputDir::Options& options,
            const std::vector<std::string>& candidate_names, bool llm_columns = false,
            bool queue_columns = false);
  RunFolder(const RunFolder&) = delete;
  RunFolder& operator=(const RunFolder&) = delete;

  void row(size_t candidate, const sim::IntervalRow& row) { series_.row(candidate, row); }
  // row() as a callback for app::RunOptions::on_row (the folder must outlive the run).
  std::function<void(size_t, const sim::IntervalRow&)> row_sink();
  // Writes the run's files (results in the order of the names given to the constructor), then moves the
  // folder into place.
  void commit(const sim::Scenario& scenario, const std::vector<sim::CandidateResult>& results,
              const FolderOptions& options = {});
  const std::string& final_path() const { return dir_.final_path(); }

 private:
  reports::OutputDir dir_;
  reports::TimeseriesWriter series_;
};

// The folder of a finished run whose rows ([candidate][interval]) were kept. Returns its path.
std::string write_run_folder(const sim::Scenario& scenario, const std::vector<sim::CandidateResult>& results,
                             const std::vector<std::vector<sim::IntervalRow>>& rows, const std::string& path,
                             const reports::OutputDir::Options& output = {},
                             const FolderOptions& options = {});
// The same for an app::run outcome (its model profile fills the report's model section).
std::string write_run_folder(const RunOutcome& outcome,
                             const std::vector<std::vector<sim::IntervalRow>>& rows, const std::string& path,
                             const reports::OutputDir::Options& output = {},
                             const FolderOptions& options = {});

}  // namespace servesim::app
