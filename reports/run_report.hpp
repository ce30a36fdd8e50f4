#pragma once
// The files of `servesim run`: summary.json (a stable contract), timeseries.csv, latency_histogram.csv.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/recorder.hpp"
#include "sim/run_result.hpp"
#include "sim/scenario.hpp"

namespace servesim::reports {

// Streams each candidate's time-series rows to its own part file while the simulation runs (memory stays flat
// in trace length), then joins them, candidate by candidate, into one CSV with units in the header.
class TimeseriesWriter {
 public:
  TimeseriesWriter(const std::string& path, const std::vector<std::string>& candidate_names);
  ~TimeseriesWriter();
  void row(size_t candidate, const sim::IntervalRow& row);
  void close();  // joins the parts into `path`

 private:
  std::string path_;
  std::vector<std::string> names_;
  std::vector<std::string> part_paths_;
  std::vector<FILE*> parts_;
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
