#pragma once
// One candidate's replay inside simulate() (sim/engine.cpp), in three pieces:
// - the event loop (CandidateReplay::run_events): arrivals, the model's events, retries, fault changes and
//   SimGrid transfers merged in time order;
// - the fault changes (CandidateReplay::apply_fault_change): what a fault of the schedule
// (sim/fault_schedule.hpp)
//   does to the model or the store links when it starts or ends;
// - the result collection (collect_result): the CandidateResult from what the recorder, the client and the
//   model saw.
// Internal to the engine: simulate() creates one CandidateReplay per candidate as a SimGrid actor.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <vector>

#include "sim/arrival_source.hpp"
#include "sim/client.hpp"
#include "sim/engine.hpp"
#include "sim/fault_schedule.hpp"
#include "sim/faults.hpp"
#include "sim/platform_model.hpp"
#include "sim/recorder.hpp"
#include "sim/rng.hpp"
#include "sim/run_result.hpp"
#include "sim/transfer_pool.hpp"

namespace servesim::sim {

// Progress of all candidates for RunOptions::on_progress: each replay reports its simulated time every 65,536
// events, and the callback fires when at least 0.2 s of wall time passed since the last call.
class Progress {
 public:
  Progress(const RunOptions& options, size_t candidates);
  bool enabled() const { return static_cast<bool>(callback_); }
  void set_total(size_t i, double total_s) { total_s_[i] = total_s; }
  void update(size_t i, double now_s);

 private:
  std::function<void(double, double)> callback_;
  std::vector<double> now_s_, total_s_;
  std::chrono::steady_clock::time_point last_;
};

// The candidate's result from what its recorder, client and model saw up to end_s; windows[k] is fault k's
// recorder window (SIZE_MAX for a fault that does not apply to the candidate).
CandidateResult collect_result(const std::string& name, double end_s, const Recorder& recorder,
                               const Client& client, const PlatformModel& model,
                               const std::vector<size_t>& windows);

// One candidate's replay, run as a SimGrid actor: errors are kept in `error` for simulate() to rethrow.
class CandidateReplay {
 public:
  CandidateReplay(const RunOptions& options, size_t index, CandidateRun& candidate, CandidateResult& result,
                  std::exception_ptr& error, double clock_origin_s, Progress& progress,
                  std::vector<StoreLink> links);

  void operator()();

 private:
  // What one replay works with, built in this order (the random streams depend on it).
  struct State {
    State(const RunOptions& options, const std::string& candidate, double clock_origin_s,
          Recorder::RowSink sink);
    std::unique_ptr<ArrivalSource> source;
    Rng rng;  // common random numbers across candidates
    TransferPool transfers;
    Recorder recorder;
    Client client;
    const CrashHazard crashes;
    FaultSchedule schedule;
    std::vector<size_t> windows;  // per fault: its recorder window, SIZE_MAX when it does not apply
    uint64_t request_key = kNoKey;
    RequestTokens request_tokens;
    ModelContext ctx;
  };

  void replay();
  // Runs every event to the end; returns the time of the last one [s].
  double run_events(State& state, PlatformModel& model);
  // An attempt reaches the platform, unless an outage rejects it at the front door (HTTP 503).
  // Inline: every arrival and retry goes through it.
  inline void offer(State& state, PlatformModel& model, double t_s, double origin_s, uint32_t attempt,
                    uint64_t key, RequestTokens tokens);
  void apply_fault_change(State& state, PlatformModel& model, const FaultSchedule::Change& change);

  const RunOptions& options_;
  size_t index_;
  CandidateRun& candidate_;
  CandidateResult& result_;
  std::exception_ptr& error_;
  double origin_s_;
  Progress& progress_;
  std::vector<StoreLink> links_;  // the model's store links (slowed by slow-storage faults)
};

}  // namespace servesim::sim
