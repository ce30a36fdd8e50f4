#pragma once
// The tables of the HTML report, computed from a finished run, and their CSV exports (units in the header,
// readable by pandas as they are): candidates.csv, cost_breakdown.csv, spike_windows.csv, assumptions.csv.
#include <string>
#include <utility>
#include <vector>

#include "reports/report_context.hpp"
#include "reports/run_data.hpp"

namespace servesim::reports {

constexpr double kMonthS = 30 * 86400.0;  // the month of "monthly cost" [s]

// Simulated cost scaled to a 30-day month: cost x kMonthS / simulated_s (the traffic is assumed to repeat).
double monthly_usd(double cost_usd, double simulated_s);

// The candidate that meets the SLO (summary's slo.met, sim/slo.hpp) at the lowest total cost; -1 when none
// does.
int best_by_simulation(const nlohmann::json& summary);

// Spike windows: maximal runs of consecutive intervals whose arrival rate exceeds factor x the median
// interval rate (factor x the mean when the median is 0).
struct SpikeWindow {
  size_t first = 0, last = 0;  // interval indices, inclusive
  double start_s = 0, end_s = 0;
  double peak_rps = 0;
};
struct SpikeAnalysis {
  double factor = 2;
  double median_rps = 0, threshold_rps = 0;
  std::vector<SpikeWindow> windows;
};
std::vector<double> arrival_rate_rps(const CandidateSeries& series);
SpikeAnalysis find_spikes(const CandidateSeries& series, double factor);

// Per candidate and window: what happened inside it.
struct WindowOutcome {
  double arrivals = 0, cold_starts = 0, throttled = 0, timed_out = 0, dropped = 0;
  double p99_ms_max = 0;  // the worst interval's p99
};
WindowOutcome window_outcome(const CandidateSeries& series, const SpikeWindow& window);

std::string candidates_csv(const RunData& run);
std::string cost_breakdown_csv(const RunData& run);
std::string spike_windows_csv(const RunData& run, const SpikeAnalysis& spikes);
std::string assumptions_csv(const ReportContext& context);
// {file name, text} of every CSV table above.
std::vector<std::pair<std::string, std::string>> report_csv_files(const RunData& run,
                                                                  const ReportContext& context,
                                                                  double spike_factor = 2);

}  // namespace servesim::reports
