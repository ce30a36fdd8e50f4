#include "app/run_folder.hpp"

#include <filesystem>

#include "app/report_files.hpp"
#include "app/run.hpp"

namespace servesim::app {

RunFolder::RunFolder(const std::string& path, const reports::OutputDir::Options& options,
                     const std::vector<std::string>& candidate_names, bool llm_columns, bool queue_columns)
    : dir_(path, options),
      series_(dir_.file("timeseries.csv"), candidate_names, llm_columns, queue_columns) {}

std::function<void(size_t, const sim::IntervalRow&)> RunFolder::row_sink() {
  return [this](size_t candidate, const sim::IntervalRow& row) { series_.row(candidate, row); };
}

void RunFolder::commit(const sim::Scenario& scenario, const std::vector<sim::CandidateResult>& results,
                       const FolderOptions& options) {
  series_.close();
  for (const auto& [name, text] : options.extra_files) reports::write_file_atomic(dir_.file(name), text);
  reports::write_file_atomic(dir_.file("summary.json"),
                             reports::summary_json(scenario, results).dump(2) + "\n");
  reports::write_file_atomic(dir_.file("latency_histogram.csv"), reports::latency_histogram_csv(results));
  const std::string tmp = std::filesystem::path(dir_.file("summary.json")).parent_path().string();
  write_report_inputs(scenario, tmp, options.recommendation, options.model_profile);
  if (options.html_report) write_html_report(tmp, dir_.file("report.html"));
  dir_.commit();
}

std::string write_run_folder(const sim::Scenario& scenario, const std::vector<sim::CandidateResult>& results,
                             const std::vector<std::vector<sim::IntervalRow>>& rows, const std::string& path,
                             const reports::OutputDir::Options& output, const FolderOptions& options) {
  RunFolder folder(path, output, candidate_names(scenario), scenario.service.llm.given,
                   has_queue_columns(scenario));
  for (size_t i = 0; i < rows.size(); ++i)
    for (const auto& row : rows[i]) folder.row(i, row);
  folder.commit(scenario, results, options);
  return folder.final_path();
}

std::string write_run_folder(const RunOutcome& outcome,
                             const std::vector<std::vector<sim::IntervalRow>>& rows, const std::string& path,
                             const reports::OutputDir::Options& output, const FolderOptions& options) {
  FolderOptions with_profile = options;
  if (with_profile.model_profile.is_null()) with_profile.model_profile = outcome.model_profile;
  return write_run_folder(outcome.scenario, outcome.results, rows, path, output, with_profile);
}

}  // namespace servesim::app
