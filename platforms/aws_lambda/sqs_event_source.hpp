#pragma once
// An SQS standard queue read by a Lambda event source mapping (scenario "event_source", docs/events.md): the
// run's arrivals are messages sent to the queue; pollers receive them in batches and invoke the function
// (a LambdaModel in event source mode, which bills and scales as always) with each batch. AWS's documented
// behaviour, sources in docs/events.md:
// - a batch is sent when it holds batch_size messages or its batching window has passed (window 0: at once,
//   with what is there);
// - concurrent batches start at 5 and grow by 300 per minute while messages wait, up to 1,000 or the
//   mapping's maximum concurrency;
// - a batch that fails (function error, throttle) returns its messages to the queue when their visibility
//   timeout ends; a message received max_receive_count times goes to the DLQ, one older than the retention
//   period is deleted;
// - requests: one SendMessage per message, one ReceiveMessage and one DeleteMessageBatch per 10 messages of a
//   batch, and the empty long polls of idle pollers, at the queue's price per million.
//   auto model = std::make_unique<SqsEventSource>(std::move(function), source);
#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <vector>

#include "platforms/aws_lambda/lambda_event_source.hpp"
#include "platforms/aws_lambda/lambda_model.hpp"
#include "sim/event_source.hpp"
#include "sim/message_ledger.hpp"
#include "sim/platform_model.hpp"

namespace servesim::platforms {

class SqsEventSource : public LambdaEventSource, private InvocationObserver {
 public:
  SqsEventSource(std::unique_ptr<LambdaModel> function, const sim::EventSourceSpec& spec);

  void start(sim::ModelContext& ctx) override;
  void on_arrival(double t_s, double origin_s, uint32_t attempt) override;
  double next_event_s() const override;
  void handle_next_event() override;
  bool has_work() const override;
  void finish(double t_end_s) override;

  // The concurrent batches the mapping allows at t_s (its scaling state), for tests.
  uint32_t concurrent_batches_allowed(double t_s) const;

 private:
  struct Message {
    uint64_t seq;  // position in the ledger
    double sent_s;
    uint32_t receives;
  };
  struct Batch {
    double received_s = 0;
    std::vector<Message> messages;
  };
  struct Returning {
    double visible_s;
    Message message;
  };
  struct Later {
    bool operator()(const Returning& a, const Returning& b) const { return a.visible_s > b.visible_s; }
  };
  void invocation_ended(uint32_t id, double t_s, End end) override;
  // Sends every batch the pollers may send at t_s.
  void dispatch(double t_s);
  void send_batch(double t_s, uint32_t n);
  double own_next_s() const;
  void handle_own(double t_s);
  void note_age(double t_s);  // a change at t_s: the time, and the oldest message's age just before it
  void report_queue(double t_s);
  void count_requests(uint64_t& field, uint64_t n);
  void accrue_idle(double t_s);    // the empty long polls of idle pollers up to t_s
  void stop_ramp(uint32_t level);  // scaling stops at `level` concurrent batches (1..cap)

  sim::EventSourceSpec spec_;
  uint32_t cap_;  // concurrent batches at most: max_batches, or maximum_concurrency when set
  sim::Recorder* rec_ = nullptr;
  int cost_sqs_ = 0;

  std::deque<Message> visible_;
  std::priority_queue<Returning, std::vector<Returning>, Later> returning_;  // failed, invisible until then
  std::vector<Batch> batches_;  // in flight, by invocation id; free ids reused
  std::vector<uint32_t> free_ids_;
  uint32_t in_flight_ = 0;
  sim::MessageLedger ledger_;  // every message not yet deleted (served, dead-lettered or expired)

  uint32_t allowed_;          // concurrent batches allowed when not ramping, or at ramp_from_s_
  double ramp_from_s_ = -1;   // scaling up since then (< 0: not ramping)
  double gather_until_s_;     // the batching window of the batch being gathered ends then (kNever: none)
  bool dispatching_ = false;  // inside dispatch(): a throttle reported by invoke() does not dispatch again
  bool backed_off_ = false;   // invoke() reported a throttle: dispatch() stops
  double now_s_ = 0;          // the time of the last change seen
  double idle_since_s_ = 0;   // the visible queue has been empty since then (< 0: it is not)
  double empty_receive_credit_ = 0;
};

}  // namespace servesim::platforms
