#pragma once
// Runs candidates against one workload on SimGrid. All candidates of a call share one SimGrid engine (one
// engine per process at a time), each in its own actor with its own hosts and links, each replaying the same
// arrivals (same workload and seed => same arrival times for every candidate).
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/platform_model.hpp"
#include "sim/run_result.hpp"
#include "sim/scenario.hpp"
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
  // Called from the simulation at most every ~0.2 s of wall time with the simulated time done so far and the
  // total to do, summed over the candidates [s] (total_s < 0 when the replay length is not known in advance).
  std::function<void(double simulated_s, double total_s)> on_progress;
  // Checked every 65,536 events of each candidate: when it reads true, simulate() stops and throws Cancelled.
  const std::atomic<bool>* cancel = nullptr;
  ClientSpec client;              // retries, budget, idempotency, async invocation
  std::vector<FaultSpec> faults;  // injected faults (each names the candidates it applies to)
  // Wait on every SimGrid transfer at each step instead of only the ones that can finish first
  // (sim/transfer_pool.hpp): the slow reference the fast path is tested against; same results.
  bool exhaustive_transfers = false;

  // The workload, seed, time-series interval, SLO, client and faults of a scenario.
  static RunOptions for_scenario(const Scenario& scenario);
};

// Thrown by simulate() when RunOptions::cancel was set during the run (no result is returned).
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("simulation cancelled") {}
};

// Simulates every candidate to completion and returns one result per candidate, in order. Rethrows the first
// error raised inside the simulation (InputError from a trace found bad while streaming; Cancelled;
// Interrupted when SIGINT or SIGTERM asked the process to stop, core/interrupt.hpp). Throws
// InputError before the run when a fault targets a candidate whose platform does not model it.
std::vector<CandidateResult> simulate(const RunOptions& options, std::vector<CandidateRun>& candidates);

// Runs a short simulation of its own before (or after) a run, not inside one: a new engine with simulate()'s
// process-wide configuration, on which `build` creates a zone, hosts, links and actors (through
// simgrid::s4u::Engine::get_instance()); then runs it to completion. SimGrid's clock is process-wide: measure
// differences. Waits while another thread runs an engine; throws std::logic_error when called from inside a
// running simulation (platforms/fleet/node_fabric.hpp probes the GPUs' links this way).
void run_side_simulation(const std::function<void()>& build);

// Candidates this process has simulated so far: every simulate() call that starts its engine adds its
// candidates. Lets tests check that a pipeline simulates each candidate once, without timing it.
uint64_t simulated_candidates();

// Throws InputError (naming the fault's JSON pointer) when a fault applies to a candidate whose platform does
// not model it.
void check_faults(const std::vector<FaultSpec>& faults, const std::vector<CandidateRun>& candidates);

}  // namespace servesim::sim
