#pragma once
// Runs candidates against one workload on SimGrid. All candidates of a call share one SimGrid engine (one
// engine per process at a time), each in its own actor with its own hosts and links, each replaying the same
// arrivals (same workload and seed => same arrival times for every candidate).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/platform_model.hpp"
#include "sim/run_result.hpp"
#include "sim/workload.hpp"

namespace servesim::sim {

struct CandidateRun {
  std::string name;
  std::unique_ptr<PlatformModel> model;
};

struct RunOptions {
  WorkloadSpec workload;
  uint64_t seed = 1;
  double interval_s = 60;      // time-series resolution [s]
  double slo_latency_s = 1.0;  // latency target counted as "within SLO" [s]
  // Called for every closed time-series interval of every candidate (index into the candidate list).
  std::function<void(size_t, const IntervalRow&)> on_row;
};

// Simulates every candidate to completion and returns one result per candidate, in order. Rethrows the first
// error raised inside the simulation (InputError from a trace found bad while streaming).
std::vector<CandidateResult> simulate(const RunOptions& options, std::vector<CandidateRun>& candidates);

}  // namespace servesim::sim
