#pragma once
// The files of `servesim run`: summary.json (a stable contract), timeseries.csv, latency_histogram.csv.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/recorder.hpp"
#include "sim/run_result.hpp"
#include "sim/scenario.hpp"

namespace servesim::reports {

// Collects each candidate's time-series rows while the simulation runs and writes them, candidate by
// candidate, into one CSV with units in the header. Memory stays flat in trace length: a candidate's rows are
// kept in memory up to a bound and then appended to its part file, which is opened only for that append, so
// that 1,000 candidates never hold 1,000 files open. A run whose rows fit in memory writes no part file at
// all.
class TimeseriesWriter {
 public:
  // llm_columns: add the language-model columns (ttft_p99_ms, tpot_p99_ms, output_tokens,
  // kv_cache_utilization_mean, preemptions), for a scenario with service.llm. queue_columns: add the
  // event-source queue columns (queue_depth_peak, queue_oldest_age_peak_s), for a scenario with one.
  TimeseriesWriter(const std::string& path, const std::vector<std::string>& candidate_names,
                   bool llm_columns = false, bool queue_columns = false);
  ~TimeseriesWriter();
  void row(size_t candidate, const sim::IntervalRow& row);
  void close();  // joins the parts into `path`

 private:
  void flush(size_t candidate);  // appends the candidate's buffered rows to its part file

  std::string path_;
  std::vector<std::string> names_;
  std::vector<std::string> buffers_;  // rows not yet in a part file, per candidate
  std::vector<bool> has_part_;        // whether the candidate's part file exists
  bool llm_columns_ = false;
  bool queue_columns_ = false;
  size_t buffered_bytes_ = 0;
};

// summary.json content: {"scenario", "seed", "slo", "candidates": [{name, platform, requests, latency_ms,
// instances, cost_usd, slo, conservation}]}. Numbers are rounded to 6 significant digits.
nlohmann::ordered_json summary_json(const sim::Scenario& scenario,
                                    const std::vector<sim::CandidateResult>& results);
std::string latency_histogram_csv(const std::vector<sim::CandidateResult>& results);
// A fixed-width table for the terminal.
std::string summary_table(const sim::Scenario& scenario, const std::vector<sim::CandidateResult>& results);

double round_significant(double value, int digits = 6);

}  // namespace servesim::reports
