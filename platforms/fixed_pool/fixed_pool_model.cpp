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
  cost_servers_ = rec_->cost_category("servers_usd");
  rec_->instances(0, 0, p_.servers);
}

void FixedPoolModel::serve(double t_s, double arrival_s, const sim::RequestTokens& tokens) {
  ++busy_;
  done_.push_back(Completion{t_s + sim::warm_service_s(service_, *rng_, &tokens) * speed_factor_, arrival_s});
  std::push_heap(done_.begin(), done_.end(), Later{});
}

void FixedPoolModel::on_arrival(double t_s, double origin_s, uint32_t attempt) {
  const sim::RequestTokens tokens = tokens_ ? *tokens_ : sim::RequestTokens{};
  if (busy_ < p_.servers) {
    serve(t_s, origin_s, tokens);
    rec_->instances(t_s, busy_, p_.servers - busy_);
  } else if (queue_.size() < p_.queue_capacity) {
    queue_.push_back(Waiting{origin_s, tokens});
    rec_->queued(t_s);
  } else if (client_->is_async()) {
    // The full queue refuses the event (HTTP 503): its event queue retries it with backoff (docs/events.md).
    double unused_retry_at_s = 0;
    client_->throttled(t_s, origin_s, attempt, unused_retry_at_s, tokens);
  } else {
    rec_->dropped(t_s, origin_s);
  }
}

void FixedPoolModel::handle_next_event() {
  std::pop_heap(done_.begin(), done_.end(), Later{});
  const Completion c = done_.back();
  done_.pop_back();
  --busy_;
  client_->completed(*rec_, c.t_s, c.arrival_s, 0, sim::Client::Ended::finished, slo_.timeout_s);
  // The freed server takes the oldest waiting request that the client has not given up on.
  while (!queue_.empty()) {
    const Waiting w = queue_.front();
    queue_.pop_front();
    if (c.t_s - w.arrival_s > client_->wait_limit_s(slo_.timeout_s)) {
      rec_->timed_out(c.t_s, w.arrival_s);
      continue;
    }
    serve(c.t_s, w.arrival_s, w.tokens);
    break;
  }
  rec_->instances(c.t_s, busy_, p_.servers - busy_);
}

void FixedPoolModel::finish(double t_end_s) {
  rec_->add_cost(cost_servers_, p_.servers * p_.price_usd_per_server_hour * t_end_s / 3600.0);
}

}  // namespace servesim::platforms
