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
//   batch, and the empty long polls of idle pollers, at the queue's price per million;
// - a failing record (record_failures.hpp) fails its whole batch, or, with ReportBatchItemFailures, only
//   itself: the batch's other messages are deleted;
// - a FIFO queue (queue_type "fifo") delivers each message group in order, one batch of a group at a time (a
//   failed batch blocks its group until it is visible again or dead-lettered), scales with the groups up to
//   1,000 or the maximum concurrency, accepts send_limit_per_s SendMessage requests a second (refused sends
//   are retried with the client's policy) and bills its requests at the FIFO price (sqs_fifo_groups.hpp).
//   auto model = std::make_unique<SqsEventSource>(std::move(function), source, scenario.seed);
#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <vector>

#include "platforms/aws_lambda/lambda_event_source.hpp"
#include "platforms/aws_lambda/lambda_model.hpp"
#include "platforms/aws_lambda/record_failures.hpp"
#include "platforms/aws_lambda/sqs_fifo_groups.hpp"
#include "sim/event_source.hpp"
#include "sim/message_ledger.hpp"
#include "sim/platform_model.hpp"
#include "sim/rng.hpp"
#include "sim/timed_queue.hpp"

namespace servesim::platforms {

class SqsEventSource : public LambdaEventSource, private InvocationObserver {
 public:
  SqsEventSource(std::unique_ptr<LambdaModel> function, const sim::EventSourceSpec& spec, uint64_t seed);

  void start(sim::ModelContext& ctx) override;
  void on_arrival(double t_s, double origin_s, uint32_t attempt) override;
  double next_event_s() const override;
  void handle_next_event() override;
  bool has_work() const override;
  void finish(double t_end_s) override;

  // The concurrent batches the mapping allows at t_s (its scaling state), for tests.
  uint32_t concurrent_batches_allowed(double t_s) const;

 private:
  using Message = SqsMessage;
  // A SendMessage a FIFO queue refused (over its send limit), held until the producer's retry.
  struct HeldSend {
    double origin_s;
    uint32_t attempt;
    uint64_t group;
    bool fails;
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
  // The batch's messages that failed return when their visibility timeout ends; the others are deleted.
  void settle(const Batch& b, double t_s, End end);
  void serve(const Message& m, double t_s);
  // The message left the queue (served, dead-lettered, expired): a FIFO group may go on.
  void remove(const Message& m);
  // Sends one message at t_s (attempt `attempt` of the producer's send first tried at origin_s).
  void send(double t_s, double origin_s, uint32_t attempt, uint64_t group, bool fails);
  // Up to n messages a receive takes now (FIFO: from idle groups, oldest group first).
  std::vector<Message> receive(size_t n);
  size_t receivable() const { return spec_.fifo ? fifo_.ready_messages() : visible_.size(); }

  sim::EventSourceSpec spec_;
  uint32_t cap_;  // concurrent batches at most: max_batches, or maximum_concurrency when set
  sim::Recorder* rec_ = nullptr;
  int cost_sqs_ = 0;
  RecordFailures failures_;
  sim::Rng group_rng_;  // FIFO: the message groups' draws (the partition keys' stream)
  sim::Client* client_ = nullptr;
  uint64_t arrivals_ = 0;
  double send_second_ = -1;  // FIFO: the whole second whose SendMessage requests are counted
  uint32_t sends_this_second_ = 0;
  sim::TimedQueue<HeldSend> held_sends_;
  SqsFifoGroups fifo_;

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
