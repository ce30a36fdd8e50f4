#include "platforms/aws_lambda/lambda_model.hpp"

#include <algorithm>
#include <cmath>

#include "core/json_fields.hpp"
#include "platforms/aws_lambda/schedule_expression.hpp"
#include "sim/service_time.hpp"

namespace servesim::platforms {

namespace {
// The function-error draws' random stream (sim/rng.hpp tags 1..6 are the arrivals' and the run's, 7 the
// partition keys and message groups, 8 the failing records).
constexpr uint64_t kFunctionErrorStream = 9;
// The span a schedule expression is expanded over [s]: the workload's length when it is known (a synthetic
// workload, a trace window), else a year, plus a day for the drain after the last arrival (actions after the
// run's end never apply).
double schedule_span_s(const sim::WorkloadSpec& w) {
  double span_s = 366 * 86400.0;
  if (w.kind != sim::WorkloadSpec::Kind::rate_trace && w.kind != sim::WorkloadSpec::Kind::request_trace)
    span_s = w.synthetic_duration_s;
  else if (w.duration_s > 0)
    span_s = w.duration_s / w.time_compression;
  return span_s + 86400;
}

// provisioned_concurrency_schedule: [{"at_s": t >= 0 | "schedule": "cron(...)" | "at(...)",
// "provisioned_concurrency": 0..limit}, ...], the at_s steps increasing; schedule steps expand to the times
// they fire (schedule_expression.hpp), then all are applied in time order (at one time, in list order).
std::vector<LambdaParams::ScheduledAction> read_pc_schedule(const Settings& s, uint32_t limit,
                                                            const sim::WorkloadSpec& workload) {
  const std::string key = "provisioned_concurrency_schedule";
  const nlohmann::json& list = s.structured(key);
  if (!list.is_array())
    throw s.error(key, "expected a list of {\"at_s\", \"provisioned_concurrency\"} actions, got " +
                           core::quote_json(list));
  std::vector<LambdaParams::ScheduledAction> out;
  double last_at_s = -1;
  for (size_t i = 0; i < list.size(); ++i) {
    const nlohmann::json& a = list[i];
    const std::string at = "/" + std::to_string(i);
    const bool timed = a.is_object() && (a.contains("at_s") != a.contains("schedule"));
    if (!timed || a.size() != 2 || !a.contains("provisioned_concurrency"))
      throw s.error_at(
          key, at,
          "expected an object with at_s [s] (or a schedule expression) and provisioned_concurrency, "
          "got " +
              core::quote_json(a));
    const nlohmann::json& n = a.at("provisioned_concurrency");
    if (!n.is_number() || !std::isfinite(n.get<double>()) || n.get<double>() < 0 || n.get<double>() > limit ||
        n.get<double>() != std::floor(n.get<double>()))
      throw s.error_at(key, at + "/provisioned_concurrency",
                       "expected a whole number 0.." + std::to_string(limit) +
                           " (at most the concurrency limit), got " + core::quote_json(n));
    const auto environments = static_cast<uint32_t>(n.get<double>());
    if (a.contains("schedule")) {
      const nlohmann::json& e = a.at("schedule");
      ScheduleExpression expression;
      std::string why;
      if (!e.is_string() || !parse_schedule_expression(e.get<std::string>(), expression, why))
        throw s.error_at(key, at + "/schedule",
                         (why.empty() ? std::string("expected cron(...) or at(...)") : why) + ", got " +
                             core::quote_json(e));
      if (!workload.has_start_utc)
        throw s.error_at(key, at + "/schedule",
                         "expected a workload with start_utc (the UTC time the run starts) for a schedule "
                         "expression, got none");
      for (const double t : fire_times_s(expression, workload.start_utc_s, schedule_span_s(workload)))
        out.push_back({t, environments});
      continue;
    }
    const nlohmann::json& t = a.at("at_s");
    if (!t.is_number() || !std::isfinite(t.get<double>()) || t.get<double>() < 0 ||
        t.get<double>() <= last_at_s)
      throw s.error_at(key, at + "/at_s",
                       "expected a time >= 0 s after the previous action's, got " + core::quote_json(t));
    last_at_s = t.get<double>();
    out.push_back({last_at_s, environments});
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.at_s < y.at_s; });
  return out;
}
}  // namespace

LambdaParams LambdaParams::from(const Settings& s, const sim::ServiceSpec& service,
                                const sim::WorkloadSpec& workload) {
  LambdaParams p{};
  p.memory_mb = s.number("memory_mb");
  p.arm64 = s.text("architecture") == "arm64";
  p.mb_per_vcpu = s.number("mb_per_vcpu");
  p.max_vcpu = s.number("max_vcpu");
  p.timeout_s = s.number("timeout_s");
  p.function_error_probability = s.number("function_error_probability");
  p.api_gateway = s.boolean("api_gateway");
  p.api_gateway_timeout_s = s.number("api_gateway_timeout_s");
  p.account_concurrency = static_cast<uint32_t>(s.number("account_concurrency"));
  p.reserved_concurrency = static_cast<uint32_t>(s.number("reserved_concurrency"));
  p.scale_rate_envs = static_cast<uint32_t>(s.number("scale_rate_envs"));
  p.scale_rate_window_s = s.number("scale_rate_window_s");
  p.keep_alive_s = s.number("keep_alive_s");
  p.init_limit_s = s.number("init_limit_s");
  p.provisioned_concurrency = static_cast<uint32_t>(s.number("provisioned_concurrency"));
  p.price_usd_per_gb_s = s.number(p.arm64 ? "price_usd_per_gb_s_arm64" : "price_usd_per_gb_s_x86");
  p.price_usd_per_request = s.number("price_usd_per_million_requests") / 1e6;
  p.billing_granularity_s = s.number("billing_granularity_ms") / 1e3;
  p.bill_init = s.boolean("bill_init");
  p.pc_price_usd_per_gb_s = s.number("pc_price_usd_per_gb_s");
  p.pc_exec_price_usd_per_gb_s = s.number("pc_exec_price_usd_per_gb_s");
  p.store_per_connection_bytes_per_s = s.number("model_store_per_connection_mb_per_s") * 1e6;
  p.store_shared_bytes_per_s = s.number("model_store_shared_gb_per_s") * 1e9;
  p.ephemeral_storage_mb = s.number("ephemeral_storage_mb");
  p.ephemeral_price_usd_per_gb_s = s.number("ephemeral_storage_price_usd_per_gb_s");
  p.snapstart = s.boolean("snapstart");
  p.model_load_in_extension = s.boolean("model_load_in_extension");
  if (p.reserved_concurrency > p.account_concurrency)
    throw s.error("reserved_concurrency", "expected at most account_concurrency (" +
                                              std::to_string(p.account_concurrency) + "), got " +
                                              std::to_string(p.reserved_concurrency));
  if (p.provisioned_concurrency > p.concurrency_limit())
    throw s.error("provisioned_concurrency", "expected at most the concurrency limit (" +
                                                 std::to_string(p.concurrency_limit()) + "), got " +
                                                 std::to_string(p.provisioned_concurrency));
  p.pc_preparation_s = s.number("pc_preparation_s");
  p.pc_allocation_envs_per_min = s.number("pc_allocation_envs_per_min");
  p.pc_schedule = read_pc_schedule(s, p.concurrency_limit(), workload);
  p.path = lambda_cold_start_path(s, p, service);
  return p;
}

LambdaModel::LambdaModel(const LambdaParams& params, const sim::Scenario& scenario)
    : p_(params),
      service_(scenario.service),
      slo_(scenario.slo),
      error_rng_(sim::Rng::derive(scenario.seed, kFunctionErrorStream)),
      cache_(scenario.service) {
  // A request that needs W vCPU-seconds on the reference share takes W x speedup(ref)/speedup(vcpu).
  speed_factor_ = sim::cpu_speedup(service_.reference_vcpu, service_.parallel_fraction) /
                  sim::cpu_speedup(p_.vcpu(), service_.parallel_fraction);
  memory_gb_ = p_.memory_mb / 1024.0;
  creations_.assign(p_.scale_rate_envs, -1e300);
  pc_next_change_s_ = next_pc_change_s();
}

std::vector<std::pair<std::string, uint64_t>> LambdaModel::cold_start_sources() const {
  return cache_.sources();
}

void LambdaModel::build(sim::PlatformBuilder& builder) {
  if (p_.path.fetch_bytes <= 0 || p_.path.restore_s >= 0) return;
  auto* store = builder.host("model-store", 1e9);
  auto* fleet = builder.host("lambda-fleet", 1e9);
  store_route_ = builder.route(store, fleet, p_.path.shared_bytes_per_s, p_.path.per_connection_bytes_per_s,
                               "model-store-link");
}

void LambdaModel::start(sim::ModelContext& ctx) {
  rec_ = &ctx.recorder;
  transfers_ = &ctx.transfers;
  rng_ = &ctx.rng;
  tokens_ = ctx.request_tokens;
  request_key_ = ctx.request_key;
  served_by_ = ctx.served_by;
  client_ = &ctx.client;
  crashes_ = &ctx.crashes;
  cost_compute_ = rec_->cost_category("compute_usd");
  cost_requests_ = rec_->cost_category("requests_usd");
  cost_pc_ = rec_->cost_category("provisioned_usd");
  cost_pc_exec_ = rec_->cost_category("provisioned_compute_usd");
  if (p_.ephemeral_storage_mb > 512) cost_ephemeral_ = rec_->cost_category("ephemeral_storage_usd");
  for (uint32_t i = 0; i < p_.provisioned_concurrency; ++i) pc_idle_.push_back(new_environment());
  pc_configured_ = pc_allocated_ = p_.provisioned_concurrency;
  report_instances(0);
}

void LambdaModel::push(const Event& e) {
  uint32_t index;
  if (free_events_.empty()) {
    index = static_cast<uint32_t>(event_slab_.size());
    event_slab_.push_back(e);
  } else {
    index = free_events_.back();
    free_events_.pop_back();
    event_slab_[index] = e;
  }
  events_.push_back(Pending{e.t_s, index});
  std::push_heap(events_.begin(), events_.end(), Later{});
}

inline double LambdaModel::work_s() {
  double work_s = 0;
  for (uint32_t k = 0; k < items_; ++k) work_s += sim::warm_service_s(service_, *rng_, tokens_);
  return work_s * speed_factor_;
}

void LambdaModel::report_instances(double t_s) {
  rec_->instances(t_s, busy_, static_cast<uint32_t>(idle_since_.size() + pc_idle_.size()));
}

double LambdaModel::next_event_s() const {
  double t = events_.empty() ? kNever : events_.front().t_s;
  if (!idle_since_.empty()) t = std::min(t, idle_since_.front().since_s + p_.keep_alive_s);
  return std::min(t, pc_next_change_s_);
}

void LambdaModel::bill_provisioned(double t_s) {
  // Billed for the configured amount from the moment it is configured, allocated or not (Lambda pricing:
  // "for the amount of concurrency you configure and for the period of time you configure it").
  rec_->add_cost(cost_pc_,
                 pc_configured_ * memory_gb_ * (t_s - pc_billed_until_s_) * p_.pc_price_usd_per_gb_s);
  pc_billed_until_s_ = t_s;
}

void LambdaModel::apply_pc_change() {
  apply_pc_step();
  pc_next_change_s_ = next_pc_change_s();
}

void LambdaModel::apply_pc_step() {
  const double action_s =
      pc_next_action_ < p_.pc_schedule.size() ? p_.pc_schedule[pc_next_action_].at_s : kNever;
  if (pc_ready_at_s_ <= action_s) {
    // A raise finished allocating: none of its environments was usable before, all are now
    // (lambda-concurrency.html: "you can't access any of those environments until Lambda completely
    // finishes allocating them").
    const double t = pc_ready_at_s_;
    pc_allocated_ += pc_pending_;
    for (uint32_t i = 0; i < pc_pending_; ++i) pc_idle_.push_back(new_environment());
    pc_pending_ = 0;
    pc_ready_at_s_ = kNever;
    ++pc_allocations_;
    report_instances(t);
    return;
  }
  const double t = action_s;
  const uint32_t target = p_.pc_schedule[pc_next_action_++].environments;
  bill_provisioned(t);
  pc_configured_ = target;
  // A new action replaces an allocation still in progress; it starts again from what exists.
  pc_pending_ = 0;
  pc_ready_at_s_ = kNever;
  const uint32_t kept = pc_allocated_ - pc_release_;
  if (target > kept) {
    uint32_t more = target - kept;
    const uint32_t unreleased = std::min(pc_release_, more);  // busy ones a cut was waiting for stay
    pc_release_ -= unreleased;
    more -= unreleased;
    if (more > 0) {
      pc_pending_ = more;
      pc_ready_at_s_ = t + p_.pc_preparation_s + more * 60.0 / p_.pc_allocation_envs_per_min;
    }
  } else {
    uint32_t fewer = kept - target;
    // Idle environments go at once (the longest idle first).
    const uint32_t idle = std::min(static_cast<uint32_t>(pc_idle_.size()), fewer);
    pc_idle_.erase(pc_idle_.begin(), pc_idle_.begin() + idle);
    pc_allocated_ -= idle;
    pc_release_ += fewer - idle;  // busy ones when their request ends
  }
  report_instances(t);
}

void LambdaModel::return_provisioned(uint64_t environment) {
  if (pc_release_ > 0) {
    --pc_release_;
    --pc_allocated_;
  } else {
    pc_idle_.push_back(environment);
  }
}

std::vector<std::pair<std::string, double>> LambdaModel::lever_outcome() const {
  if (p_.pc_schedule.empty()) return {};
  return {{"pc_actions_applied", static_cast<double>(pc_next_action_)},
          {"pc_allocations_completed", static_cast<double>(pc_allocations_)},
          {"pc_configured_at_end", static_cast<double>(pc_configured_)},
          {"pc_invocations", static_cast<double>(pc_invocations_)},
          {"pc_cold_starts_while_allocating", static_cast<double>(pc_cold_while_allocating_)}};
}

bool LambdaModel::take_scaling_slot(double t_s) {
  // Sliding window: the creation scale_rate_envs ago must be at least one window old.
  double& oldest = creations_[creation_head_];
  if (oldest > t_s - p_.scale_rate_window_s) return false;
  oldest = t_s;
  creation_head_ = (creation_head_ + 1) % creations_.size();
  return true;
}

void LambdaModel::on_arrival(double t_s, double origin_s, uint32_t attempt_no) {
  attempt(t_s, origin_s, attempt_no);
}

void LambdaModel::set_concurrency_cap(double t_s, uint32_t cap, int fault) {
  (void)t_s;
  cap_ = cap;
  cap_fault_ = fault;
}

bool LambdaModel::idle_crashed(double idle_since_s, double t_s) {
  // Crashes are memoryless: an environment idle over [idle_since_s, t_s] survived with exp(-hazard).
  if (!crashes_->enabled()) return false;
  return rng_->uniform() >= std::exp(-crashes_->hazard(idle_since_s, t_s));
}

void LambdaModel::attempt(double t_s, double arrival_s, uint32_t attempt_no) {
  if (busy_ < limit()) {
    if (!pc_idle_.empty()) {
      const uint64_t environment = pc_idle_.back();  // most recently used first, as on demand
      pc_idle_.pop_back();
      ++busy_;
      ++pc_invocations_;
      report_instances(t_s);
      begin_service(t_s, t_s, arrival_s, attempt_no, 0.0, work_s(), true, Runner{environment, offered_key()});
      return;
    }
    while (!idle_since_.empty() && idle_crashed(idle_since_.back().since_s, t_s)) {
      idle_since_.pop_back();  // crashed while idle: gone, found only now (no request was on it)
      const int fault = crashes_->fault_at(t_s);
      if (fault >= 0) client_->instance_lost(fault);
      report_instances(t_s);
    }
    if (!idle_since_.empty()) {
      const uint64_t environment = idle_since_.back().environment;
      idle_since_.pop_back();  // most recently used first
      ++busy_;
      report_instances(t_s);
      begin_service(t_s, t_s, arrival_s, attempt_no, 0.0, work_s(), false,
                    Runner{environment, offered_key()});
      return;
    }
    if (take_scaling_slot(t_s)) {
      const Runner runner{new_environment(), offered_key()};
      ++busy_;
      report_instances(t_s);
      rec_->cold_start(t_s);
      if (pc_pending_ > 0) ++pc_cold_while_allocating_;
      if (p_.path.restore_s >= 0) {  // SnapStart: the snapshot holds the initialised environment
        parts_.add(0, p_.path.restore_s, 0, false, 0, 0);
        begin_service(t_s, t_s, arrival_s, attempt_no, p_.path.restore_s, work_s(), false, runner);
        return;
      }
      const double runtime_init_s = service_.runtime_init_s.sample(*rng_);
      const double load_s = service_.model_load_s.sample(*rng_) * speed_factor_;
      const double service_s = work_s();
      if (p_.path.fetch_bytes <= 0) {
        parts_.add(0, runtime_init_s, 0, p_.path.fetch_is_pull, load_s, 0);
        if (p_.model_load_in_extension) {
          begin_service(t_s, t_s, arrival_s, attempt_no, std::max(runtime_init_s, load_s), service_s, false,
                        runner, runtime_init_s);
          return;
        }
        begin_service(t_s, t_s, arrival_s, attempt_no, runtime_init_s + load_s, service_s, false, runner);
        return;
      }
      if (cache_.enabled()) {
        const size_t layer = cache_.lookup(t_s, *rng_);
        if (layer < cache_.layers()) {  // read from the worker's cache: no store transfer
          parts_.add(0, runtime_init_s, cache_.read_s(layer), p_.path.fetch_is_pull, load_s, 0);
          if (p_.model_load_in_extension) {
            begin_service(t_s, t_s, arrival_s, attempt_no,
                          std::max(runtime_init_s, cache_.read_s(layer) + load_s), service_s, false, runner,
                          runtime_init_s);
            return;
          }
          begin_service(t_s, t_s, arrival_s, attempt_no, runtime_init_s + cache_.read_s(layer) + load_s,
                        service_s, false, runner);
          return;
        }
      }
      uint32_t slot;
      if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
      } else {
        slot = static_cast<uint32_t>(cold_.size());
        cold_.emplace_back();
      }
      cold_[slot] = ColdStart{arrival_s, t_s,        runtime_init_s,     load_s,
                              service_s, attempt_no, runner.environment, runner.key};
      ++pending_cold_;
      // An extension starts the download at Extension init; otherwise the function's init does, after the
      // runtime's.
      const double fetch_at_s = p_.model_load_in_extension ? t_s : t_s + runtime_init_s;
      push(Event{fetch_at_s, arrival_s, 0, slot, Kind::download, false, false, 0, sim::kNoKey});
      return;
    }
  }
  // Throttled (HTTP 429): the client retries with full-jitter exponential backoff, or gives up.
  if (cap_fault_ >= 0 && busy_ >= cap_ && busy_ < p_.concurrency_limit()) client_->throttled_by(cap_fault_);
  if (observer_) {  // an event source mapping handles its throttled batch itself
    observer_->invocation_ended(attempt_no, t_s, InvocationObserver::End::throttled);
    return;
  }
  double retry_at_s = 0;
  switch (client_->throttled(t_s, arrival_s, attempt_no, retry_at_s, *tokens_)) {
    case sim::Client::Throttle::retry:
      push(
          Event{retry_at_s, arrival_s, 0, hold_retry(attempt_no), Kind::retry, false, false, 0, sim::kNoKey});
      break;
    case sim::Client::Throttle::throttled:
      rec_->throttled(t_s, arrival_s);
      break;
    case sim::Client::Throttle::queued:
      break;
  }
}

uint32_t LambdaModel::hold_retry(uint32_t attempt_no) {
  HeldRetry held{attempt_no, tokens_ ? *tokens_ : sim::RequestTokens{}, offered_key()};
  if (free_retries_.empty()) {
    retries_.push_back(std::move(held));
    return static_cast<uint32_t>(retries_.size() - 1);
  }
  const uint32_t i = free_retries_.back();
  free_retries_.pop_back();
  retries_[i] = std::move(held);
  return i;
}

void LambdaModel::begin_service(double t_s, double now_s, double arrival_s, uint32_t attempt_no,
                                double init_s, double service_s, bool provisioned, Runner runner,
                                double init_phase_s) {
  double phase_s = init_phase_s < 0 ? init_s : init_phase_s;
  if (phase_s > p_.init_limit_s) {  // the failed init is repeated inside the invoke
    init_s += p_.init_limit_s;
    phase_s += p_.init_limit_s;
  }
  const bool timed_out = service_s > p_.timeout_s;
  const double run_s = timed_out ? p_.timeout_s : service_s;
  const double end_s = t_s + init_s + run_s;
  if (crashes_->enabled()) {
    const double crash_s = crashes_->crash_time(now_s, rng_->exponential(1.0));
    if (crash_s < end_s) {
      // The environment dies mid-invoke: billed up to the crash (init included when init is billed).
      const double used_s = crash_s - t_s;
      const double billed_s = p_.bill_init ? used_s : std::max(0.0, used_s - phase_s);
      push(Event{crash_s, arrival_s, billed_s, attempt_no, Kind::crash, provisioned, false,
                 runner.environment, runner.key});
      return;
    }
  }
  // The Init phase is billed when bill_init; a wait for the model inside the invocation always is.
  const double billed_s = (p_.bill_init ? init_s : init_s - phase_s) + run_s;
  push(Event{end_s, arrival_s, billed_s, attempt_no, Kind::complete, provisioned, timed_out,
             runner.environment, runner.key});
}

void LambdaModel::on_transfer_done(uint64_t tag, double t_s) {
  const ColdStart c = cold_[tag];
  free_slots_.push_back(static_cast<uint32_t>(tag));
  --pending_cold_;
  parts_.add(0, c.init_s, t_s - c.began_s - c.init_s, p_.path.fetch_is_pull, c.load_s,
             p_.path.fetch_bytes / 1e6);
  // The init ran from the cold start's beginning: runtime init, then the download just finished, then the
  // load; with an extension the download began with the runtime's init, which it may outlast.
  if (p_.model_load_in_extension) {
    begin_service(c.began_s, t_s, c.arrival_s, c.attempt, std::max(c.init_s, t_s - c.began_s + c.load_s),
                  c.service_s, false, Runner{c.environment, c.key}, c.init_s);
    return;
  }
  begin_service(c.began_s, t_s, c.arrival_s, c.attempt, t_s - c.began_s + c.load_s, c.service_s, false,
                Runner{c.environment, c.key});
}

void LambdaModel::complete(const Event& e) {
  const double t = e.t_s;
  bill(e);
  if (observer_) {
    // The environment is free again before the observer hears of it (it may send the next batch at once).
    release_environment(e, t);
    observer_->invocation_ended(
        e.slot, t, e.timed_out ? InvocationObserver::End::function_error : InvocationObserver::End::ok);
    return;
  }
  // The caller waits at most its own timeout, and no longer than API Gateway's when one fronts the function.
  const double client_limit_s =
      p_.api_gateway ? std::min(slo_.timeout_s, p_.api_gateway_timeout_s) : slo_.timeout_s;
  // A composite hears which environment answered (a state store's instance cache): Lambda routes no session
  // to an environment, but a warm environment that serves a session again still holds what it kept in memory.
  if (served_by_) *served_by_ = sim::ServedBy{e.key, e.environment};
  // The handler returned an error (asynchronous invocations only, checked when the model is made).
  const bool failed = e.timed_out || (p_.function_error_probability > 0 &&
                                      error_rng_.uniform() < p_.function_error_probability);
  client_->completed(*rec_, t, e.arrival_s, e.slot,
                     failed ? sim::Client::Ended::function_error : sim::Client::Ended::finished,
                     client_limit_s);
  if (served_by_) *served_by_ = sim::ServedBy{};
  release_environment(e, t);
}

inline void LambdaModel::release_environment(const Event& e, double t_s) {
  --busy_;
  if (e.provisioned)
    return_provisioned(e.environment);
  else
    idle_since_.push_back(Idle{t_s, e.environment});
  report_instances(t_s);
}

void LambdaModel::bill(const Event& e) {
  const double billed_s = std::ceil(e.billed_s / p_.billing_granularity_s - 1e-9) * p_.billing_granularity_s;
  rec_->add_cost(cost_requests_, p_.price_usd_per_request);
  if (e.provisioned)
    rec_->add_cost(cost_pc_exec_, billed_s * memory_gb_ * p_.pc_exec_price_usd_per_gb_s);
  else
    rec_->add_cost(cost_compute_, billed_s * memory_gb_ * p_.price_usd_per_gb_s);
  // /tmp above the free 512 MB, for the same billed duration (aws.amazon.com/lambda/pricing).
  if (cost_ephemeral_ >= 0)
    rec_->add_cost(cost_ephemeral_,
                   billed_s * (p_.ephemeral_storage_mb - 512) / 1024.0 * p_.ephemeral_price_usd_per_gb_s);
}

void LambdaModel::crash(const Event& e) {
  const double t = e.t_s;
  bill(e);
  --busy_;
  // Lambda replaces it with a new environment (its re-init is not modelled).
  if (e.provisioned) return_provisioned(new_environment());
  report_instances(t);
  const int fault = crashes_->fault_at(t);
  client_->lost_in_flight(fault);
  client_->instance_lost(fault);
  if (observer_)
    observer_->invocation_ended(e.slot, t, InvocationObserver::End::function_error);
  else
    client_->failed(t, e.arrival_s, e.slot, true, fault);
}

void LambdaModel::handle_next_event() {
  const double reclaim_s = idle_since_.empty() ? kNever : idle_since_.front().since_s + p_.keep_alive_s;
  const double pc_change_s = pc_next_change_s_;
  if (pc_change_s < kNever && pc_change_s <= reclaim_s &&
      (events_.empty() || pc_change_s <= events_.front().t_s)) {
    apply_pc_change();
    return;
  }
  if (events_.empty() || reclaim_s < events_.front().t_s) {
    idle_since_.pop_front();
    report_instances(reclaim_s);
    return;
  }
  std::pop_heap(events_.begin(), events_.end(), Later{});
  const uint32_t index = events_.back().index;
  events_.pop_back();
  const Event e = event_slab_[index];
  free_events_.push_back(index);
  switch (e.kind) {
    case Kind::complete:
      complete(e);
      break;
    case Kind::retry: {
      const HeldRetry held = std::move(retries_[e.slot]);
      free_retries_.push_back(e.slot);
      const sim::RequestTokens* offered = tokens_;
      const uint64_t* offered_key = request_key_;
      tokens_ = &held.tokens;  // the retried request's own tokens and key while it is attempted again
      request_key_ = &held.key;
      attempt(e.t_s, e.arrival_s, held.attempt);
      tokens_ = offered;
      request_key_ = offered_key;
      break;
    }
    case Kind::crash:
      crash(e);
      break;
    case Kind::download:
      transfers_->start(e.t_s, p_.path.fetch_bytes, store_route_, e.slot);
      break;
  }
}

void LambdaModel::finish(double t_end_s) {
  bill_provisioned(t_end_s);
}

}  // namespace servesim::platforms
