#pragma once
// Shared by the benchmarks: peak resident memory of this process, resettable between phases (Linux
// /proc/self/clear_refs), medians, the replay benchmarks' command line and their agreement table.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "sim/run_result.hpp"
#include "sim/scenario.hpp"

namespace servesim::bench {
double peak_rss_mb();   // VmHWM
void reset_peak_rss();  // VmHWM := current RSS
double median(std::vector<double> values);
inline double last(const std::vector<double>& values) {
  return values.empty() ? 0 : values.back();
}
double seconds_since(std::chrono::steady_clock::time_point start);

// bench_<platform>_replay [TRACE.bz2] [--runs N] [--days D] [--only servesim|bare]: default the 22-day
// Twitter trace, one run, all of it, both sides (--only runs one side, for profiling).
struct ReplayArgs {
  std::string trace = "scenarios/traces/twitter-2021-rps.txt.bz2";
  int runs = 1;
  double days = -1;  // > 0: only the first D days (both sides)
  bool servesim = true, bare = true;
};
ReplayArgs parse_replay_args(int argc, char** argv);

// ServeSim's side: simulates the scenario (time series discarded) and returns its first candidate's result.
sim::CandidateResult simulate_first(const sim::Scenario& scenario);

// Wall time and peak memory of each side over the runs.
struct SideBySide {
  std::vector<double> sim_s, bare_s, sim_mb, bare_mb;
};
// Runs `servesim` then `bare` (each when args selects it) args.runs times, each with a fresh peak-memory
// mark, and prints one line per run.
SideBySide run_side_by_side(const ReplayArgs& args, const std::function<void()>& servesim,
                            const std::function<void()>& bare);

// One output compared between ServeSim and the bare loop; within tolerance when |servesim - bare| <=
// relative_tolerance x max(|servesim|, |bare|).
struct Agreement {
  std::string what;
  double servesim, bare, relative_tolerance;
};
// Prints the rows side by side with their relative difference; returns whether all are within tolerance.
bool print_agreement(const std::vector<Agreement>& rows);

// The timing summary over the runs: medians of wall time and peak RSS of each side, requests per second and
// the ratio ServeSim / bare loop.
void print_medians(int runs, double requests, const std::vector<double>& sim_s,
                   const std::vector<double>& bare_s, const std::vector<double>& sim_mb,
                   const std::vector<double>& bare_mb);
}  // namespace servesim::bench
