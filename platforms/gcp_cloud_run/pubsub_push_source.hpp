#pragma once
// A Google Cloud Pub/Sub push subscription in front of a Cloud Run service (scenario "event_source" of type
// "pubsub", docs/events.md): the run's arrivals are messages published to the topic; Pub/Sub pushes each one
// as one HTTP request to the service (a CloudRunModel in event source mode, which scales, queues and bills as
// always). Google's documented behaviour, sources in docs/events.md:
// - flow control: at most `push window` push requests are outstanding; the window starts small, grows on each
//   success and shrinks on each failure (its numbers are estimated); after a failure Pub/Sub pauses pushing
//   (push backoff, 100 ms to 60 s: unconfirmed);
// - a failure (a nack) is an HTTP 429 or 5xx, or no answer within the ack deadline; the message is then
//   redelivered at once (no retry policy) or after an exponential backoff between minimum_backoff_s and
//   maximum_backoff_s; after max_delivery_attempts deliveries it goes to the dead-letter topic; one older
//   than the message retention is not delivered again (expired);
// - cost: throughput per TiB, at least 1 KB per publish and per push request;
// - message ordering (enable_message_ordering): a key's messages are pushed in publish order, one at a time:
//   the next after the previous one is acked, dead-lettered or expired; a nacked message holds its followers.
//   auto model = std::make_unique<PubSubPushSource>(std::make_unique<CloudRunModel>(params, scenario), spec,
//                                                   scenario.seed);
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "platforms/gcp_cloud_run/cloud_run_model.hpp"
#include "sim/event_source.hpp"
#include "sim/message_ledger.hpp"
#include "sim/model_wrapper.hpp"
#include "sim/platform_model.hpp"
#include "sim/rng.hpp"
#include "sim/timed_queue.hpp"

namespace servesim::platforms {

class PubSubPushSource : public sim::ModelWrapper<CloudRunModel>, private InstanceFleet::DeliveryObserver {
 public:
  // `seed` draws the messages' ordering keys (with message ordering and random key assignment).
  PubSubPushSource(std::unique_ptr<CloudRunModel> service, const sim::EventSourceSpec& spec, uint64_t seed);

  // What the subscription does not change is the service's (sim::ModelWrapper).
  sim::EventSourceOutcome event_source_outcome() const override { return outcome_; }
  bool consumes_event_source() const override { return true; }

  void start(sim::ModelContext& ctx) override;
  void on_arrival(double t_s, double origin_s, uint32_t attempt) override;
  double next_event_s() const override;
  void handle_next_event() override;
  bool has_work() const override;
  void finish(double t_end_s) override;

 private:
  struct Message {
    uint64_t seq;  // position in the ledger
    double sent_s;
    uint32_t deliveries = 0;
    uint64_t key = 0;  // its ordering key (message ordering only)
  };
  // Message ordering: one key's messages not yet gone. The first is in the push line, outstanding or backing
  // off; the others wait behind it, in publish order.
  struct KeyLine {
    std::deque<Message> held;
    uint64_t messages = 0;  // the first one included
  };
  struct Deadline {
    double t_s;
    uint64_t delivery;
  };

  void delivery_ended(uint64_t delivery, double t_s, End end) override;
  // Pushes every message the window and the push backoff allow at t_s.
  void dispatch(double t_s);
  void nack(const Message& m, double t_s);
  void bill_throughput();  // one publish or push request of one message
  double own_next_s() const;
  void handle_own(double t_s);
  void report_queue(double t_s);
  // Message ordering: message `m` is gone (acked, dead-lettered or expired); its key's next one may be
  // pushed.
  void release_key(const Message& m);

  sim::EventSourceSpec spec_;
  double billed_tib_per_request_;
  sim::Recorder* rec_ = nullptr;
  int cost_throughput_ = 0;

  std::deque<Message> ready_;  // to push as soon as the window and the push backoff allow
  // Nacked messages waiting for their redelivery (exponential backoff).
  sim::TimedQueue<Message>
      backoff_;  // nacked, until their retry backoff ends; ties in the order of the nacks
  std::unordered_map<uint64_t, Message> outstanding_;  // push requests not yet answered, by delivery
  std::deque<Deadline> deadlines_;                     // their ack deadlines, in the order they were sent
  uint64_t next_delivery_ = 0;
  sim::MessageLedger ledger_;  // every message not yet gone (acked, dead-lettered or expired)
  sim::Rng key_rng_;           // ordering keys drawn from the seed
  uint64_t published_ = 0;     // messages published (round-robin keys)
  std::unordered_map<uint64_t, KeyLine> keys_;  // message ordering: the keys with messages not yet gone

  double window_;                   // the push window: outstanding push requests at most
  double paused_until_s_ = 0;       // push backoff: no new push request before then
  uint32_t failures_in_a_row_ = 0;  // since the last success (the push backoff doubles with them)
  double dispatch_at_s_ = kNever;   // a push request ended: dispatch then (out of the service's own handling)
  double now_s_ = 0;
  sim::EventSourceOutcome outcome_;
};

}  // namespace servesim::platforms
