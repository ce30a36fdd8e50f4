#include "platforms/aws_lambda/sqs_event_source.hpp"

#include <algorithm>
#include <cmath>

namespace servesim::platforms {

namespace {
// Requests for n messages when one request carries up to 10 (ReceiveMessage, DeleteMessageBatch).
uint64_t requests_for(size_t n) {
  return (n + 9) / 10;
}
// The message groups' random stream: the partition keys' (kinesis_event_source.cpp), so a FIFO queue and a
// Kinesis stream of one seed get the same keys.
constexpr uint64_t kMessageGroupStream = 7;
}  // namespace

SqsEventSource::SqsEventSource(std::unique_ptr<LambdaModel> function, const sim::EventSourceSpec& spec,
                               uint64_t seed)
    : LambdaEventSource(std::move(function)),
      spec_(spec),
      cap_(spec_.maximum_concurrency > 0 ? std::min(spec_.maximum_concurrency, spec_.max_batches)
                                         : spec_.max_batches),
      failures_(spec_, seed),
      group_rng_(sim::Rng::derive(seed, kMessageGroupStream)),
      allowed_(std::min(spec_.initial_batches, cap_)),
      gather_until_s_(kNever) {}

void SqsEventSource::start(sim::ModelContext& ctx) {
  rec_ = &ctx.recorder;
  client_ = &ctx.client;
  inner_->start(ctx);
  inner_->set_observer(this);
  cost_sqs_ = rec_->cost_category("sqs_requests_usd");
  outcome_.present = true;
  outcome_.concurrent_batches_peak = 0;
  outcome_.record_failures_shown = failures_.in_use() || spec_.report_batch_item_failures;
  outcome_.report_batch_item_failures = spec_.report_batch_item_failures;
  outcome_.fifo = spec_.fifo;
  outcome_.message_groups = spec_.fifo ? spec_.partition_keys : 0;
  outcome_.send_limit_per_s = spec_.fifo ? spec_.send_limit_per_s : 0;
}

uint32_t SqsEventSource::concurrent_batches_allowed(double t_s) const {
  // FIFO: concurrent batches are capped by the message groups (one batch of a group at a time) or the maximum
  // concurrency; AWS documents the ramp for standard queues only.
  if (spec_.fifo) return cap_;
  if (ramp_from_s_ < 0) return allowed_;
  // +scale_up_per_minute batches per minute since the ramp began, one at a time (the epsilon keeps a step
  // that lands exactly on t_s from being lost to rounding).
  const double added = std::floor((t_s - ramp_from_s_) * spec_.scale_up_per_minute / 60.0 + 1e-6);
  return static_cast<uint32_t>(std::min<double>(cap_, allowed_ + added));
}

void SqsEventSource::stop_ramp(uint32_t level) {
  allowed_ = std::clamp(level, 1u, cap_);
  ramp_from_s_ = -1;
}

void SqsEventSource::count_requests(uint64_t& field, uint64_t n) {
  field += n;
  rec_->add_cost(cost_sqs_, static_cast<double>(n) * spec_.price_usd_per_million_requests / 1e6);
}

void SqsEventSource::accrue_idle(double t_s) {
  if (idle_since_s_ < 0 || t_s <= idle_since_s_) return;
  // Each idle poller's long poll comes back empty after long_poll_s.
  empty_receive_credit_ += (t_s - idle_since_s_) * spec_.idle_pollers / spec_.long_poll_s;
  idle_since_s_ = t_s;
  const auto n = static_cast<uint64_t>(empty_receive_credit_);
  if (n == 0) return;
  empty_receive_credit_ -= static_cast<double>(n);
  count_requests(outcome_.empty_receives, n);
}

void SqsEventSource::note_age(double t_s) {
  now_s_ = t_s;
  ledger_.note_age(t_s, outcome_);
}

void SqsEventSource::report_queue(double t_s) {
  accrue_idle(t_s);
  idle_since_s_ = receivable() == 0 ? t_s : -1;
  if (spec_.fifo)
    outcome_.message_groups_active_peak =
        std::max<uint64_t>(outcome_.message_groups_active_peak, fifo_.groups_with_messages());
  ledger_.report_queue(t_s, *rec_, outcome_);
}

void SqsEventSource::on_arrival(double t_s, double origin_s, uint32_t attempt) {
  // FIFO: the producer's message group ID, round robin over the groups or drawn from the seed's own stream.
  uint64_t group = 0;
  if (spec_.fifo)
    group = spec_.round_robin_keys ? arrivals_ % spec_.partition_keys
                                   : group_rng_.next_u64() % spec_.partition_keys;
  ++arrivals_;
  send(t_s, origin_s, attempt, group, failures_.next());
}

void SqsEventSource::send(double t_s, double origin_s, uint32_t attempt, uint64_t group, bool fails) {
  note_age(t_s);
  if (spec_.fifo) {
    // A FIFO queue takes send_limit_per_s SendMessage requests a second (300 without batching): counted over
    // each whole second of the run; one beyond is refused (ThrottlingException), not billed, and the producer
    // retries it with the client's policy or gives it up (throttled).
    const double second = std::floor(t_s);
    if (second != send_second_) {
      send_second_ = second;
      sends_this_second_ = 0;
    }
    if (sends_this_second_ >= spec_.send_limit_per_s) {
      refused(*client_, *rec_, held_sends_, t_s, origin_s, attempt,
              HeldSend{origin_s, attempt, group, fails});
      return;
    }
    ++sends_this_second_;
  }
  count_requests(outcome_.send_requests, 1);  // one SendMessage per message
  Message m{ledger_.add(t_s), t_s, 0};
  m.fails = fails;
  m.group = group;
  if (spec_.fifo)
    fifo_.push(m);
  else
    visible_.push_back(m);
  dispatch(t_s);
  report_queue(t_s);
}

std::vector<SqsEventSource::Message> SqsEventSource::receive(size_t n) {
  if (spec_.fifo) return fifo_.take(n);
  std::vector<Message> taken;
  while (taken.size() < n && !visible_.empty()) {
    taken.push_back(visible_.front());
    visible_.pop_front();
  }
  return taken;
}

void SqsEventSource::remove(const Message& m) {
  ledger_.remove(m.seq);
  if (spec_.fifo) fifo_.settle(m.group);
}

void SqsEventSource::dispatch(double t_s) {
  dispatching_ = true;
  for (;;) {
    if (receivable() == 0) {
      // Drained: scaling stops and falls back towards initial_batches (how fast AWS scales down is not
      // documented; here at once, to what is still running).
      gather_until_s_ = kNever;
      stop_ramp(std::max(spec_.initial_batches, in_flight_));
      break;
    }
    const uint32_t allowed = concurrent_batches_allowed(t_s);
    if (in_flight_ >= allowed) {
      // Messages wait and every allowed batch is running: the mapping scales up from here.
      if (ramp_from_s_ < 0 && allowed < cap_ && spec_.scale_up_per_minute > 0) {
        allowed_ = allowed;
        ramp_from_s_ = t_s;
      }
      break;
    }
    const bool full = receivable() >= spec_.batch_size;
    if (!full && spec_.batching_window_s > 0) {
      if (gather_until_s_ == kNever) gather_until_s_ = t_s + spec_.batching_window_s;
      if (t_s < gather_until_s_) break;
    }
    gather_until_s_ = kNever;
    send_batch(t_s, static_cast<uint32_t>(std::min<size_t>(spec_.batch_size, receivable())));
    if (backed_off_) {  // the function throttled that batch: no more until something changes
      backed_off_ = false;
      break;
    }
  }
  dispatching_ = false;
}

void SqsEventSource::send_batch(double t_s, uint32_t n) {
  uint32_t id;
  if (!free_ids_.empty()) {
    id = free_ids_.back();
    free_ids_.pop_back();
  } else {
    id = static_cast<uint32_t>(batches_.size());
    batches_.emplace_back();
  }
  Batch& b = batches_[id];
  b.received_s = t_s;
  while (b.messages.size() < n) {
    const std::vector<Message> taken = receive(n - b.messages.size());
    if (taken.empty()) break;
    for (Message m : taken) {
      if (t_s - m.sent_s > spec_.retention_s) {  // past the retention period: SQS deleted it unread
        ++outcome_.expired;
        rec_->dropped(t_s);
        remove(m);
        continue;
      }
      if (++m.receives > 1) {
        ++outcome_.redeliveries;
        rec_->retry(t_s);
      }
      if (m.processed) ++outcome_.duplicate_records;  // processed once already: the work is done again
      b.messages.push_back(m);
    }
  }
  const size_t got = b.messages.size();
  if (got == 0) {
    free_ids_.push_back(id);
    return;
  }
  count_requests(outcome_.receive_requests, requests_for(got));
  ++outcome_.batches;
  outcome_.batch_messages += got;
  ++in_flight_;
  outcome_.concurrent_batches_peak = std::max(outcome_.concurrent_batches_peak, in_flight_);
  inner_->invoke(t_s, id, static_cast<uint32_t>(got));  // may end at once (throttled)
}

void SqsEventSource::serve(const Message& m, double t_s) {
  rec_->served(t_s, t_s - m.sent_s);
  remove(m);
}

void SqsEventSource::settle(const Batch& b, double t_s, End end) {
  // The function ran every message (it reports failures after processing the batch: our reading). A failing
  // message fails the whole invocation, unless the mapping reports batch item failures
  // (ReportBatchItemFailures): then the function returns the failed messages' IDs and Lambda deletes the
  // others.
  size_t failing = 0;
  for (const Message& m : b.messages) failing += m.fails ? 1 : 0;
  const bool by_records = end == End::ok && failing > 0;  // the function ran, and some messages failed
  if (by_records) outcome_.record_failures += failing;
  const bool partial = by_records && spec_.report_batch_item_failures;
  if (by_records && !partial) end = End::function_error;
  if (end == End::ok && !partial) {
    for (const Message& m : b.messages) serve(m, t_s);
    count_requests(outcome_.delete_requests, requests_for(b.messages.size()));
    return;
  }
  // The failed messages stay invisible until their visibility timeout ends (counted from the receive; a
  // function that outlasts it is not modelled as a second delivery), then are received again.
  const double visible_s = std::max(t_s, b.received_s + spec_.visibility_timeout_s);
  if (partial) {
    // Standard queue: the failed messages return. FIFO: the function stops at the first failure and reports
    // it with every message after it (AWS: "your function should stop processing messages after the first
    // failure and return all failed and unprocessed messages"), so order is kept.
    ++outcome_.partial_batches;
    const auto first =
        std::find_if(b.messages.begin(), b.messages.end(), [](const Message& m) { return m.fails; });
    size_t deleted = 0;
    for (auto it = b.messages.begin(); it != b.messages.end(); ++it) {
      const bool returns = spec_.fifo ? it >= first : it->fails;
      if (returns) {
        returning_.push(Returning{visible_s, *it});
      } else {
        serve(*it, t_s);
        ++deleted;
      }
    }
    count_requests(outcome_.delete_requests, requests_for(deleted));
    return;
  }
  ++outcome_.batches_failed;
  for (Message m : b.messages) {
    // A batch failed by another message's failure was processed all the same: its next try is duplicate work.
    m.processed = m.processed || (by_records && !m.fails);
    returning_.push(Returning{visible_s, m});
  }
}

void SqsEventSource::invocation_ended(uint32_t id, double t_s, End end) {
  note_age(t_s);
  Batch& b = batches_[id];
  --in_flight_;
  settle(b, t_s, end);
  // Throttled: the pollers back off to the batches still running (AWS documents a back-off, not its size).
  if (end == End::throttled) {
    stop_ramp(in_flight_);
    backed_off_ = dispatching_;
  }
  b.messages.clear();
  free_ids_.push_back(id);
  if (dispatching_) return;  // a throttle reported from inside invoke(): dispatch() goes on
  dispatch(t_s);
  report_queue(t_s);
}

double SqsEventSource::own_next_s() const {
  double t = returning_.empty() ? kNever : returning_.top().visible_s;
  if (receivable() == 0) return t;
  // The allowed batches change only at the ramp's steps, each an event here, so now_s_ (the last change)
  // gives the current number.
  const uint32_t allowed = concurrent_batches_allowed(now_s_);
  if (in_flight_ < allowed) {
    if (gather_until_s_ != kNever) t = std::min(t, std::max(now_s_, gather_until_s_));  // its window ends
  } else if (ramp_from_s_ >= 0 && allowed < cap_) {
    // Every allowed batch runs and messages wait: the next batch the ramp adds.
    const double step = static_cast<double>(allowed - allowed_ + 1);
    t = std::min(t, std::max(now_s_, ramp_from_s_ + step * 60.0 / spec_.scale_up_per_minute));
  }
  return t;
}

double SqsEventSource::next_event_s() const {
  return std::min({inner_->next_event_s(), own_next_s(), held_sends_.next_s()});
}

void SqsEventSource::handle_next_event() {
  const double own_s = own_next_s();
  const double send_s = held_sends_.next_s();
  if (inner_->next_event_s() <= std::min(own_s, send_s)) {
    inner_->handle_next_event();
    return;
  }
  if (send_s < own_s) {
    const HeldSend h = held_sends_.pop();
    send(send_s, h.origin_s, h.attempt, h.group, h.fails);
    return;
  }
  handle_own(own_s);
}

void SqsEventSource::handle_own(double t_s) {
  note_age(t_s);
  std::vector<Message> visible_again;  // FIFO: back to their groups' front together, in send order
  while (!returning_.empty() && returning_.top().visible_s <= t_s) {
    const Message m = returning_.top().message;
    returning_.pop();
    if (spec_.max_receive_count > 0 && m.receives >= spec_.max_receive_count) {
      // Received max_receive_count times without being deleted: the redrive policy moves it to the DLQ.
      ++outcome_.dead_lettered;
      rec_->dropped(t_s);
      remove(m);
    } else if (spec_.fifo) {
      visible_again.push_back(m);
    } else {
      visible_.push_back(m);
    }
  }
  if (!visible_again.empty()) fifo_.put_back(std::move(visible_again));
  dispatch(t_s);
  report_queue(t_s);
}

bool SqsEventSource::has_work() const {
  return inner_->has_work() || in_flight_ > 0 || !visible_.empty() || !returning_.empty() ||
         fifo_.waiting_messages() > 0 || !held_sends_.empty();
}

void SqsEventSource::finish(double t_end_s) {
  accrue_idle(t_end_s);
  inner_->finish(t_end_s);
}

}  // namespace servesim::platforms
