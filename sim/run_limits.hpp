#pragma once
// The work a run implies, estimated before it starts, and the limits a run must stay within unless the user
// raises them (--max-arrivals, --max-output-mb). A two-row trace with "scale": 1e9, or 1e9 requests/s for
// 1e10 s, must be refused at once with the numbers, not discovered by a bad_alloc or a full disk.
//
// The estimate never materialises anything proportional to the arrivals or to the simulated time: synthetic
// workloads are integrated analytically, a rate trace is summed second by second (its per-second counts, not
// its arrivals), a request trace is counted row by row and multiplied by its scale.
//
// Usage:
//   const sim::WorkEstimate work = sim::estimate_work(scenario, /*writes_timeseries=*/true);
//   sim::check_run_limits(work, limits, scenario.file);  // throws InputError beyond a limit
#include <string>

#include "sim/scenario.hpp"

namespace servesim::sim {

struct RunLimits {
  double max_arrivals = 1e9;    // arrivals of one simulation (bundled scenarios: a few tens of millions)
  double max_output_mb = 2048;  // estimated size of the output folder [MB]
};

struct WorkEstimate {
  double arrivals = 0;         // expected arrivals (exact for a rate trace and an unscaled request trace)
  std::string arrivals_basis;  // how arrivals were found, for messages ("2 rows x scale 1e+09")
  double simulated_s = 0;      // simulated time a run covers [s]
  size_t candidates = 0;       // simulated side by side on the same arrivals
  double timeseries_rows = 0;  // rows of timeseries.csv, all candidates (0 when none is written)
  double output_mb = 0;        // estimated size of the output folder [MB]
  double run_time_s = 0;       // estimated wall time at kRequestsPerSecond per candidate-request [s]
};

// Simulated requests per second of wall time, one candidate: bench_trending_topic's 4.1-4.3 M on the
// project's 2-core machine (README, Performance).
constexpr double kRequestsPerSecond = 4e6;

// Reads a trace once (counts and rows, never copies or placed arrivals); throws InputError for a bad trace
// as the arrival sources would. `writes_timeseries`: whether the command writes timeseries.csv.
WorkEstimate estimate_work(const Scenario& scenario, bool writes_timeseries);

// Throws InputError "<file>: /workload: ... more than --max-arrivals N ..." (or --max-output-mb) when the
// estimate exceeds a limit.
void check_run_limits(const WorkEstimate& work, const RunLimits& limits, const std::string& file);

// One line for `servesim validate`: arrivals, simulated span, timeseries rows and MB, estimated run time.
std::string describe_work(const WorkEstimate& work);

}  // namespace servesim::sim
