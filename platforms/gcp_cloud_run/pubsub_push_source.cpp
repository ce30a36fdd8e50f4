#include "platforms/gcp_cloud_run/pubsub_push_source.hpp"

#include <algorithm>
#include <cmath>

namespace servesim::platforms {

namespace {
// Pub/Sub bills at least 1,000 bytes per publish and per push request, and prices throughput per TiB.
constexpr double kMinimumBilledBytes = 1000;
constexpr double kBytesPerTib = 1099511627776.0;  // 2^40
// The ordering keys' random stream: the same tag as Kinesis's partition keys (the producers' keys;
// sim/rng.hpp tags 1..6 are the arrivals' and the run's).
constexpr uint64_t kOrderingKeyStream = 7;

// first_s doubled `doublings` times, at most max_s.
double doubled_delay_s(double first_s, uint32_t doublings, double max_s) {
  return std::min(max_s, first_s * std::ldexp(1.0, static_cast<int>(std::min(doublings, 30u))));
}
}  // namespace

PubSubPushSource::PubSubPushSource(std::unique_ptr<CloudRunModel> service, const sim::EventSourceSpec& spec,
                                   uint64_t seed)
    : ModelWrapper(std::move(service)),
      spec_(spec),
      billed_tib_per_request_(std::max(kMinimumBilledBytes, spec_.message_kb * 1000) / kBytesPerTib),
      key_rng_(sim::Rng::derive(seed, kOrderingKeyStream)),
      window_(spec_.push_window_initial) {}

void PubSubPushSource::start(sim::ModelContext& ctx) {
  rec_ = &ctx.recorder;
  inner_->start(ctx);
  inner_->set_delivery_observer(this);
  cost_throughput_ = rec_->cost_category("pubsub_throughput_usd");
  outcome_.present = true;
  outcome_.type = "pubsub";
  outcome_.concurrent_batches_peak = 0;
  outcome_.push_window_peak = window_;
  outcome_.message_ordering = spec_.message_ordering;
  if (spec_.message_ordering) outcome_.ordering_keys = spec_.partition_keys;
}

void PubSubPushSource::bill_throughput() {
  outcome_.throughput_tib += billed_tib_per_request_;
  rec_->add_cost(cost_throughput_, billed_tib_per_request_ * spec_.price_usd_per_tib);
}

void PubSubPushSource::report_queue(double t_s) {
  ledger_.report_queue(t_s, *rec_, outcome_);
}

void PubSubPushSource::on_arrival(double t_s, double origin_s, uint32_t attempt) {
  (void)origin_s;
  (void)attempt;
  now_s_ = t_s;
  ledger_.note_age(t_s, outcome_);
  ++outcome_.send_requests;  // one publish request per message
  bill_throughput();
  const Message m{ledger_.add(t_s), t_s};
  if (!spec_.message_ordering) {
    ready_.push_back(m);
  } else {
    // The publisher's ordering key: round robin over the keys, or drawn from the seed's own stream. The
    // message joins the push line only when its key has no other message left; else it waits behind them.
    Message keyed = m;
    keyed.key = spec_.round_robin_keys ? published_ % spec_.partition_keys
                                       : key_rng_.next_u64() % spec_.partition_keys;
    KeyLine& line = keys_[keyed.key];
    if (line.messages++ == 0)
      ready_.push_back(keyed);
    else
      line.held.push_back(keyed);
    outcome_.ordering_key_backlog_peak = std::max(outcome_.ordering_key_backlog_peak, line.messages);
    outcome_.ordering_keys_active_peak =
        std::max(outcome_.ordering_keys_active_peak, static_cast<uint64_t>(keys_.size()));
  }
  ++published_;
  dispatch(t_s);
  report_queue(t_s);
}

void PubSubPushSource::dispatch(double t_s) {
  // At most the push window outstanding, and nothing new while the push backoff lasts.
  while (!ready_.empty() && static_cast<double>(outstanding_.size()) + 1 <= window_ &&
         t_s >= paused_until_s_) {
    Message m = ready_.front();
    ready_.pop_front();
    if (t_s - m.sent_s > spec_.retention_s) {  // past the message retention: deleted undelivered
      ++outcome_.expired;
      rec_->dropped(t_s);
      ledger_.remove(m.seq);
      release_key(m);
      continue;
    }
    if (++m.deliveries > 1) {
      ++outcome_.redeliveries;
      rec_->retry(t_s);
    }
    const uint64_t delivery = next_delivery_++;
    outstanding_.emplace(delivery, m);
    deadlines_.push_back(Deadline{t_s + spec_.ack_deadline_s, delivery});
    ++outcome_.batches;
    ++outcome_.batch_messages;
    ++outcome_.receive_requests;
    outcome_.concurrent_batches_peak =
        std::max(outcome_.concurrent_batches_peak, static_cast<uint32_t>(outstanding_.size()));
    bill_throughput();
    inner_->deliver(t_s, delivery);  // may end at once (a request the service refuses)
  }
}

void PubSubPushSource::delivery_ended(uint64_t delivery, double t_s, End end) {
  now_s_ = t_s;
  const auto it = outstanding_.find(delivery);
  // Answered after its ack deadline: Pub/Sub counted it a nack then (the service ran it to its end and
  // billed it; the answer changes nothing).
  if (it == outstanding_.end()) return;
  ledger_.note_age(t_s, outcome_);
  const Message m = it->second;
  outstanding_.erase(it);
  while (!deadlines_.empty() && !outstanding_.count(deadlines_.front().delivery)) deadlines_.pop_front();
  if (end == End::ok) {
    // Acknowledged: the push window grows (slow start) and the push backoff is over.
    window_ += spec_.push_window_growth;
    outcome_.push_window_peak = std::max(outcome_.push_window_peak, window_);
    failures_in_a_row_ = 0;
    rec_->served(t_s, t_s - m.sent_s);
    ledger_.remove(m.seq);
    release_key(m);
  } else {
    nack(m, t_s);
  }
  // The next push requests go out from the run loop, not from inside the service's own handling.
  dispatch_at_s_ = std::min(dispatch_at_s_, t_s);
  report_queue(t_s);
}

void PubSubPushSource::nack(const Message& m, double t_s) {
  ++outcome_.batches_failed;
  // A failure shrinks the push window (at least one request) and pauses pushing: 0.1 s, doubling with each
  // failure in a row, at most 60 s (the push backoff).
  window_ = std::max(1.0, window_ * spec_.push_window_shrink);
  ++failures_in_a_row_;
  const double pause_s =
      doubled_delay_s(spec_.push_backoff_min_s, failures_in_a_row_ - 1, spec_.push_backoff_max_s);
  if (pause_s > 0) {
    ++outcome_.push_backoffs;
    paused_until_s_ = std::max(paused_until_s_, t_s + pause_s);
  }
  if (spec_.max_delivery_attempts > 0 && m.deliveries >= spec_.max_delivery_attempts) {
    // Delivered max_delivery_attempts times without an ack: forwarded to the dead-letter topic.
    // With ordering, the key's next message follows (Google forwards to the dead-letter topic best-effort).
    ++outcome_.dead_lettered;
    rec_->dropped(t_s);
    ledger_.remove(m.seq);
    release_key(m);
    return;
  }
  if (!spec_.exponential_backoff) {
    ready_.push_back(m);  // no retry policy: redelivered as soon as the window allows
    return;
  }
  // Exponential backoff: minimum_backoff_s after the first failed delivery, doubling after each, at most
  // maximum_backoff_s (Google documents the bounds, not the factor: doubling is estimated).
  const double delay_s = doubled_delay_s(spec_.minimum_backoff_s, m.deliveries - 1, spec_.maximum_backoff_s);
  backoff_.push(t_s + delay_s, m);
}

void PubSubPushSource::release_key(const Message& m) {
  if (!spec_.message_ordering) return;
  const auto it = keys_.find(m.key);
  KeyLine& line = it->second;
  if (--line.messages == 0) {
    keys_.erase(it);
    return;
  }
  // The key's next message in publish order joins the push line.
  ready_.push_back(line.held.front());
  line.held.pop_front();
}

double PubSubPushSource::own_next_s() const {
  double t = dispatch_at_s_;
  t = std::min(t, backoff_.next_s());
  if (!deadlines_.empty()) t = std::min(t, deadlines_.front().t_s);
  // Messages wait only for the push backoff to end: push then.
  if (!ready_.empty() && paused_until_s_ > now_s_ && static_cast<double>(outstanding_.size()) + 1 <= window_)
    t = std::min(t, paused_until_s_);
  return t;
}

double PubSubPushSource::next_event_s() const {
  return std::min(inner_->next_event_s(), own_next_s());
}

void PubSubPushSource::handle_next_event() {
  const double own_s = own_next_s();
  if (inner_->next_event_s() <= own_s) {
    inner_->handle_next_event();
    return;
  }
  handle_own(own_s);
}

void PubSubPushSource::handle_own(double t_s) {
  now_s_ = t_s;
  ledger_.note_age(t_s, outcome_);
  dispatch_at_s_ = kNever;
  // Push requests unanswered at their ack deadline: nacked (the service may still finish them, unheard).
  while (!deadlines_.empty() && deadlines_.front().t_s <= t_s) {
    const uint64_t delivery = deadlines_.front().delivery;
    deadlines_.pop_front();
    const auto it = outstanding_.find(delivery);
    if (it == outstanding_.end()) continue;
    const Message m = it->second;
    outstanding_.erase(it);
    ++outcome_.ack_deadline_exceeded;
    nack(m, t_s);
  }
  while (!deadlines_.empty() && !outstanding_.count(deadlines_.front().delivery)) deadlines_.pop_front();
  while (backoff_.next_s() <= t_s) ready_.push_back(backoff_.pop());
  dispatch(t_s);
  report_queue(t_s);
}

bool PubSubPushSource::has_work() const {
  return inner_->has_work() || !outstanding_.empty() || !ready_.empty() || !backoff_.empty() ||
         dispatch_at_s_ != kNever;
}

void PubSubPushSource::finish(double t_end_s) {
  inner_->finish(t_end_s);
}

}  // namespace servesim::platforms
