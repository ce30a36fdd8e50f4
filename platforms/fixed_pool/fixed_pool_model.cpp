#include "platforms/fixed_pool/fixed_pool_model.hpp"

#include <algorithm>

#include "sim/service_time.hpp"

namespace servesim::platforms {

FixedPoolParams FixedPoolParams::from(const Settings& s) {
  return FixedPoolParams{
      .servers = static_cast<uint32_t>(s.number("servers")),
      .vcpu_per_server = s.number("vcpu_per_server"),
      .queue_capacity = static_cast<uint64_t>(s.number("queue_capacity")),
      .price_usd_per_server_hour = s.number("price_usd_per_server_hour"),
      .restart_s = s.number("restart_s"),
  };
}

FixedPoolModel::FixedPoolModel(const FixedPoolParams& params, const sim::Scenario& scenario)
    : p_(params), service_(scenario.service), slo_(scenario.slo) {
  speed_factor_ = sim::cpu_speedup(service_.reference_vcpu, service_.parallel_fraction) /
                  sim::cpu_speedup(p_.vcpu_per_server, service_.parallel_fraction);
}

void FixedPoolModel::start(sim::ModelContext& ctx) {
  rec_ = &ctx.recorder;
  client_ = &ctx.client;
  rng_ = &ctx.rng;
  tokens_ = ctx.request_tokens;
  crashes_ = &ctx.crashes;
  cost_servers_ = rec_->cost_category("servers_usd");
  servers_.assign(p_.servers, Server{});
  up_ = p_.servers;
  idle_.resize(p_.servers);
  for (uint32_t i = 0; i < p_.servers; ++i) idle_[i] = p_.servers - 1 - i;  // server 0 is taken first
  for (uint32_t i = 0; i < p_.servers; ++i) schedule_crash(0, i);
  rec_->instances(0, 0, p_.servers);
}

void FixedPoolModel::push(const Event& e) {
  events_.push_back(e);
  std::push_heap(events_.begin(), events_.end(), Later{});
}

void FixedPoolModel::schedule_crash(double t_s, uint32_t server) {
  // A server that is up dies at the crash rate: an Exp(1) draw against the cumulative hazard (memoryless).
  if (!crashes_->enabled()) return;
  const double crash_s = crashes_->crash_time(t_s, rng_->exponential(1.0));
  if (crash_s < kNever) push(Event{crash_s, server, servers_[server].life, Kind::crash});
}

void FixedPoolModel::serve(double t_s, uint32_t server, const Waiting& w) {
  ++busy_;
  Server& s = servers_[server];
  s.busy = true;
  s.running = w;
  push(Event{t_s + sim::warm_service_s(service_, *rng_, &w.tokens) * speed_factor_, server, s.life,
             Kind::complete});
}

void FixedPoolModel::on_arrival(double t_s, double origin_s, uint32_t attempt) {
  const Waiting w{origin_s, attempt, tokens_ ? *tokens_ : sim::RequestTokens{}};
  if (!idle_.empty()) {
    const uint32_t server = idle_.back();
    idle_.pop_back();
    serve(t_s, server, w);
    report(t_s);
  } else if (queue_.size() < p_.queue_capacity) {
    queue_.push_back(w);
    rec_->queued(t_s);
  } else if (client_->is_async()) {
    // The full queue refuses the event (HTTP 503): its event queue retries it with backoff (docs/events.md).
    double unused_retry_at_s = 0;
    client_->throttled(t_s, origin_s, attempt, unused_retry_at_s, w.tokens);
  } else {
    rec_->dropped(t_s, origin_s);
  }
}

void FixedPoolModel::take_waiting(double t_s, uint32_t server) {
  while (!queue_.empty()) {
    const Waiting w = queue_.front();
    queue_.pop_front();
    if (t_s - w.arrival_s > client_->wait_limit_s(slo_.timeout_s)) {
      rec_->timed_out(t_s, w.arrival_s);
      continue;
    }
    serve(t_s, server, w);
    return;
  }
  idle_.push_back(server);
}

void FixedPoolModel::crash(double t_s, uint32_t server) {
  // The server's process dies: the request it runs fails (it had started: the client's retry policy for an
  // error while running applies), and it restarts in place after restart_s and a new cold start (runtime
  // init and model load, as on the platforms that restart an instance). The queue waits for the others.
  Server& s = servers_[server];
  const int fault = crashes_->fault_at(t_s);
  client_->instance_lost(fault);
  ++s.life;  // its completion, if any, is stale now
  s.up = false;
  --up_;
  if (s.busy) {
    s.busy = false;
    --busy_;
    client_->lost_in_flight(fault);
    client_->failed(t_s, s.running.arrival_s, s.running.attempt, true, fault, sim::kNoKey, s.running.tokens);
    s.running = Waiting{};
  } else {
    std::erase(idle_, server);
  }
  const double down_s = p_.restart_s + service_.runtime_init_s.sample(*rng_) +
                        service_.model_load_s.sample(*rng_) * speed_factor_;
  push(Event{t_s + down_s, server, s.life, Kind::restart});
  report(t_s);
}

void FixedPoolModel::handle_next_event() {
  std::pop_heap(events_.begin(), events_.end(), Later{});
  const Event e = events_.back();
  events_.pop_back();
  Server& s = servers_[e.server];
  if (e.life != s.life) return;  // scheduled before a crash of its server
  switch (e.kind) {
    case Kind::complete: {
      const Waiting done = s.running;
      s.busy = false;
      --busy_;
      client_->completed(*rec_, e.t_s, done.arrival_s, done.attempt, sim::Client::Ended::finished,
                         slo_.timeout_s);
      take_waiting(e.t_s, e.server);
      break;
    }
    case Kind::crash:
      crash(e.t_s, e.server);
      return;
    case Kind::restart:
      s.up = true;
      ++up_;
      schedule_crash(e.t_s, e.server);
      take_waiting(e.t_s, e.server);
      break;
  }
  report(e.t_s);
}

void FixedPoolModel::finish(double t_end_s) {
  rec_->add_cost(cost_servers_, p_.servers * p_.price_usd_per_server_hour * t_end_s / 3600.0);
}

}  // namespace servesim::platforms
