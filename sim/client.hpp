#pragma once
// The clients of one candidate: how a failed attempt is retried, within what budget, and what happens to an
// asynchronous event that keeps failing. Shared by the run loop (outages, crashes reported by models) and the
// platform models (HTTP 429 throttles), so that one retry budget covers every retry.
//
// - Synchronous (default): the caller retries a throttled or failed attempt with full-jitter exponential
//   backoff (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015) up to max_retries times. A
//   non-idempotent request is not retried after an error that may have happened while it ran (instance
//   crash, node failure): only after rejections that happened before it ran (outage, 429).
// - Retry budget (optional): retries within the last window_s may not exceed min_per_s x window_s +
//   ratio x requests that arrived in it (Finagle's RetryBudget: ttl 10 s, 10 retries/s, 20%); a retry over
//   budget is not made and the request ends as it failed.
// - Asynchronous (invocation "async", event-driven): the platform queues the event and retries a failed one
//   itself, async_max_retries times, waiting async_retry_delay_s x 2^k before retry k (AWS Lambda
//   asynchronous invocation: 2 retries, 1 then 2 minutes); an event that still fails goes to the dead-letter
//   queue (counted as dropped, and as dead-lettered in the fault report).
#include <cstdint>
#include <queue>
#include <vector>

#include "sim/arrival_source.hpp"
#include "sim/faults.hpp"
#include "sim/recorder.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace servesim::sim {

// What the faults of a run cost, per fault (same order as the scenario's list).
struct FaultOutcome {
  uint64_t attempts_failed = 0;  // attempts this fault made fail (rejected, crashed, throttled by it)
  uint64_t requests_lost = 0;    // requests whose last attempt failed because of it (counted as dropped)
  uint64_t dead_lettered = 0;    // async events sent to the dead-letter queue after failing because of it
  uint64_t requests_in_flight_lost = 0;  // requests that were running when it struck (crash, node failure)
  uint64_t instances_lost = 0;           // instances (environments, pods) it destroyed
};

struct ClientOutcome {
  uint64_t retries = 0;         // client retries made (after throttles and errors)
  uint64_t retries_denied = 0;  // retries the budget refused
  uint64_t async_retries = 0;   // platform retries of async events
  uint64_t dead_lettered = 0;   // async events that ended in the dead-letter queue
};

class Client {
 public:
  // A request to offer (again) to the platform at t_s.
  struct Attempt {
    double t_s;
    double origin_s;       // the request's first arrival
    uint32_t number;       // 0 = first attempt
    uint64_t key;          // the request's input key (kNoKey: not known where it failed)
    RequestTokens tokens;  // the request's token counts ({0, 0}: none, or not known where it failed)
  };

  Client(const ClientSpec& spec, size_t faults, Recorder& recorder, Rng& rng);

  // Every new request (feeds the retry budget).
  void arrival(double t_s);
  // Attempt `attempt_no` was throttled (HTTP 429) at t_s. True: the client retries at `retry_at_s` (the
  // caller re-offers it then); false: the request ends throttled (the caller records it).
  bool retry_throttled(double t_s, uint32_t attempt_no, double& retry_at_s);
  // Attempt `attempt.number` of a request failed at t_s because of fault `fault` (index into the scenario's
  // list). `ran`: the request may have (partly) run. The request is retried (by the client or, async, by the
  // platform: the run loop re-offers it at next_retry_s()), or it ends dropped. `key`: the request's input
  // key, carried to the retry (the run loop knows it; a platform model does not keep keys).
  void failed(double t_s, double origin_s, uint32_t attempt_no, bool ran, int fault, uint64_t key = kNoKey,
              RequestTokens tokens = {});
  // Throttles caused by a fault (attribution only; the throttle itself is handled as above).
  void throttled_by(int fault) { ++faults_[static_cast<size_t>(fault)].attempts_failed; }
  void lost_in_flight(int fault) { ++faults_[static_cast<size_t>(fault)].requests_in_flight_lost; }
  void instance_lost(int fault) { ++faults_[static_cast<size_t>(fault)].instances_lost; }

  // Retries waiting for their time (re-offered by the run loop).
  double next_retry_s() const { return pending_.empty() ? kNever : pending_.top().t_s; }
  Attempt pop_retry();
  bool has_work() const { return !pending_.empty(); }

  const std::vector<FaultOutcome>& faults() const { return faults_; }
  const ClientOutcome& outcome() const { return outcome_; }

 private:
  static constexpr double kNever = 1e300;
  struct Later {
    bool operator()(const Attempt& a, const Attempt& b) const { return a.t_s > b.t_s; }
  };
  bool budget_allows(double t_s);
  void roll_budget(double t_s);
  double backoff_s(uint32_t attempt_no);

  ClientSpec spec_;
  Recorder& rec_;
  Rng& rng_;
  std::vector<FaultOutcome> faults_;
  ClientOutcome outcome_;
  std::priority_queue<Attempt, std::vector<Attempt>, Later> pending_;
  // Retry budget: per-second buckets of arrivals and retries over the last window_s.
  std::vector<uint64_t> bucket_arrivals_, bucket_retries_;
  int64_t bucket_second_ = -1;
  uint64_t window_arrivals_ = 0, window_retries_ = 0;
};

}  // namespace servesim::sim
