#pragma once
// The messages (or records) of an event source that are not yet gone, in the order they were sent: how many
// there are and how old the oldest is, for the outcome's queue-depth and oldest-age peaks and the recorder's
// queue series (timeseries.csv). Shared by every event source (SQS and Kinesis in front of Lambda, Pub/Sub
// push in front of Cloud Run: docs/events.md). A message gets a sequence number when it is sent and is
// removed by it, in any order; the ledger keeps a flag per message from the oldest one still there.
//   sim::MessageLedger ledger;
//   const uint64_t seq = ledger.add(t_s);  // sent
//   ledger.note_age(t_s, outcome);         // before each change: the oldest age peaks just before it
//   ledger.remove(seq);                    // served, dead-lettered or expired
//   ledger.report_queue(t_s, recorder, outcome);
#include <algorithm>
#include <cstdint>
#include <deque>

#include "sim/recorder.hpp"
#include "sim/run_result.hpp"

namespace servesim::sim {

class MessageLedger {
 public:
  // A message sent at sent_s joins the ledger; returns its sequence number.
  uint64_t add(double sent_s) {
    slots_.push_back(Slot{sent_s, true});
    ++alive_;
    return next_seq_++;
  }
  // Message `seq` is gone (served, dead-lettered, discarded or expired).
  void remove(uint64_t seq) {
    slots_[static_cast<size_t>(seq - base_)].alive = false;
    --alive_;
    while (!slots_.empty() && !slots_.front().alive) {
      slots_.pop_front();
      ++base_;
    }
  }
  // Messages not yet gone.
  uint64_t alive() const { return alive_; }
  bool empty() const { return slots_.empty(); }
  // When the oldest message still there was sent (-1: none).
  double oldest_sent_s() const { return slots_.empty() ? -1.0 : slots_.front().sent_s; }
  // A change at t_s: the oldest message's age grows until the queue changes, so its peak is just before a
  // change.
  void note_age(double t_s, EventSourceOutcome& outcome) const {
    if (!slots_.empty())
      outcome.oldest_age_peak_s = std::max(outcome.oldest_age_peak_s, t_s - oldest_sent_s());
  }
  // The depth and the oldest message after a change at t_s: the outcome's depth peak and the recorder's queue
  // series.
  void report_queue(double t_s, Recorder& recorder, EventSourceOutcome& outcome) const {
    outcome.queue_depth_peak = std::max(outcome.queue_depth_peak, alive_);
    recorder.queue(t_s, alive_, oldest_sent_s());
  }

 private:
  struct Slot {
    double sent_s;
    bool alive;
  };
  std::deque<Slot> slots_;
  uint64_t base_ = 0, next_seq_ = 0, alive_ = 0;
};

}  // namespace servesim::sim
