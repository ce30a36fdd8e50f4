#include "bare_cloud_run_loop.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <queue>
#include <vector>

#include "bare_latency_histogram.hpp"
#include "bare_trace_arrivals.hpp"
#include "sim/rng.hpp"

namespace servesim::bench {

namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();
constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

// Amdahl: speed on `vcpu` vCPUs relative to one (below one vCPU, proportional), as sim::cpu_speedup.
double speedup(double vcpu, double parallel_fraction) {
  return vcpu <= 1.0 ? vcpu : 1.0 / ((1.0 - parallel_fraction) + parallel_fraction / vcpu);
}

struct Job {
  double finish_v;   // virtual time at which it has had all its work
  double arrival_s;  // latency is measured from here
};
struct LaterFinish {
  bool operator()(const Job& a, const Job& b) const { return a.finish_v > b.finish_v; }
};

struct Instance {
  enum class State : uint8_t { free, starting, ready };
  State state = State::free;
  bool standby = false;      // above the autoscaler's count: gets requests only when no active one has room
  uint32_t bound = 0;        // requests on it: waiting for its startup or in service
  uint32_t version = 0;      // bumped whenever its next completion changes (older heap entries are stale)
  uint32_t ready_pos = 0;    // index in Loop::ready_
  uint64_t touched = 0;      // when its load or tier last changed: the most recent wins ties
  double v = 0, v_at_s = 0;  // processor sharing: virtual time v at v_at_s, dv/dt = rate[bound]
  double idle_since_s = 0, started_s = 0;
  std::vector<Job> jobs;        // min-heap on finish_v
  std::vector<double> waiting;  // arrival times of the requests waiting for its startup
};

struct Completion {
  double t_s;
  uint32_t instance, version;
};
struct Startup {
  double t_s;
  uint32_t instance;
};
struct Later {
  template <class T>
  bool operator()(const T& a, const T& b) const {
    return a.t_s > b.t_s;
  }
};

struct Snapshot {
  double t_s, conc_integral, cpu_integral;
};

class Loop {
 public:
  explicit Loop(const BareCloudRunConfig& c) : c_(c), rng_(sim::Rng::derive(c.seed, 1)) {
    const double z = 2.3263478740408408;  // lognormal from mean and p99, as sim::Distribution
    sigma_ = z - std::sqrt(z * z - 2.0 * std::log(c.service_p99_s / c.service_mean_s));
    mu_ = std::log(c.service_mean_s) - sigma_ * sigma_ / 2.0;
    const double alone = speedup(c.vcpu, c.parallel_fraction);
    work_factor_ = speedup(c.reference_vcpu, c.parallel_fraction) / alone;
    rate_.assign(c.concurrency + 1, 0.0);
    cpu_used_.assign(c.concurrency + 1, 0.0);
    for (uint32_t n = 1; n <= c.concurrency; ++n) {
      rate_[n] = speedup(c.vcpu / n, c.parallel_fraction) / alone;
      cpu_used_[n] = std::min(c.vcpu, n * std::max(1.0, alone));
    }
    const auto slots = static_cast<size_t>(std::ceil(c.autoscale_window_s / c.autoscale_tick_s - 1e-9));
    window_.assign(std::max<size_t>(slots, 1), Snapshot{0, 0, 0});
  }

  BareCloudRunResult run() {
    BareTraceArrivals arrivals(c_.trace_path, c_.seed, c_.duration_s);
    double t_arrival = 0;
    bool more = arrivals.next(t_arrival);
    double next_tick_s = c_.autoscale_tick_s;
    for (;;) {
      if (!more && in_flight_ == 0) break;
      // Internal events come before an arrival at the same time; among themselves completions first, then
      // startups and ticks, then removals (as ServeSim orders them).
      const double t_done = next_completion_s();
      const double t_ready = startups_.empty() ? kNever : startups_.top().t_s;
      const double t_reclaim = next_reclaim_s();
      const double t_event = std::min({t_done, t_ready, next_tick_s, t_reclaim});
      if (more && t_arrival < t_event) {
        now_s_ = t_arrival;
        integrate(now_s_);
        ++r_.requests;
        ++in_flight_;
        place(now_s_, now_s_);
        more = arrivals.next(t_arrival);
        continue;
      }
      if (t_event == kNever) break;
      now_s_ = t_event;
      integrate(now_s_);
      if (t_done == t_event) {
        const uint32_t i = done_.top().instance;
        done_.pop();
        complete(now_s_, i);
      } else if (t_ready == t_event) {
        const uint32_t i = startups_.top().instance;
        startups_.pop();
        become_ready(now_s_, i);
      } else if (next_tick_s == t_event) {
        autoscale(now_s_);
        next_tick_s += c_.autoscale_tick_s;
      } else {
        reclaim(now_s_);
      }
    }
    r_.end_s = std::max(now_s_, c_.duration_s);
    for (const Instance& x : inst_)
      if (x.state != Instance::State::free) instance_s_ += r_.end_s - x.started_s;
    r_.cost_usd = instance_s_ * c_.vcpu * c_.price_usd_per_vcpu_s +
                  instance_s_ * c_.memory_gib * c_.price_usd_per_gib_s;
    r_.p99_s = latency_.quantile_s(0.99);
    if (overflow_ > 0)
      std::fprintf(stderr, "bare cloud run: %llu requests found max_instances reached (queue not modelled)\n",
                   static_cast<unsigned long long>(overflow_));
    return r_;
  }

 private:
  // ---- requests ----

  void place(double t_s, double arrival_s) {
    // The least loaded active instance with room (most recently used on ties), else a standby one.
    uint32_t active = kNone, standby = kNone;
    for (const uint32_t i : ready_) {
      const Instance& x = inst_[i];
      if (x.bound >= c_.concurrency) continue;
      uint32_t& best = x.standby ? standby : active;
      if (best == kNone || better(x, inst_[best])) best = i;
    }
    if (active == kNone && standby != kNone) {
      set_tier(standby, false);
      active = standby;
    }
    if (active != kNone) {
      advance(active, t_s);
      start_service(active, arrival_s);
      change_bound(t_s, active, +1);
      update_completion(active);
      return;
    }
    // Else the most recently started instance with room, else a new one.
    uint32_t i = kNone;
    while (!starting_open_.empty()) {
      const uint32_t s = starting_open_.back();
      if (inst_[s].state == Instance::State::starting && inst_[s].bound < c_.concurrency) {
        i = s;
        break;
      }
      starting_open_.pop_back();
    }
    if (i == kNone && total_ < c_.max_instances) i = start_instance(t_s);
    if (i == kNone) {
      ++overflow_;
      --in_flight_;
      return;
    }
    inst_[i].waiting.push_back(arrival_s);
    change_bound(t_s, i, +1);
    ++r_.cold_starts;
  }

  void start_service(uint32_t i, double arrival_s) {
    Instance& x = inst_[i];
    const double work_s = std::exp(mu_ + sigma_ * rng_.normal()) * work_factor_;
    x.jobs.push_back(Job{x.v + work_s, arrival_s});
    std::push_heap(x.jobs.begin(), x.jobs.end(), LaterFinish{});
  }

  void complete(double t_s, uint32_t i) {
    advance(i, t_s);
    Instance& x = inst_[i];
    std::pop_heap(x.jobs.begin(), x.jobs.end(), LaterFinish{});
    const Job job = x.jobs.back();
    x.jobs.pop_back();
    x.v = std::max(x.v, job.finish_v);
    const double latency_s = t_s - job.arrival_s;
    if (latency_s > c_.client_timeout_s) {
      ++r_.timed_out;
    } else {
      ++r_.served;
      latency_.add(latency_s);
    }
    --in_flight_;
    change_bound(t_s, i, -1);
    if (x.bound == 0) {
      x.jobs.clear();
      x.v = 0;
    }
    update_completion(i);
  }

  // ---- processor sharing ----

  void advance(uint32_t i, double t_s) {
    Instance& x = inst_[i];
    if (x.bound > 0 && x.state == Instance::State::ready) x.v += (t_s - x.v_at_s) * rate_[x.bound];
    x.v_at_s = t_s;
  }

  void update_completion(uint32_t i) {
    Instance& x = inst_[i];
    ++x.version;
    if (x.state != Instance::State::ready || x.bound == 0 || x.jobs.empty()) return;
    const double t_s = x.v_at_s + std::max(0.0, x.jobs.front().finish_v - x.v) / rate_[x.bound];
    done_.push(Completion{t_s, i, x.version});
  }

  double next_completion_s() {
    while (!done_.empty() && inst_[done_.top().instance].version != done_.top().version) done_.pop();
    return done_.empty() ? kNever : done_.top().t_s;
  }

  void change_bound(double t_s, uint32_t i, int delta) {
    Instance& x = inst_[i];
    const uint32_t before = x.bound;
    x.bound = before + delta;
    if (x.state != Instance::State::ready) return;
    cpu_used_sum_ += cpu_used_[x.bound] - cpu_used_[before];
    if (x.bound == 0) x.idle_since_s = t_s;
    x.touched = ++clock_;
    if (x.standby && (before == 0 || x.bound == 0)) reclaim_dirty_ = true;
  }

  // ---- instances ----

  // Routing order within a tier: fewer requests first; among idle ones the most recently idle, among busy
  // ones the most recently changed.
  static bool better(const Instance& a, const Instance& b) {
    if (a.bound != b.bound) return a.bound < b.bound;
    if (a.bound == 0 && a.idle_since_s != b.idle_since_s) return a.idle_since_s > b.idle_since_s;
    return a.touched > b.touched;
  }

  void set_tier(uint32_t i, bool standby) {
    Instance& x = inst_[i];
    x.standby = standby;
    standby ? ++standby_ : --standby_;
    x.touched = ++clock_;
    reclaim_dirty_ = true;
  }

  uint32_t start_instance(double t_s) {
    uint32_t i;
    if (!free_.empty()) {
      i = free_.back();
      free_.pop_back();
    } else {
      i = static_cast<uint32_t>(inst_.size());
      inst_.emplace_back();
    }
    Instance& x = inst_[i];
    x.state = Instance::State::starting;
    x.standby = false;
    x.bound = 0;
    x.started_s = t_s;
    ++total_;
    ++r_.instances_started;
    r_.peak_instances = std::max(r_.peak_instances, total_);
    starting_open_.push_back(i);
    startups_.push(Startup{t_s + c_.cold_start_s, i});
    return i;
  }

  void become_ready(double t_s, uint32_t i) {
    Instance& x = inst_[i];
    x.state = Instance::State::ready;
    x.v = 0;
    x.v_at_s = t_s;
    if (x.bound == 0) x.idle_since_s = t_s;
    cpu_used_sum_ += cpu_used_[x.bound];
    for (const double arrival_s : x.waiting) start_service(i, arrival_s);
    x.waiting.clear();
    x.touched = ++clock_;
    x.ready_pos = static_cast<uint32_t>(ready_.size());
    ready_.push_back(i);
    update_completion(i);
  }

  // The standby instance idle the longest, removed idle_timeout_s after its last request.
  double next_reclaim_s() {
    if (reclaim_dirty_) {
      reclaim_dirty_ = false;
      reclaim_ = kNone;
      for (const uint32_t i : ready_) {
        const Instance& x = inst_[i];
        if (x.standby && x.bound == 0 && (reclaim_ == kNone || better(inst_[reclaim_], x))) reclaim_ = i;
      }
    }
    return reclaim_ == kNone ? kNever : std::max(now_s_, inst_[reclaim_].idle_since_s + c_.idle_timeout_s);
  }

  void reclaim(double t_s) {
    const uint32_t i = reclaim_;
    Instance& x = inst_[i];
    const uint32_t last = ready_.back();
    ready_[x.ready_pos] = last;
    inst_[last].ready_pos = x.ready_pos;
    ready_.pop_back();
    if (x.standby) --standby_;
    x.state = Instance::State::free;
    x.jobs.clear();
    --total_;
    instance_s_ += t_s - x.started_s;
    free_.push_back(i);
    reclaim_dirty_ = true;
  }

  // ---- autoscaler ----

  void integrate(double t_s) {
    const double dt = t_s - integrated_to_s_;
    if (dt <= 0) return;
    conc_integral_ += static_cast<double>(in_flight_) * dt;
    cpu_integral_ += cpu_used_sum_ * dt;
    integrated_to_s_ = t_s;
  }

  void autoscale(double t_s) {
    const Snapshot old = window_[window_head_];
    window_[window_head_] = Snapshot{t_s, conc_integral_, cpu_integral_};
    window_head_ = (window_head_ + 1) % window_.size();
    const double span_s = t_s - old.t_s;
    const double conc_mean = (conc_integral_ - old.conc_integral) / span_s;
    const double cpu_mean = (cpu_integral_ - old.cpu_integral) / span_s;
    const double by_conc = std::ceil(conc_mean / (c_.target_concurrency * c_.concurrency) - 1e-9);
    const double by_cpu = std::ceil(cpu_mean / (c_.target_cpu * c_.vcpu) - 1e-9);
    const double desired = std::max({by_conc, by_cpu, 0.0});
    const auto keep = static_cast<uint32_t>(std::min(desired, static_cast<double>(c_.max_instances)));
    // Too few active: re-activate standby instances (least loaded, most recently used first), then start.
    while (total_ - standby_ < keep) {
      uint32_t best = kNone;
      for (const uint32_t i : ready_)
        if (inst_[i].standby && (best == kNone || better(inst_[i], inst_[best]))) best = i;
      if (best == kNone) break;
      set_tier(best, false);
    }
    while (total_ - standby_ < keep && total_ < c_.max_instances) start_instance(t_s);
    // Too many: the least loaded active instances, least recently used first, become standby.
    if (total_ - standby_ <= keep) return;
    const uint32_t excess = total_ - standby_ - keep;
    std::vector<uint32_t>& active = scratch_;
    active.clear();
    for (const uint32_t i : ready_)
      if (!inst_[i].standby) active.push_back(i);
    std::sort(active.begin(), active.end(), [&](uint32_t a, uint32_t b) {
      const Instance& x = inst_[a];
      const Instance& y = inst_[b];
      return x.bound != y.bound ? x.bound < y.bound : better(y, x);
    });
    for (uint32_t k = 0; k < excess && k < active.size(); ++k) set_tier(active[k], true);
  }

  const BareCloudRunConfig& c_;
  sim::Rng rng_;
  double mu_ = 0, sigma_ = 0, work_factor_ = 1;
  std::vector<double> rate_, cpu_used_;
  BareCloudRunResult r_;
  BareLatencyHistogram latency_;

  std::vector<Instance> inst_;
  std::vector<uint32_t> free_, ready_, starting_open_, scratch_;
  std::priority_queue<Completion, std::vector<Completion>, Later> done_;
  std::priority_queue<Startup, std::vector<Startup>, Later> startups_;
  uint32_t total_ = 0, standby_ = 0;
  uint64_t in_flight_ = 0, overflow_ = 0, clock_ = 0;
  double now_s_ = 0, instance_s_ = 0;
  uint32_t reclaim_ = kNone;
  bool reclaim_dirty_ = false;

  double cpu_used_sum_ = 0, integrated_to_s_ = 0, conc_integral_ = 0, cpu_integral_ = 0;
  std::vector<Snapshot> window_;
  size_t window_head_ = 0;
};

}  // namespace

BareCloudRunResult run_bare_cloud_run(const BareCloudRunConfig& config) {
  Loop loop(config);
  return loop.run();
}

}  // namespace servesim::bench
