#include "bare_kubernetes_loop.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <queue>
#include <vector>

#include "bare_latency_histogram.hpp"
#include "bare_node_pool.hpp"
#include "bare_trace_arrivals.hpp"
#include "sim/rng.hpp"

namespace servesim::bench {

namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();

struct Waiting {
  double arrival_s, enqueue_s;
};

struct Pod {
  enum class State : uint8_t { pending, reserved, starting, ready, terminating, gone };
  State state = State::gone;
  int32_t node = -1;
  uint32_t life = 0, deadline = 0, ready_index = 0, in_batch = 0;
  double created_s = 0, ready_since_s = 0;
  uint64_t routed = 0;        // requests routed to it since the last HPA sync
  std::deque<Waiting> queue;  // the first in_batch are on the GPU
};

enum class Kind : uint8_t { pod_ready, pod_gone, batch_done, batch_deadline, node_launch, node_pull };
struct Event {
  double t_s;
  uint32_t id, serial;
  Kind kind;
};
struct Later {
  bool operator()(const Event& a, const Event& b) const { return a.t_s > b.t_s; }
};

double lognormal_mu(double mean_s, double sigma) {
  return std::log(mean_s) - sigma * sigma / 2.0;
}
double lognormal_sigma(double mean_s, double p99_s) {
  const double z = 2.3263478740408408;
  return z - std::sqrt(z * z - 2.0 * std::log(p99_s / mean_s));
}

class Loop {
 public:
  explicit Loop(const BareKubernetesConfig& c)
      : c_(c),
        rng_(sim::Rng::derive(c.seed, 1)),
        hpa_(c.hpa),
        pool_(BareNodePoolConfig{c.gpus_per_node, c.max_nodes, c.unneeded_s, c.delay_after_add_s,
                                 c.image_bytes, c.registry_per_connection_bytes_per_s,
                                 c.registry_shared_bytes_per_s}) {
    init_sigma_ = lognormal_sigma(c.init_mean_s, c.init_p99_s);
    init_mu_ = lognormal_mu(c.init_mean_s, init_sigma_);
    load_sigma_ = lognormal_sigma(c.load_mean_s, c.load_p99_s);
    load_mu_ = lognormal_mu(c.load_mean_s, load_sigma_);
    batch_s_.assign(c.max_batch_size + 1, 0.0);
    for (uint32_t b = 1; b <= c.max_batch_size; ++b) {
      const double compute_s = c.gflops_per_request * 1e9 * b / (c.peak_flops_per_s * c.efficiency);
      const double memory_s = (c.weight_bytes + b * c.activation_bytes_per_request) / c.memory_bytes_per_s;
      batch_s_[b] = c.launch_overhead_s + std::max(compute_s, memory_s);
    }
  }

  BareKubernetesResult run() {
    const uint32_t initial_nodes = (c_.min_replicas + c_.gpus_per_node - 1) / c_.gpus_per_node;
    for (uint32_t k = 0; k < initial_nodes; ++k) {
      const uint32_t n = pool_.decide();
      pool_.launch(n, 0);
      pool_.set_ready(n);
    }
    for (uint32_t k = 0; k < c_.min_replicas; ++k) create_pod(0, true);
    double next_hpa_s = c_.hpa_sync_period_s, next_ca_s = c_.scan_interval_s;

    BareTraceArrivals arrivals(c_.trace_path, c_.seed, c_.duration_s);
    double t_arrival = 0;
    bool more = arrivals.next(t_arrival);
    for (;;) {
      if (!more && in_system_ == 0 && !pool_.has_pulls()) break;
      const double t_event = events_.empty() ? kNever : events_.top().t_s;
      const double t_ingress = ingress_.empty() ? kNever : ingress_.front().arrival_s + c_.client_timeout_s;
      const double t_tick = std::min(next_ca_s, next_hpa_s);
      const double t_model = std::min({t_event, t_ingress, t_tick});
      const double t_next = std::min(more ? t_arrival : kNever, t_model);
      // A pull that ends by then comes first; then internal events, then an arrival at the same time.
      const double t_pull = pool_.has_pulls() ? pool_.next_pull_s() : kNever;
      if (t_pull <= t_next && t_pull < kNever) {
        pool_.advance(t_pull, pulled_);
        if (!pulled_.empty()) now_s_ = t_pull;
        for (const uint32_t node : pulled_) node_ready(node, t_pull);
        continue;
      }
      if (t_next == kNever) break;
      now_s_ = t_next;
      if (more && t_arrival < t_model) {
        arrive(t_arrival);
        more = arrivals.next(t_arrival);
      } else if (t_event <= std::min(t_ingress, t_tick)) {
        const Event e = events_.top();
        events_.pop();
        handle(e);
      } else if (t_ingress <= t_tick) {
        expire_ingress(t_ingress);
      } else if (next_ca_s == t_tick) {
        ca_scan(t_tick);
        next_ca_s += c_.scan_interval_s;
      } else {
        hpa_sync(t_tick);
        next_hpa_s += c_.hpa_sync_period_s;
      }
    }
    r_.end_s = std::max(now_s_, c_.duration_s);
    r_.nodes_launched = pool_.launched();
    r_.cost_usd = pool_.node_seconds(r_.end_s) * c_.price_usd_per_h / 3600.0;
    r_.p99_s = latency_.quantile_s(0.99);
    return r_;
  }

 private:
  // ---- requests and batching ----

  void arrive(double t_s) {
    ++r_.requests;
    ++in_system_;
    if (ready_.empty()) {
      ingress_.push_back(Waiting{t_s, t_s});
      return;
    }
    route(t_s, Waiting{t_s, t_s});
  }

  void route(double t_s, const Waiting& w) {
    const uint32_t id = ready_[rr_++ % ready_.size()];
    Pod& pod = pods_[id];
    ++pod.routed;
    pod.queue.push_back(Waiting{w.arrival_s, t_s});
    if (pod.in_batch == 0) try_dispatch(id, t_s);
  }

  void try_dispatch(uint32_t id, double t_s) {
    Pod& pod = pods_[id];
    if (pod.in_batch > 0) return;
    while (!pod.queue.empty() && t_s - pod.queue.front().arrival_s > c_.client_timeout_s) {
      pod.queue.pop_front();
      ++r_.timed_out;
      --in_system_;
    }
    if (pod.queue.empty()) return;
    const double due_s = pod.queue.front().enqueue_s + c_.max_queue_delay_s;
    if (pod.queue.size() >= c_.max_batch_size || t_s >= due_s) {
      pod.in_batch = static_cast<uint32_t>(std::min<size_t>(pod.queue.size(), c_.max_batch_size));
      pod.deadline = 0;
      events_.push(Event{t_s + batch_s_[pod.in_batch], id, pod.life, Kind::batch_done});
      return;
    }
    if (pod.deadline != 0) return;  // already armed for the same oldest request
    pod.deadline = ++serial_;
    events_.push(Event{due_s, id, pod.deadline, Kind::batch_deadline});
  }

  void batch_done(uint32_t id, double t_s) {
    Pod& pod = pods_[id];
    for (uint32_t k = 0; k < pod.in_batch; ++k) {
      const double latency_s = t_s - pod.queue.front().arrival_s;
      pod.queue.pop_front();
      if (latency_s > c_.client_timeout_s) {
        ++r_.timed_out;
      } else {
        ++r_.served;
        latency_.add(latency_s);
      }
    }
    in_system_ -= pod.in_batch;
    pod.in_batch = 0;
    try_dispatch(id, t_s);
  }

  void expire_ingress(double t_s) {
    while (!ingress_.empty() && ingress_.front().arrival_s + c_.client_timeout_s <= t_s) {
      ingress_.pop_front();
      ++r_.timed_out;
      --in_system_;
    }
  }

  void handle(const Event& e) {
    Pod* pod = e.id < pods_.size() ? &pods_[e.id] : nullptr;
    switch (e.kind) {
      case Kind::pod_ready:
        if (pod->life == e.serial && pod->state == Pod::State::starting) pod_ready(e.id, e.t_s);
        break;
      case Kind::pod_gone:
        if (pod->life == e.serial && pod->state == Pod::State::terminating) pod_gone(e.id, e.t_s);
        break;
      case Kind::batch_done:
        if (pod->life == e.serial && pod->in_batch > 0) batch_done(e.id, e.t_s);
        break;
      case Kind::batch_deadline:
        if (pod->deadline == e.serial) {
          pod->deadline = 0;
          try_dispatch(e.id, e.t_s);
        }
        break;
      case Kind::node_launch:
        pool_.launch(e.id, e.t_s);
        events_.push(Event{e.t_s + c_.boot_s + c_.driver_s, e.id, 0, Kind::node_pull});
        break;
      case Kind::node_pull:
        pool_.start_pull(e.id, e.t_s);
        break;
    }
  }

  // ---- pods ----

  uint32_t create_pod(double t_s, bool ready_now) {
    uint32_t id;
    if (!free_pods_.empty()) {
      id = free_pods_.back();
      free_pods_.pop_back();
    } else {
      id = static_cast<uint32_t>(pods_.size());
      pods_.emplace_back();
    }
    Pod& pod = pods_[id];
    pod.state = Pod::State::pending;
    pod.life = ++serial_;
    pod.deadline = 0;
    pod.in_batch = 0;
    pod.created_s = t_s;
    pod.queue.clear();
    ++replicas_;
    pod.node = pool_.bind(false);
    if (pod.node < 0) {
      unplaced_.push_back(id);
    } else if (pool_.is_ready(static_cast<uint32_t>(pod.node))) {
      start_pod(id, t_s);
      if (ready_now) pod_ready(id, t_s);
    } else {
      pod.state = Pod::State::reserved;
    }
    return id;
  }

  void start_pod(uint32_t id, double t_s) {
    pods_[id].state = Pod::State::starting;
    ++starting_;
    ++r_.pods_started;
    r_.peak_pods = std::max(r_.peak_pods, starting_ + held_);
    const double init_s = std::exp(init_mu_ + init_sigma_ * rng_.normal());
    const double load_s = std::exp(load_mu_ + load_sigma_ * rng_.normal());
    events_.push(Event{t_s + (init_s + load_s), id, pods_[id].life, Kind::pod_ready});
  }

  void pod_ready(uint32_t id, double t_s) {
    Pod& pod = pods_[id];
    pod.state = Pod::State::ready;
    pod.ready_since_s = t_s;
    pod.routed = 0;
    pod.ready_index = static_cast<uint32_t>(ready_.size());
    ready_.push_back(id);
    --starting_;
    ++held_;
    // Requests that waited at the ingress for a ready pod: cold starts.
    while (!ingress_.empty()) {
      const Waiting w = ingress_.front();
      ingress_.pop_front();
      if (t_s - w.arrival_s > c_.client_timeout_s) {
        ++r_.timed_out;
        --in_system_;
        continue;
      }
      ++r_.cold_starts;
      route(t_s, w);
    }
  }

  void remove_pod(uint32_t id, double t_s) {
    Pod& pod = pods_[id];
    --replicas_;
    switch (pod.state) {
      case Pod::State::pending:
        std::erase(unplaced_, id);
        pod.state = Pod::State::gone;
        free_pods_.push_back(id);
        return;
      case Pod::State::reserved:
        pool_.release(static_cast<uint32_t>(pod.node));
        pod.state = Pod::State::gone;
        free_pods_.push_back(id);
        return;
      case Pod::State::starting:
        --starting_;
        ++held_;
        break;
      case Pod::State::ready: {
        const uint32_t last = ready_.back();
        ready_[pod.ready_index] = last;
        pods_[last].ready_index = pod.ready_index;
        ready_.pop_back();
        break;
      }
      default:
        return;
    }
    pod.state = Pod::State::terminating;  // drains what it has, holding its GPU
    events_.push(Event{t_s + c_.termination_grace_period_s, id, pod.life, Kind::pod_gone});
  }

  void pod_gone(uint32_t id, double t_s) {
    Pod& pod = pods_[id];
    r_.dropped += pod.queue.size();
    in_system_ -= pod.queue.size();
    pod.queue.clear();
    pod.in_batch = 0;
    --held_;
    pool_.release(static_cast<uint32_t>(pod.node));
    pod.state = Pod::State::gone;
    ++pod.life;
    free_pods_.push_back(id);
    place_pending(t_s);
  }

  void scale_to(uint32_t desired, double t_s) {
    while (replicas_ < desired) create_pod(t_s, false);
    // ReplicaSet deletion order: unscheduled, then not ready, then ready; the youngest first.
    auto rank = [](Pod::State s) { return s <= Pod::State::ready ? static_cast<int>(s) : 9; };
    auto age = [](const Pod& p) { return p.state == Pod::State::ready ? p.ready_since_s : p.created_s; };
    while (replicas_ > desired) {
      int64_t victim = -1;
      for (uint32_t i = 0; i < pods_.size(); ++i) {
        const Pod& p = pods_[i];
        if (rank(p.state) == 9) continue;
        if (victim < 0) {
          victim = i;
          continue;
        }
        const Pod& v = pods_[static_cast<uint32_t>(victim)];
        if (rank(p.state) < rank(v.state) || (rank(p.state) == rank(v.state) && age(p) > age(v))) victim = i;
      }
      remove_pod(static_cast<uint32_t>(victim), t_s);
    }
  }

  void place_pending(double t_s) {
    while (!unplaced_.empty()) {
      const int32_t node = pool_.bind(true);
      if (node < 0) return;
      const uint32_t id = unplaced_.front();
      unplaced_.erase(unplaced_.begin());
      pods_[id].node = node;
      start_pod(id, t_s);
    }
  }

  void hpa_sync(double t_s) {
    double sum = 0;
    uint32_t ready = 0;
    for (const uint32_t id : ready_) {
      Pod& pod = pods_[id];
      const double window_s = t_s - std::max(window_start_s_, pod.ready_since_s);
      if (window_s > 0) {
        sum += static_cast<double>(pod.routed) / window_s;
        ++ready;
      }
      pod.routed = 0;
    }
    window_start_s_ = t_s;
    scale_to(hpa_.sync(t_s, replicas_, sum, ready, replicas_ - ready, c_.hpa_target_requests_per_pod_per_s,
                       c_.min_replicas, c_.max_replicas),
             t_s);
  }

  // ---- nodes ----

  void node_ready(uint32_t node, double t_s) {
    pool_.set_ready(node);
    for (uint32_t id = 0; id < pods_.size(); ++id)
      if (pods_[id].state == Pod::State::reserved && pods_[id].node == static_cast<int32_t>(node))
        start_pod(id, t_s);
    place_pending(t_s);
  }

  void ca_scan(double t_s) {
    const uint32_t add = pool_.scan(t_s, static_cast<uint32_t>(unplaced_.size()));
    for (uint32_t k = 0; k < add; ++k)
      events_.push(Event{t_s + c_.scale_up_latency_s, pool_.decide(), 0, Kind::node_launch});
    // The pending pods wait for the nodes being provisioned.
    while (!unplaced_.empty()) {
      const int32_t node = pool_.bind(false);
      if (node < 0) return;
      const uint32_t id = unplaced_.front();
      unplaced_.erase(unplaced_.begin());
      pods_[id].node = node;
      pods_[id].state = Pod::State::reserved;
    }
  }

  const BareKubernetesConfig& c_;
  sim::Rng rng_;
  BareHpa hpa_;
  double init_mu_ = 0, init_sigma_ = 0, load_mu_ = 0, load_sigma_ = 0;
  std::vector<double> batch_s_;
  BareKubernetesResult r_;
  BareLatencyHistogram latency_;

  std::priority_queue<Event, std::vector<Event>, Later> events_;
  std::vector<Pod> pods_;
  std::vector<uint32_t> free_pods_, ready_, unplaced_;
  std::deque<Waiting> ingress_;
  uint64_t rr_ = 0, in_system_ = 0;
  uint32_t serial_ = 0, replicas_ = 0, starting_ = 0, held_ = 0;
  double now_s_ = 0, window_start_s_ = 0;

  BareNodePool pool_;
  std::vector<uint32_t> pulled_;  // nodes whose image pull just ended
};

}  // namespace

BareKubernetesResult run_bare_kubernetes(const BareKubernetesConfig& config) {
  Loop loop(config);
  return loop.run();
}

}  // namespace servesim::bench
