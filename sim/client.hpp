#pragma once
// The clients of one candidate: how a failed attempt is retried, within what budget, what happens to an
// asynchronous event that keeps failing, and how an attempt that ran is counted (completed()). Shared by the
// run loop (outages, crashes reported by models) and the platform models (HTTP 429 throttles, every end of an
// attempt), so that one retry budget covers every retry and sync and async requests are counted alike on
// every platform.
//
// - Synchronous (default): the caller retries a throttled or failed attempt with full-jitter exponential
//   backoff (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015) up to max_retries times. A
//   non-idempotent request is not retried after an error that may have happened while it ran (instance
//   crash, node failure): only after rejections that happened before it ran (outage, 429).
// - Retry budget (optional): retries within the last window_s may not exceed min_per_s x window_s +
//   ratio x requests that arrived in it (Finagle's RetryBudget: ttl 10 s, 10 retries/s, 20%); a retry over
//   budget is not made and the request ends as it failed.
// - Asynchronous (invocation "async", event-driven): the platform queues the event and retries it itself
//   (AWS Lambda, "How Lambda handles errors and retries with asynchronous invocation"). A throttle (429) or a
//   system error (5xx: an outage) is retried after 1 s, 2 s, 4 s, ... capped at 5 minutes, for as long as the
//   event is younger than its maximum age (6 h by default); a function error (a crash while it ran, a
//   function timeout) is retried async_max_retries (2) times, 1 then 2 minutes later. An event that runs
//   out of function-error retries is dead-lettered; one whose next retry would come after its maximum age
//   expires. Both go to the on-failure destination / DLQ and count as dropped. The caller never waits: an
//   event served late is served, its latency the delay from enqueue to the end of processing.
#include <cstdint>
#include <limits>
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
  uint64_t async_retries = 0;   // platform retries of async events (function errors, throttles, 5xx)
  uint64_t dead_lettered = 0;   // async events that failed their last function-error retry (to the DLQ)
  uint64_t expired_by_age = 0;  // async events discarded at their maximum event age (to the DLQ)
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
  // What becomes of a throttled attempt.
  enum class Throttle {
    retry,      // the caller re-offers it at retry_at_s, as attempt number `attempt` (updated)
    throttled,  // a synchronous request ends throttled: the caller records it
    queued,     // an async event went back to the platform's event queue (re-offered by the run loop) or
                // expired there (recorded): nothing for the caller to do
  };
  // Attempt `attempt` of the request that first arrived at origin_s was throttled (HTTP 429) at t_s.
  // `tokens` (a language model's request) travel with an async event's retry, as with completed().
  Throttle throttled(double t_s, double origin_s, uint32_t& attempt, double& retry_at_s,
                     const RequestTokens& tokens);
  // How an attempt that the platform ran ended.
  enum class Ended {
    finished,        // it ran to its end
    function_error,  // the platform stopped it: a function timeout (Lambda), a request timeout (fleet)
  };
  // Records how attempt `attempt` of the request that first arrived at origin_s ended at t_s, on `recorder`
  // (the model's own: a topology stage has one). Every platform model calls it for every attempt that ran to
  // an end, so that sync and async requests are counted alike everywhere:
  // - synchronous: served if it finished within client_limit_s of origin_s (the caller's timeout, or a
  //   shorter gateway's), else timed out (the caller gave up); stopped by the platform: timed out;
  // - async: nobody waits, so a finished event is served whatever its delay; a function error is retried by
  //   the event queue (async_max_retries times, 1 and 2 minutes later) or dead-lettered.
  // `tokens` travel with an async retry. Returns true when it was counted served (the caller may then record
  // its own per-request figures).
  // (The common case, a synchronous request that finished in time, is inline: it is every request's end.)
  bool completed(Recorder& recorder, double t_s, double origin_s, uint32_t attempt, Ended how,
                 double client_limit_s, RequestTokens tokens = {}) {
    if (!spec_.async && how == Ended::finished && t_s - origin_s <= client_limit_s) [[likely]] {
      recorder.served(t_s, t_s - origin_s);
      return true;
    }
    return completed_otherwise(recorder, t_s, origin_s, attempt, how, client_limit_s, tokens);
  }
  bool is_async() const { return spec_.async; }
  // For a platform whose event queue redelivers a failed message itself, instead of Lambda's policy (Azure
  // Storage queues: a message is dequeued at most max_dequeue_count times, visible again visibility_timeout_s
  // after a failure, kept for message_ttl_s): function errors are then retried max_dequeue_count - 1 times,
  // each after visibility_timeout_s, and an event older than message_ttl_s is not delivered again. Throttles
  // and system errors keep the backoff above. Call before the replay starts.
  void use_queue_redelivery(uint32_t max_dequeue_count, double visibility_timeout_s, double message_ttl_s) {
    spec_.async_max_retries = max_dequeue_count > 0 ? max_dequeue_count - 1 : 0;
    spec_.async_retry_delay_s = visibility_timeout_s;
    spec_.async_retry_delay_doubles = false;
    spec_.async_max_event_age_s = message_ttl_s;
  }
  // How long after its first arrival a request's caller still waits for it: client_limit_s for a synchronous
  // caller, forever (infinity) for an async event. A platform model drops the requests that waited longer
  // from its queues, counted timed out.
  double wait_limit_s(double client_limit_s) const {
    return spec_.async ? std::numeric_limits<double>::infinity() : client_limit_s;
  }
  // Attempt `attempt_no` of a request failed at t_s because of fault `fault` (index into the scenario's
  // list). `ran`: the request may have (partly) run (async: a function error; otherwise a system error).
  // The request is retried (by the client or, async, by the platform: the run loop re-offers it at
  // next_retry_s()), or it ends dropped. `key`: the request's input key, carried to the retry (the run loop
  // knows it; a platform model does not keep keys).
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
  // Adds another client's fault counts to this one's (a workflow's tasks have their own clients, whose
  // faults are reported with the candidate's: platforms/topology/topology_workflow.hpp).
  void add_faults(const std::vector<FaultOutcome>& other);
  const ClientOutcome& outcome() const { return outcome_; }

 private:
  bool completed_otherwise(Recorder& recorder, double t_s, double origin_s, uint32_t attempt, Ended how,
                           double client_limit_s, RequestTokens tokens);
  static constexpr double kNever = 1e300;
  struct Later {
    bool operator()(const Attempt& a, const Attempt& b) const { return a.t_s > b.t_s; }
  };
  // An async event's attempt number holds its two retry counts: function-error retries in the low 16 bits,
  // throttle and system-error retries above them (a synchronous request's is its plain attempt count).
  static constexpr uint32_t kAsyncThrottleUnit = 1u << 16;
  // Async retries: a function error (retried 1 and 2 minutes later, then dead-lettered), a throttle or
  // system error (retried after the exponential interval until the maximum age). `fault`: the fault to
  // charge a lost event to (-1: none).
  void async_function_error(double t_s, double origin_s, uint32_t attempt, int fault, uint64_t key,
                            RequestTokens tokens);
  void async_backoff(double t_s, double origin_s, uint32_t attempt, int fault, uint64_t key,
                     RequestTokens tokens);
  // Re-queues an async event at retry_at_s as `next_attempt` if it is then no older than its maximum age;
  // otherwise it expires.
  void async_requeue(double t_s, double origin_s, double retry_at_s, uint32_t next_attempt, int fault,
                     uint64_t key, RequestTokens tokens);
  void async_lost(double t_s, int fault, bool expired);
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
