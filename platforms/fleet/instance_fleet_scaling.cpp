// Instance lifecycle of InstanceFleet: starting (rate-limited), becoming ready, crashes, standby and removal,
// and what the fleet does with the autoscaler's decision.
#include <algorithm>
#include <cmath>

#include "platforms/fleet/instance_fleet.hpp"  // the class whose members this file defines

namespace servesim::platforms {

// ---- instances ----

void InstanceFleet::set_tier(uint32_t i, bool standby) {
  Instance& inst = inst_[i];
  lists_.unlink(i);
  inst.standby = standby;
  if (standby)
    ++standby_;
  else
    --standby_;
  link(i);
}

uint32_t InstanceFleet::find_starting_slot() {
  while (!starting_open_.empty()) {
    const uint32_t i = starting_open_.back();
    if (inst_[i].state == State::starting && inst_[i].bound < cfg_.concurrency) return i;
    starting_open_.pop_back();
  }
  return kNone;
}

bool InstanceFleet::can_start_now(double t_s) const {
  return total_ < max_instances() &&
         (cfg_.scale_out_interval_s <= 0 || t_s >= last_start_s_ + cfg_.scale_out_interval_s);
}

uint32_t InstanceFleet::start_instance(double t_s) {
  uint32_t i;
  if (!free_inst_.empty()) {
    i = free_inst_.back();
    free_inst_.pop_back();
  } else {
    i = static_cast<uint32_t>(inst_.size());
    inst_.emplace_back();
  }
  Instance& inst = inst_[i];
  inst.reserved = false;
  inst.standby = false;
  inst.bound = 0;
  inst.next_done_s = kNever;
  ++total_;
  last_start_s_ = t_s;
  begin_startup(t_s, i);
  return i;
}

void InstanceFleet::begin_startup(double t_s, uint32_t i) {
  Instance& inst = inst_[i];
  inst.state = State::starting;
  inst.init_s = service_.runtime_init_s.sample(*rng_) / cfg_.startup_speedup;
  const double init_s = cfg_.instance_start_s + inst.init_s;
  inst.load_s = service_.model_load_s.sample(*rng_) * cfg_.load_factor / cfg_.startup_speedup;
  ++starting_;
  ++starting_empty_;
  starting_open_.push_back(i);
  ++inst.start;
  inst.container_start_s = t_s + cfg_.instance_start_s;
  inst.probe_passed = false;
  push_timer(Timer{t_s + init_s, i, TimerKind::init_done, inst.start});
  if (cfg_.startup_probe.enabled) {
    const StartupProbe& probe = cfg_.startup_probe;
    push_timer(
        Timer{inst.container_start_s + probe.initial_delay_s + probe.failure_threshold * probe.period_s, i,
              TimerKind::probe_deadline, inst.start});
  }
}

void InstanceFleet::probe_loaded(double t_s, uint32_t i) {
  Instance& inst = inst_[i];
  const StartupProbe::Verdict v = cfg_.startup_probe.judge(t_s - inst.container_start_s);
  if (!v.passes) return;  // loaded exactly at the deadline, which has just killed it or will
  inst.probe_passed = true;
  ++probe_passed_;
  const double pass_s = inst.container_start_s + v.at_s;
  probe_wait_s_ += std::max(0.0, pass_s - t_s);
  if (pass_s <= t_s) {
    become_ready(t_s, i);
    return;
  }
  push_timer(Timer{pass_s, i, TimerKind::probed, inst.start});
}

void InstanceFleet::probe_kill(double t_s, uint32_t i) {
  // "If a startup probe does not succeed within the specified time, Cloud Run shuts down the container"
  // (healthchecks): the requests waiting for it fail (HTTP 503, dropped) and a minimum instance is started
  // again; a dynamic one is gone (the next request or the autoscaler starts another).
  Instance& inst = inst_[i];
  ++probe_kills_;
  if (inst.fetching) {
    ++inst.abandoned_fetches;
    inst.fetching = false;
  }
  const auto waiting = static_cast<uint32_t>(inst.pending.size());
  for (const uint32_t r : inst.pending) {
    if (!delivery_ended(reqs_[r], t_s, DeliveryObserver::End::nack)) rec_->dropped(t_s, reqs_[r].arrival_s);
    free_request(r);
  }
  inst.pending.clear();
  probe_dropped_ += waiting;
  if (waiting > 0) change_bound(t_s, i, -static_cast<int>(waiting));
  // An empty starting instance is counted in starting_empty_; one with requests was taken out when bound.
  if (waiting == 0) --starting_empty_;
  --starting_;
  if (inst.reserved) {
    begin_startup(t_s, i);
    return;
  }
  inst.state = State::free;
  --total_;
  free_inst_.push_back(i);
  schedule_scale_out();
}

void InstanceFleet::schedule_scale_out() {
  if (scale_pending_ || total_ >= max_instances() || cfg_.scale_out_interval_s <= 0) return;
  scale_pending_ = true;
  push_timer(Timer{last_start_s_ + cfg_.scale_out_interval_s, 0, TimerKind::scale_out});
}

void InstanceFleet::scale_out(double t_s) {
  // Queued requests first, then the pre-warmed buffer.
  while (!queue_.empty() && can_start_now(t_s)) pull_queue(t_s, start_instance(t_s));
  while (ready_idle_ + starting_empty_ < cfg_.spare_instances && can_start_now(t_s)) start_instance(t_s);
  if (!queue_.empty() || ready_idle_ + starting_empty_ < cfg_.spare_instances) schedule_scale_out();
}

void InstanceFleet::init_done(double t_s, uint32_t i) {
  Instance& inst = inst_[i];
  if (cfg_.fetch_bytes <= 0) {
    parts_.add(cfg_.instance_start_s, inst.init_s, 0, cfg_.fetch_is_pull, inst.load_s, 0);
    push_timer(Timer{t_s + inst.load_s, i, TimerKind::ready, inst.start});
    return;
  }
  if (cache_.enabled()) {
    const size_t layer = cache_.lookup(t_s, *rng_);
    if (layer < cache_.layers()) {  // the host has the model in a cache layer: no store transfer
      parts_.add(cfg_.instance_start_s, inst.init_s, cache_.read_s(layer), cfg_.fetch_is_pull, inst.load_s,
                 0);
      push_timer(Timer{t_s + cache_.read_s(layer) + inst.load_s, i, TimerKind::ready, inst.start});
      return;
    }
  }
  inst.fetch_began_s = t_s;
  inst.fetching = true;
  transfers_->start(t_s, cfg_.fetch_bytes, store_route_, i);
}

void InstanceFleet::become_ready(double t_s, uint32_t i) {
  Instance& inst = inst_[i];
  inst.state = State::ready;
  --starting_;
  inst.cpu.restart(t_s);
  if (inst.bound == 0) {
    --starting_empty_;
    ++ready_idle_;
    inst.idle_since_s = t_s;
  } else {
    ++ready_busy_;
  }
  cpu_used_sum_ += cfg_.cpu_used_vcpu[inst.bound];
  llm_batching_ = true;  // with service.llm, the waiting requests enter the first iteration together
  for (const uint32_t r : inst.pending) start_service(t_s, i, r);
  inst.pending.clear();
  link(i);
  ++inst.life;
  schedule_crash(t_s, i);
  pull_queue(t_s, i);
  llm_batching_ = false;
  llm_kick(i, t_s);
  update_completion(i);
}

void InstanceFleet::schedule_crash(double t_s, uint32_t i) {
  if (!crashes_->enabled()) return;
  const double crash_s = crashes_->crash_time(t_s, rng_->exponential(1.0));
  if (crash_s < kNever) push_timer(Timer{crash_s, i, TimerKind::crash, inst_[i].life});
}

void InstanceFleet::crash(double t_s, uint32_t i) {
  Instance& inst = inst_[i];
  advance(i, t_s);
  const int fault = crashes_->fault_at(t_s);
  client_->instance_lost(fault);
  // The requests in service on it fail (they had started: a retry needs an idempotent request).
  uint32_t lost = 0;
  auto fail = [&](uint32_t r, uint32_t gen) {
    Request& q = reqs_[r];
    if (q.gen != gen) return;  // stopped at its deadline earlier
    bill_execution(t_s, t_s - q.start_s, inst.reserved);
    client_->lost_in_flight(fault);
    if (delivery_ended(q, t_s, DeliveryObserver::End::nack)) {  // HTTP 5xx to Pub/Sub
      free_request(r);
      ++lost;
      return;
    }
    const double origin_s = q.arrival_s;
    const uint32_t attempt = q.attempt;
    const sim::RequestTokens tokens = q.tokens;
    free_request(r);
    client_->failed(t_s, origin_s, attempt, true, fault, sim::kNoKey, tokens);
    ++lost;
  };
  for (const ProcessorSharing::Entry& entry : inst.cpu.entries()) fail(entry.request, entry.generation);
  llm_drain(i, fail);
  inst.cpu.clear(false);
  if (lost > 0) change_bound(t_s, i, -static_cast<int>(lost));
  inst.next_done_s = kNever;
  done_.set(i, kNever);
  lists_.unlink(i);
  if (inst.standby) {
    inst.standby = false;
    --standby_;
  }
  --ready_idle_;
  cpu_used_sum_ -= cfg_.cpu_used_vcpu[0];
  if (!inst.reserved) {  // gone; the autoscaler or the next request starts another
    inst.state = State::free;
    --total_;
    free_inst_.push_back(i);
    schedule_scale_out();
    return;
  }
  begin_startup(t_s, i);  // a minimum instance is restarted in place: a new cold start
}

void InstanceFleet::reclaim() {
  const uint32_t i = lists_.tail(reclaim_tier(), 0);
  Instance& inst = inst_[i];
  lists_.unlink(i);
  if (inst.standby) --standby_;
  inst.state = State::free;
  inst.cpu.clear(false);
  llm_drain(i, [](uint32_t, uint32_t) {});  // requests stopped at their deadlines while still in the batch
  --total_;
  --ready_idle_;
  free_inst_.push_back(i);
}

// ---- autoscaler: its decision carried out ----

void InstanceFleet::integrate(double t_s) {
  autoscaler_.integrate(t_s, static_cast<double>(live_requests_ - retry_waiting_), cpu_used_sum_);
}

void InstanceFleet::autoscale(double t_s) {
  keep_ = autoscaler_.desired_instances(t_s, max_instances());
  // Too few active instances: re-activate standby ones (idle, most recently used first), then start new ones.
  for (uint32_t k = 0; k <= cfg_.concurrency && total_ - standby_ < keep_; ++k)
    while (lists_.head(1, k) != kNone && total_ - standby_ < keep_) set_tier(lists_.head(1, k), false);
  while (total_ - standby_ < keep_ && can_start_now(t_s)) {
    const uint32_t i = start_instance(t_s);
    if (cfg_.start_on_request) pull_queue(t_s, i);  // else queued requests wait for a ready instance only
  }
  // Too many: the least loaded active instances (least recently used first) become standby.
  uint32_t excess = total_ - standby_ > keep_ ? total_ - standby_ - keep_ : 0;
  for (uint32_t k = 0; k <= cfg_.concurrency && excess > 0; ++k) {
    uint32_t i = lists_.tail(0, k);
    while (i != kNone && excess > 0) {
      const uint32_t prev = lists_.prev(i);
      if (!inst_[i].reserved) {
        set_tier(i, true);
        --excess;
      }
      i = prev;
    }
  }
}

void InstanceFleet::start_instances_up_to(double t_s, uint32_t instances) {
  forget_next();
  if (total_ >= instances || !can_start_now(t_s)) return;
  now_s_ = t_s;
  integrate(t_s);
  accrue(t_s);
  while (total_ < instances && can_start_now(t_s)) pull_queue(t_s, start_instance(t_s));
  report(t_s);
}

void InstanceFleet::report(double t_s) {
  const uint32_t busy = starting_ + ready_busy_;
  if (busy == reported_busy_ && ready_idle_ == reported_idle_) return;
  reported_busy_ = busy;
  reported_idle_ = ready_idle_;
  rec_->instances(t_s, busy, ready_idle_);
}

}  // namespace servesim::platforms
