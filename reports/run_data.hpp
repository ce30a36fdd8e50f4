#pragma once
// A finished run read back from its output folder (summary.json, timeseries.csv, latency_histogram.csv): what
// the HTML report draws. Reports read these files; they never run a simulation.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace servesim::reports {

// One candidate's time series, one entry per interval (columns of timeseries.csv).
struct CandidateSeries {
  std::string name;
  std::vector<double> start_s, end_s;
  std::vector<double> arrivals, served, cold_starts, throttled, timed_out, dropped;
  std::vector<double> busy_mean, idle_mean, instances_peak;
  std::vector<double> p50_ms, p99_ms, cost_usd_cumulative;
};

struct HistogramBucket {
  double upper_ms = 0;
  double cumulative_fraction = 0;
};

struct RunData {
  std::string dir;
  nlohmann::json summary;                                // summary.json as written by servesim run
  std::vector<CandidateSeries> series;                   // in the order of summary["candidates"]
  std::vector<std::vector<HistogramBucket>> histograms;  // same order
};

// Throws InputError naming the file (and line) when a file is missing or malformed.
RunData read_run_dir(const std::string& dir);
// Parses timeseries.csv text (header required); `file` names it in errors.
std::vector<CandidateSeries> parse_timeseries_csv(const std::string& text, const std::string& file);

}  // namespace servesim::reports
