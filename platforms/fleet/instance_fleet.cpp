#include "platforms/fleet/instance_fleet.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "sim/service_time.hpp"

namespace servesim::platforms {

namespace {
struct LaterTimer {
  template <class T>
  bool operator()(const T& a, const T& b) const {
    return a.t_s > b.t_s;
  }
};
FleetAutoscalerSettings autoscaler_settings(const FleetConfig& config) {
  return FleetAutoscalerSettings{.tick_s = config.autoscale_tick_s,
                                 .window_s = config.autoscale_window_s,
                                 .concurrency = config.concurrency,
                                 .target_concurrency = config.target_concurrency,
                                 .vcpu = config.vcpu,
                                 .target_cpu = config.target_cpu,
                                 .reserved_instances = config.reserved_instances};
}
}  // namespace

void FleetConfig::set_cpu_sharing(double vcpu_per_instance, double parallel_fraction) {
  vcpu = vcpu_per_instance;
  const double alone = sim::cpu_speedup(vcpu, parallel_fraction);
  rate.assign(concurrency + 1, 0.0);
  cpu_used_vcpu.assign(concurrency + 1, 0.0);
  for (uint32_t n = 1; n <= concurrency; ++n) {
    rate[n] = sim::cpu_speedup(vcpu / n, parallel_fraction) / alone;
    // A request keeps at most max(1, speedup) vCPU busy; the instance cannot use more than it has.
    cpu_used_vcpu[n] = std::min(vcpu, n * std::max(1.0, alone));
  }
}

void FleetConfig::set_accelerator_sharing() {
  rate.assign(concurrency + 1, 0.0);
  cpu_used_vcpu.assign(concurrency + 1, 0.0);
  for (uint32_t n = 1; n <= concurrency; ++n) rate[n] = 1.0 / n;
}

void FleetConfig::set_cold_start_path(const ColdStartPath& path) {
  store_per_connection_bytes_per_s = path.per_connection_bytes_per_s;
  store_shared_bytes_per_s = path.shared_bytes_per_s;
  fetch_bytes = path.fetch_bytes;
  fetch_is_pull = path.fetch_is_pull;
}

void FleetConfig::set_instance_compute(const sim::Scenario& scenario, double vcpu_per_instance,
                                       const GpuSpec* gpu, double gpu_work_factor, double gpu_start_s) {
  const auto& svc = scenario.service;
  // Work measured on reference_vcpu; model load scales like it (on the instance's CPUs, GPU or not).
  const double cpu_factor = sim::cpu_speedup(svc.reference_vcpu, svc.parallel_fraction) /
                            sim::cpu_speedup(vcpu_per_instance, svc.parallel_fraction);
  load_factor = cpu_factor;
  if (gpu == nullptr) {
    set_cpu_sharing(vcpu_per_instance, svc.parallel_fraction);
    work_factor = cpu_factor;
    return;
  }
  vcpu = vcpu_per_instance;
  set_accelerator_sharing();
  if (svc.llm.given) {  // a token-level server on the GPU (docs/models/llm-serving.md)
    llm = make_llm_serving(svc.llm, *gpu, llm_settings.replica, scenario.file);
    llm_limits = llm_settings.limits;
    if (llm_limits.max_batched_tokens == 0)
      llm_limits.max_batched_tokens = vllm_limits(*gpu, concurrency).max_batched_tokens;
    check_whole_prefill_fits(llm_limits, svc.llm, scenario.file);
  } else {
    work_factor = gpu_work_factor;
  }
  instance_start_s = gpu_start_s;
}

double FleetConfig::work_factor_for(double request_s, const sim::ServiceSpec& service) {
  return request_s / std::max(service.warm_s.mean_s(), 1e-12);
}

InstanceFleet::InstanceFleet(FleetConfig config, const sim::Scenario& scenario)
    : cfg_(std::move(config)),
      service_(scenario.service),
      client_timeout_s_(scenario.slo.timeout_s),
      cache_(scenario.service),
      lists_(cfg_.concurrency),
      autoscaler_(autoscaler_settings(cfg_)) {
  if (cfg_.fetch_bytes < 0) cfg_.fetch_bytes = service_.model_size_mb * 1e6;
  if (cfg_.llm.timing) {
    meter_ = std::make_unique<LlmMeter>(scenario.slo, cfg_.llm, 1);
    meter_->set_prefix_caching(cfg_.llm_limits.prefix_caching);
  }
}

void InstanceFleet::build(sim::PlatformBuilder& builder) {
  forget_next();
  if (cfg_.fetch_bytes <= 0) return;
  auto* store = builder.host("model-store", 1e9);
  auto* fleet = builder.host("fleet", 1e9);
  store_route_ = builder.route(store, fleet, cfg_.store_shared_bytes_per_s,
                               cfg_.store_per_connection_bytes_per_s, "model-store-link");
}

void InstanceFleet::start(sim::ModelContext& ctx) {
  forget_next();
  rec_ = &ctx.recorder;
  transfers_ = &ctx.transfers;
  rng_ = &ctx.rng;
  tokens_ = ctx.request_tokens;
  request_key_ = ctx.request_key;
  served_by_ = ctx.served_by;
  if (meter_) meter_->attach(*rec_, ctx.client);
  client_ = &ctx.client;
  crashes_ = &ctx.crashes;
  register_costs(*rec_);
  for (uint32_t k = 0; k < cfg_.reserved_instances; ++k) {
    const auto i = static_cast<uint32_t>(inst_.size());
    inst_.emplace_back();
    Instance& inst = inst_[i];
    inst.state = State::ready;
    inst.reserved = true;
    ++total_;
    ++ready_idle_;
    link(i);
    schedule_crash(0, i);
  }
  keep_ = cfg_.reserved_instances;
  if (cfg_.autoscale_tick_s > 0) push_timer(Timer{cfg_.autoscale_tick_s, 0, TimerKind::tick});
  scale_out(0);
  report(0);
}

// ---- events ----

double InstanceFleet::reclaim_s() const {
  // With an autoscaler only standby instances go; without, any dynamic one beyond the spare buffer.
  const uint32_t tail = lists_.tail(reclaim_tier(), 0);
  if (tail == kNone || ready_idle_ + starting_empty_ <= cfg_.spare_instances) return kNever;
  return std::max(now_s_, inst_[tail].idle_since_s + cfg_.idle_timeout_s);
}

InstanceFleet::Source InstanceFleet::next_source(double& t_s) const {
  Source s = Source::none;
  t_s = kNever;
  auto consider = [&](double t, Source src) {
    if (t < t_s) {
      t_s = t;
      s = src;
    }
  };
  if (!done_.empty()) consider(done_.top_key(), Source::completion);
  if (!deadlines_.empty()) consider(deadlines_.front().t_s, Source::deadline);
  if (!timers_.empty()) consider(timers_.front().t_s, Source::timer);
  if (!queue_.empty()) consider(queue_.front().enqueued_s + cfg_.queue_limit_s, Source::queue);
  consider(reclaim_s(), Source::reclaim);
  return s;
}

double InstanceFleet::next_event_s() const {
  next_source_ = next_source(next_t_s_);
  next_known_ = true;
  return next_t_s_;
}

void InstanceFleet::handle_next_event() {
  double t = next_t_s_;
  const Source s = next_known_ ? next_source_ : next_source(t);
  forget_next();
  if (s == Source::none) return;
  now_s_ = t;
  integrate(t);
  accrue(t);
  switch (s) {
    case Source::completion:
      complete(t, done_.top());
      break;
    case Source::deadline:
      stop_at_deadline(t);
      break;
    case Source::queue:
      expire_queue_front(t);
      break;
    case Source::reclaim:
      reclaim();
      break;
    case Source::timer: {
      std::pop_heap(timers_.begin(), timers_.end(), LaterTimer{});
      const Timer timer = timers_.back();
      timers_.pop_back();
      switch (timer.kind) {
        case TimerKind::init_done:
          if (is_current_start(timer)) init_done(t, timer.id);
          break;
        case TimerKind::ready:
          if (!is_current_start(timer)) break;
          if (cfg_.startup_probe.enabled)
            probe_loaded(t, timer.id);
          else
            become_ready(t, timer.id);
          break;
        case TimerKind::probed:
          if (is_current_start(timer)) become_ready(t, timer.id);
          break;
        case TimerKind::probe_deadline:
          if (is_current_start(timer) && !inst_[timer.id].probe_passed) probe_kill(t, timer.id);
          break;
        case TimerKind::retry:
          --retry_waiting_;
          place(t, timer.id);
          break;
        case TimerKind::scale_out:
          scale_pending_ = false;
          scale_out(t);
          break;
        case TimerKind::crash:
          if (inst_[timer.id].state == State::ready && inst_[timer.id].life == timer.life) crash(t, timer.id);
          break;
        case TimerKind::tick:
          autoscale(t);
          push_timer(Timer{t + cfg_.autoscale_tick_s, 0, TimerKind::tick});
          break;
      }
      break;
    }
    case Source::none:
      break;
  }
  if (cfg_.spare_instances > 0) scale_out(t);
  report(t);
}

void InstanceFleet::on_arrival(double t_s, double origin_s, uint32_t attempt) {
  arrive(t_s, origin_s, attempt, kNoDelivery);
}

void InstanceFleet::deliver(double t_s, uint64_t delivery) {
  arrive(t_s, t_s, 0, delivery);
}

void InstanceFleet::arrive(double t_s, double origin_s, uint32_t attempt, uint64_t delivery) {
  forget_next();
  now_s_ = t_s;
  integrate(t_s);
  accrue(t_s);
  const uint32_t r = new_request(origin_s, attempt);
  reqs_[r].delivery = delivery;
  uint32_t input = 0, output = 0;
  if (cfg_.llm.timing && !llm_request_tokens(service_.llm, &reqs_[r].tokens, input, output)) {
    // Longer than the model's context: refused (HTTP 400; a push request is nacked).
    if (!delivery_ended(reqs_[r], t_s, DeliveryObserver::End::nack)) rec_->dropped(t_s, origin_s);
    free_request(r);
    report(t_s);
    return;
  }
  place(t_s, r);
  if (cfg_.spare_instances > 0) scale_out(t_s);
  report(t_s);
}

void InstanceFleet::on_transfer_done(uint64_t tag, double t_s) {
  forget_next();
  now_s_ = t_s;
  const auto i = static_cast<uint32_t>(tag);
  if (inst_[i].abandoned_fetches > 0) {  // the fetch of a start-up the startup probe killed
    --inst_[i].abandoned_fetches;
    return;
  }
  inst_[i].fetching = false;
  parts_.add(cfg_.instance_start_s, inst_[i].init_s, t_s - inst_[i].fetch_began_s, cfg_.fetch_is_pull,
             inst_[i].load_s, cfg_.fetch_bytes / 1e6);
  push_timer(Timer{t_s + inst_[i].load_s, i, TimerKind::ready, inst_[i].start});
}

std::vector<std::pair<std::string, double>> InstanceFleet::lever_outcome() const {
  std::vector<std::pair<std::string, double>> out;
  if (cfg_.startup_probe.enabled)
    out = {{"startup_probe_passed", static_cast<double>(probe_passed_)},
           {"startup_probe_wait_s", probe_wait_s_},
           {"startup_probe_kills", static_cast<double>(probe_kills_)},
           {"startup_probe_dropped", static_cast<double>(probe_dropped_)}};
  if (cfg_.session_affinity)
    for (const auto& entry : affinity_.outcome()) out.push_back(entry);
  return out;
}

void InstanceFleet::finish(double t_end_s) {
  forget_next();
  for (const Instance& inst : inst_) {
    if (inst.state == State::free) continue;
    if (inst.bound > 0) bill_busy(t_end_s, t_end_s - inst.busy_since_s, inst.reserved);
  }
  accrue(t_end_s);
  flush_instance_seconds(t_end_s);
}

// ---- requests ----

void InstanceFleet::set_concurrency_cap(double t_s, uint32_t cap, int fault) {
  forget_next();
  cap_ = cap;
  cap_fault_ = fault;
  // The storm is over: requests waiting in the queue may get new instances now.
  if (cap == kNone) {
    now_s_ = t_s;
    integrate(t_s);
    accrue(t_s);
    while (!queue_.empty() && can_start_now(t_s)) pull_queue(t_s, start_instance(t_s));
    schedule_scale_out();
    report(t_s);
  }
}

uint32_t InstanceFleet::new_request(double arrival_s, uint32_t attempt) {
  uint32_t r;
  if (!free_reqs_.empty()) {
    r = free_reqs_.back();
    free_reqs_.pop_back();
  } else {
    r = static_cast<uint32_t>(reqs_.size());
    reqs_.emplace_back();
  }
  Request& q = reqs_[r];
  q.arrival_s = arrival_s;
  q.instance = kNone;
  q.attempt = attempt;
  q.tokens = tokens_ ? *tokens_ : sim::RequestTokens{};
  q.key = request_key_ ? *request_key_ : sim::kNoKey;
  ++live_requests_;
  return r;
}

void InstanceFleet::free_request(uint32_t r) {
  ++reqs_[r].gen;
  free_reqs_.push_back(r);
  --live_requests_;
  if (on_request_left_) [[unlikely]]
    on_request_left_();
  while (!deadlines_.empty() && reqs_[deadlines_.front().req].gen != deadlines_.front().gen)
    deadlines_.pop_front();
}

uint32_t InstanceFleet::affinity_home(uint32_t r) {
  using Outcome = SessionAffinity::Outcome;
  const SessionAffinity::Home* home = affinity_.home(reqs_[r].key);
  Outcome outcome = Outcome::hit;
  if (home == nullptr)
    outcome = Outcome::first;
  else if (inst_[home->instance].state != State::ready || inst_[home->instance].life != home->life)
    outcome = Outcome::gone;
  else if (inst_[home->instance].bound >= cfg_.concurrency)
    outcome = Outcome::full;
  else if (inst_[home->instance].standby)
    outcome = Outcome::scaled_in;
  affinity_.count(outcome);
  return outcome == Outcome::hit ? home->instance : kNone;
}

void InstanceFleet::record_answer(uint32_t i, const Request& q) {
  // The affinity cookie comes with the response: the session's next request goes where this one ran.
  if (cfg_.session_affinity && q.key != sim::kNoKey) affinity_.answered(q.key, i, inst_[i].life);
  if (served_by_) *served_by_ = sim::ServedBy{q.key, (static_cast<uint64_t>(i) << 32) | inst_[i].life};
}

void InstanceFleet::place(double t_s, uint32_t r) {
  if (cfg_.session_affinity && reqs_[r].key != sim::kNoKey) {
    const uint32_t home = affinity_home(r);
    if (home != kNone) {
      bind_ready(t_s, home, r);
      return;
    }
  }
  uint32_t i = lists_.find_slot(0);
  if (i == kNone && standby_ > 0) {
    i = lists_.find_slot(1);
    if (i != kNone) set_tier(i, false);
  }
  if (i != kNone) {
    bind_ready(t_s, i, r);
    return;
  }
  if (cfg_.start_on_request) {
    i = find_starting_slot();
    if (i == kNone && can_start_now(t_s)) i = start_instance(t_s);
  }
  if (i != kNone) {
    bind_pending(t_s, i, r);
    return;
  }
  enqueue(t_s, r);
}

void InstanceFleet::enqueue(double t_s, uint32_t r) {
  if (cfg_.max_outstanding_per_instance > 0) {
    // Outstanding before r: every live request but r and those waiting to retry (bound or queued).
    const uint64_t outstanding = live_requests_ - retry_waiting_ - 1;
    if (outstanding >= uint64_t{cfg_.max_outstanding_per_instance} * std::max(total_, 1u)) {
      throttle(t_s, r, false);
      return;
    }
  }
  queue_.push_back(Queued{t_s, r});
  rec_->queued(t_s);
  schedule_scale_out();
}

void InstanceFleet::throttle(double t_s, uint32_t r, bool by_storm) {
  Request& q = reqs_[r];
  if (by_storm && cap_fault_ >= 0) client_->throttled_by(cap_fault_);
  if (delivery_ended(q, t_s, DeliveryObserver::End::nack)) {  // HTTP 429 to Pub/Sub
    free_request(r);
    return;
  }
  double retry_at_s = 0;
  switch (client_->throttled(t_s, q.arrival_s, q.attempt, retry_at_s, q.tokens)) {
    case sim::Client::Throttle::retry:
      // HTTP 429: the client retries after a full-jitter exponential backoff.
      ++retry_waiting_;
      push_timer(Timer{retry_at_s, r, TimerKind::retry});
      return;
    case sim::Client::Throttle::throttled:
      rec_->throttled(t_s, q.arrival_s);
      break;
    case sim::Client::Throttle::queued:  // an async event back in the platform's queue, or expired
      break;
  }
  free_request(r);
}

void InstanceFleet::start_service(double t_s, uint32_t i, uint32_t r) {
  Instance& inst = inst_[i];
  Request& q = reqs_[r];
  q.start_s = t_s;
  deadlines_.push_back(Deadline{t_s + cfg_.request_timeout_s, r, q.gen});
  if (cfg_.llm.timing) {
    if (!inst.engine) inst.engine = std::make_unique<LlmEngine>(*cfg_.llm.timing, cfg_.llm_limits);
    LlmRequest lr{.arrival_s = q.arrival_s, .attempt = q.attempt, .id = r, .gen = q.gen};
    llm_request_tokens(service_.llm, &q.tokens, lr.input, lr.output);  // fits: checked on arrival
    if (cfg_.llm_limits.prefix_caching) lr.prefix = q.tokens.prefix;
    inst.engine->add(lr);
    if (!llm_batching_) llm_kick(i, t_s);
    return;
  }
  inst.cpu.add(sim::warm_service_s(service_, *rng_, &q.tokens) * cfg_.work_factor, r, q.gen);
}

void InstanceFleet::bind_ready(double t_s, uint32_t i, uint32_t r) {
  advance(i, t_s);
  reqs_[r].instance = i;
  start_service(t_s, i, r);
  change_bound(t_s, i, +1);
  update_completion(i);
}

void InstanceFleet::bind_pending(double t_s, uint32_t i, uint32_t r) {
  Instance& inst = inst_[i];
  if (inst.bound == 0) --starting_empty_;
  inst.pending.push_back(r);
  reqs_[r].instance = i;
  change_bound(t_s, i, +1);
  rec_->cold_start(t_s);
}

void InstanceFleet::pull_queue(double t_s, uint32_t i) {
  while (!queue_.empty() && inst_[i].bound < cfg_.concurrency) {
    const uint32_t r = queue_.front().req;
    queue_.pop_front();
    if (inst_[i].state == State::ready)
      bind_ready(t_s, i, r);
    else
      bind_pending(t_s, i, r);
  }
}

void InstanceFleet::complete(double t_s, uint32_t i) {
  if (inst_[i].engine) return llm_complete(t_s, i);
  advance(i, t_s);
  Instance& inst = inst_[i];
  const uint32_t r = inst.cpu.pop_finished();
  const Request& q = reqs_[r];
  bill_execution(t_s, t_s - q.start_s, inst.reserved);
  answering(i, q);
  if (!delivery_ended(q, t_s, DeliveryObserver::End::ok))
    client_->completed(*rec_, t_s, q.arrival_s, q.attempt, sim::Client::Ended::finished, client_timeout_s_);
  if (served_by_) *served_by_ = sim::ServedBy{};
  free_request(r);
  change_bound(t_s, i, -1);
  clean_top(i);
  pull_queue(t_s, i);
  update_completion(i);
}

void InstanceFleet::stop_at_deadline(double t_s) {
  const uint32_t r = deadlines_.front().req;
  const Request& q = reqs_[r];
  const uint32_t i = q.instance;
  advance(i, t_s);
  bill_execution(t_s, t_s - q.start_s, inst_[i].reserved);
  // The platform ends it (HTTP 504): a synchronous caller sees a timeout, an async event a function error
  // that the event queue retries; a push request, a nack.
  if (!delivery_ended(q, t_s, DeliveryObserver::End::nack))
    client_->completed(*rec_, t_s, q.arrival_s, q.attempt, sim::Client::Ended::function_error,
                       client_timeout_s_, q.tokens);
  free_request(r);  // its entry in the instance's heap is now stale
  change_bound(t_s, i, -1);
  clean_top(i);
  pull_queue(t_s, i);
  update_completion(i);
}

void InstanceFleet::expire_queue_front(double t_s) {
  const uint32_t r = queue_.front().req;
  queue_.pop_front();
  // The platform refuses a request that waited queue_limit_s without a slot: HTTP 429 (the client may retry)
  // while its caller still waits, else a timeout. An async event has no caller to time out: the refusal
  // (a 429 or a 5xx) goes back to the event queue, which retries it with backoff (Client::throttled).
  if (client_->is_async() || reqs_[r].delivery != kNoDelivery ||
      (cfg_.queue_expiry_throttles && t_s - reqs_[r].arrival_s < client_timeout_s_)) {
    throttle(t_s, r);
  } else {
    rec_->timed_out(t_s, reqs_[r].arrival_s);
    free_request(r);
  }
}

void InstanceFleet::change_bound(double t_s, uint32_t i, int delta) {
  Instance& inst = inst_[i];
  const uint32_t before = inst.bound;
  inst.bound = before + delta;
  if (before == 0) inst.busy_since_s = t_s;
  if (inst.bound == 0) bill_busy(t_s, t_s - inst.busy_since_s, inst.reserved);
  if (inst.state != State::ready) return;
  cpu_used_sum_ += cfg_.cpu_used_vcpu[inst.bound] - cfg_.cpu_used_vcpu[before];
  if (before == 0) {
    --ready_idle_;
    ++ready_busy_;
  } else if (inst.bound == 0) {
    ++ready_idle_;
    --ready_busy_;
    inst.idle_since_s = t_s;
  }
  lists_.unlink(i);
  link(i);
}

void InstanceFleet::link(uint32_t i) {
  const Instance& inst = inst_[i];
  lists_.link(i, inst.bound, inst.standby, inst.reserved, inst.idle_since_s);
}

void InstanceFleet::advance(uint32_t i, double t_s) {
  Instance& inst = inst_[i];
  // A starting instance holds its requests without running them.
  inst.cpu.advance(t_s, inst.bound > 0 && inst.state == State::ready ? cfg_.rate[inst.bound] : 0.0);
}

void InstanceFleet::clean_top(uint32_t i) {
  Instance& inst = inst_[i];
  if (inst.bound == 0) {
    inst.cpu.clear(true);
    return;
  }
  inst.cpu.drop_stale(
      [this](const ProcessorSharing::Entry& entry) { return reqs_[entry.request].gen == entry.generation; });
}

void InstanceFleet::update_completion(uint32_t i) {
  Instance& inst = inst_[i];
  if (inst.engine)
    inst.next_done_s =
        inst.state == State::ready && inst.engine->running() ? inst.engine->iteration_end_s() : kNever;
  else if (inst.state != State::ready || inst.bound == 0 || inst.cpu.empty())
    inst.next_done_s = kNever;
  else
    inst.next_done_s = inst.cpu.next_finish_s(cfg_.rate[inst.bound]);
  done_.set(i, inst.next_done_s);
}

void InstanceFleet::accrue(double t_s) {
  // Counts change only inside handlers, so the counts now held applied since the previous handler.
  const double dt = t_s - accrued_to_s_;
  if (dt <= 0) return;
  reserved_instance_s_ += cfg_.reserved_instances * dt;
  dynamic_instance_s_ += (total_ - cfg_.reserved_instances) * dt;
  if (cfg_.reserved_instances > ready_busy_) idle_reserved_s_ += (cfg_.reserved_instances - ready_busy_) * dt;
  accrued_to_s_ = t_s;
  if (t_s - flushed_s_ >= 1.0) flush_instance_seconds(t_s);
}

void InstanceFleet::flush_instance_seconds(double t_s) {
  if (reserved_instance_s_ > 0) bill_lifetime(t_s, reserved_instance_s_, true);
  if (dynamic_instance_s_ > 0) bill_lifetime(t_s, dynamic_instance_s_, false);
  if (idle_reserved_s_ > 0) bill_idle_reserved(t_s, idle_reserved_s_);
  reserved_instance_s_ = dynamic_instance_s_ = idle_reserved_s_ = 0;
  flushed_s_ = t_s;
}

void InstanceFleet::push_timer(const Timer& timer) {
  timers_.push_back(timer);
  std::push_heap(timers_.begin(), timers_.end(), LaterTimer{});
}

}  // namespace servesim::platforms
