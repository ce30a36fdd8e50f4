#pragma once
// What one candidate's run produced: the stable content of summary.json plus the whole-run histogram.
#include <string>
#include <utility>
#include <vector>

#include "sim/client.hpp"
#include "sim/latency_histogram.hpp"
#include "sim/recorder.hpp"

namespace servesim::sim {

struct CandidateResult {
  std::string name;
  std::string platform;
  Counters requests;
  LatencyHistogram latency;
  double instances_mean = 0;
  uint32_t instances_peak = 0;
  double busy_instance_seconds = 0;
  std::vector<std::pair<std::string, double>> cost_usd;  // breakdown
  double cost_total_usd = 0;
  double simulated_s = 0;  // end of the run [s]
  double wall_s = 0;       // wall time of the simulation [s] (not part of summary.json: not deterministic)
  // Faults (same order as RunOptions::faults; entries of faults that do not apply to it stay zero).
  std::vector<FaultOutcome> faults;
  std::vector<Counters> fault_windows;  // outcomes that happened within each fault's window
  ClientOutcome client;
};

}  // namespace servesim::sim
