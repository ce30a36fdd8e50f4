#include "platforms/azure_functions/azure_queue_trigger.hpp"

#include <algorithm>
#include <cmath>

namespace servesim::platforms {

namespace {
// Azure Queue storage trigger, "Polling algorithm": the runtime checks again 100 ms after a poll that found
// a message, about 200 ms after one that found none, and the wait then grows up to maxPollingInterval. The
// growth (doubling) is our estimate; the documented randomness is left out, to keep runs reproducible.
constexpr double kFoundPollS = 0.1;
constexpr double kFirstEmptyPollS = 0.2;
constexpr double kEmptyPollGrowth = 2.0;
}  // namespace

AzureQueueTrigger::AzureQueueTrigger(std::unique_ptr<AzureFunctionsModel> function)
    : ModelWrapper(std::move(function)), p_(inner_->params()) {
  // The scale controller keeps the always-ready instances (Flex, Premium) and at least one listener.
  base_listeners_ = std::clamp(p_.reserved_instances, 1u, std::max(1u, p_.max_instances));
  listeners_ = base_listeners_;
}

void AzureQueueTrigger::start(sim::ModelContext& ctx) {
  rec_ = &ctx.recorder;
  if (p_.service_bus) {
    cost_operations_ = rec_->cost_category("service_bus_operations_usd");
    cost_base_ = rec_->cost_category("service_bus_base_usd");
  }
  in_process_.assign(listeners_, 0);
  inner_->set_on_request_left([this] { message_left(); });
  inner_->start(ctx);
}

uint64_t AzureQueueTrigger::in_process() const {
  uint64_t n = 0;
  for (const uint32_t c : in_process_) n += c;
  return n;
}

bool AzureQueueTrigger::any_room() const {
  for (uint32_t i = 0; i < listeners_; ++i)
    if (has_room(i)) return true;
  return false;
}

void AzureQueueTrigger::finish(double t_end_s) {
  if (p_.service_bus) rec_->add_cost(cost_base_, t_end_s / 3600.0 * p_.service_bus_base_usd_per_hour);
  inner_->finish(t_end_s);
}

double AzureQueueTrigger::idle_poll_at_or_after(double t_s) const {
  if (p_.service_bus) return t_s;  // the message pump's receive link is open: no polling
  const double max_s = p_.queue_max_polling_interval_s;
  double poll_s = idle_first_poll_s_;
  double wait_s = std::min(kFirstEmptyPollS, max_s);
  while (poll_s < t_s) {
    if (wait_s >= max_s) {  // the back-off has reached its ceiling: every max_s from here
      poll_s += std::ceil((t_s - poll_s) / max_s - 1e-9) * max_s;
      break;
    }
    poll_s += wait_s;
    wait_s = std::min(wait_s * kEmptyPollGrowth, max_s);
  }
  return poll_s;
}

void AzureQueueTrigger::on_arrival(double t_s, double origin_s, uint32_t attempt) {
  now_s_ = t_s;
  // A message put to the queue (or put back by the client after a failure and its visibility timeout).
  visible_.push_back(Message{t_s, origin_s, attempt});
  if (p_.service_bus && attempt == 0) bill_operations(1);  // the producer's send (an abandon puts it back)
  if (next_poll_s_ == kNever && !waiting_for_room_) next_poll_s_ = idle_poll_at_or_after(t_s);
  if (next_poll_s_ <= t_s) poll(t_s);
  report_queue(t_s);
}

void AzureQueueTrigger::poll(double t_s) {
  bool fetched = false;
  for (uint32_t i = 0; i < listeners_ && !visible_.empty(); ++i) {
    if (!has_room(i)) continue;
    fetched = true;
    // A Storage-queue listener fetches a batch; a Service Bus one fills its free calls.
    const uint32_t take =
        p_.service_bus ? p_.service_bus_max_concurrent_calls - in_process_[i] : p_.queue_batch_size;
    for (uint32_t n = 0; n < take && !visible_.empty(); ++n) {
      const Message m = visible_.front();
      visible_.pop_front();
      ++in_process_[i];                        // before the fleet sees it: it may hand it back at once
      if (p_.service_bus) bill_operations(2);  // its receive, and its complete or abandon
      inner_->on_arrival(t_s, m.origin_s, m.attempt);
    }
  }
  waiting_for_room_ = false;
  if (p_.service_bus) {  // no poll schedule: the next take is when a call frees or a message comes
    next_poll_s_ = kNever;
    waiting_for_room_ = !visible_.empty();
  } else if (visible_.empty()) {
    // The next poll (100 ms on) finds the queue empty: the back-off begins there.
    next_poll_s_ = kNever;
    idle_first_poll_s_ = t_s + kFoundPollS;
  } else if (!fetched && !any_room()) {
    next_poll_s_ = kNever;  // every listener is busy: one fetches when its count falls to the threshold
    waiting_for_room_ = true;
  } else {
    next_poll_s_ = t_s + kFoundPollS;
  }
}

void AzureQueueTrigger::message_left() {
  // The listener with the most messages in process (the fleet does not say whose message it was).
  if (in_process_.empty()) return;
  uint32_t j = 0;
  for (uint32_t i = 1; i < in_process_.size(); ++i)
    if (in_process_[i] > in_process_[j]) j = i;
  if (in_process_[j] == 0) return;
  --in_process_[j];
  while (in_process_.size() > listeners_ && in_process_.back() == 0) in_process_.pop_back();
  if (waiting_for_room_ && j < listeners_ && has_room(j)) {
    waiting_for_room_ = false;
    next_poll_s_ = now_s_;
  }
}

double AzureQueueTrigger::next_scale_s() const {
  // Decisions only matter while messages wait or more instances listen than the scale controller keeps.
  if (visible_.empty() && listeners_ <= base_listeners_) return kNever;
  const double interval_s = p_.queue_scale_interval_s;
  const double k = std::max(static_cast<double>(last_scale_tick_ + 1), std::ceil(now_s_ / interval_s - 1e-9));
  return k * interval_s;
}

void AzureQueueTrigger::scale(double t_s) {
  last_scale_tick_ = std::llround(t_s / p_.queue_scale_interval_s);
  // Target-based scaling: desired instances = queue length / target executions per instance (batchSize, or
  // maxConcurrentCalls for Service Bus).
  const uint64_t per = target_per_instance();
  const uint64_t desired = (visible_.size() + per - 1) / per;
  const auto target = static_cast<uint32_t>(
      std::min<uint64_t>(std::max<uint64_t>(desired, base_listeners_), p_.max_instances));
  if (target > listeners_)
    listeners_ = std::min(target, listeners_ + p_.queue_scale_step_instances);
  else
    listeners_ = target;  // scale-in at once (how fast Azure scales in is not documented)
  inner_->start_instances_up_to(t_s, listeners_);  // one instance per listener (scale-in: idle ones time out)
  if (in_process_.size() < listeners_) in_process_.resize(listeners_, 0);
  while (in_process_.size() > listeners_ && in_process_.back() == 0) in_process_.pop_back();
  if (waiting_for_room_ && any_room()) {
    waiting_for_room_ = false;
    next_poll_s_ = t_s;  // the new listeners fetch at once
  }
}

double AzureQueueTrigger::next_event_s() const {
  return std::min({inner_->next_event_s(), next_poll_s_, next_scale_s()});
}

void AzureQueueTrigger::handle_next_event() {
  const double own_s = std::min(next_poll_s_, next_scale_s());
  const double function_s = inner_->next_event_s();
  if (function_s <= own_s) {
    now_s_ = function_s;
    inner_->handle_next_event();
    return;
  }
  now_s_ = own_s;
  if (next_scale_s() <= own_s) scale(own_s);
  if (next_poll_s_ <= own_s) poll(own_s);
  report_queue(own_s);
}

void AzureQueueTrigger::on_transfer_done(uint64_t tag, double t_s) {
  now_s_ = t_s;
  inner_->on_transfer_done(tag, t_s);
}

void AzureQueueTrigger::report_queue(double t_s) {
  rec_->queue(t_s, visible_.size(), visible_.empty() ? -1.0 : visible_.front().visible_s);
}

}  // namespace servesim::platforms
