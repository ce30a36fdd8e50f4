#include "sim/engine.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <limits>
#include <simgrid/kernel/ProfileBuilder.hpp>
#include <simgrid/s4u.hpp>

#include "core/input_error.hpp"
#include "core/interrupt.hpp"
#include "sim/arrival_source.hpp"
#include "sim/fault_schedule.hpp"

namespace servesim::sim {
namespace sg4 = simgrid::s4u;

namespace {
std::atomic<uint64_t> simulated_candidate_count{0};
}  // namespace

uint64_t simulated_candidates() {
  return simulated_candidate_count.load();
}

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
// SimGrid's TCP window [bytes]: per-connection throughput is this over the route's round-trip time.
constexpr double kTcpWindowBytes = 4194304;

// Progress of all candidates for RunOptions::on_progress: each driver reports its simulated time every 65,536
// events, and the callback fires when at least 0.2 s of wall time passed since the last call.
class Progress {
 public:
  Progress(const RunOptions& options, size_t candidates)
      : callback_(options.on_progress),
        now_s_(candidates, 0.0),
        total_s_(candidates, 0.0),
        last_(std::chrono::steady_clock::now()) {}
  bool enabled() const { return static_cast<bool>(callback_); }
  void set_total(size_t i, double total_s) { total_s_[i] = total_s; }
  void update(size_t i, double now_s) {
    now_s_[i] = now_s;
    const auto t = std::chrono::steady_clock::now();
    if (t - last_ < std::chrono::milliseconds(200)) return;
    last_ = t;
    double done = 0, total = 0;
    for (size_t k = 0; k < now_s_.size(); ++k) {
      done += now_s_[k];
      total = (total < 0 || total_s_[k] < 0) ? -1.0 : total + total_s_[k];
    }
    callback_(done, total);
  }

 private:
  std::function<void(double, double)> callback_;
  std::vector<double> now_s_, total_s_;
  std::chrono::steady_clock::time_point last_;
};

// SimGrid's configuration is process-wide and can be set only before the first engine runs.
void configure_once(sg4::Engine& engine) {
  static bool configured = false;
  if (configured) return;
  configured = true;
  engine.set_config("network/model:CM02");  // plain max-min sharing, no empirical latency/bandwidth factors
  engine.set_config("network/crosstraffic:0");
  engine.set_config("network/TCP-gamma:" + std::to_string(kTcpWindowBytes));
}

// One candidate's replay: the arrivals, the model's events and its SimGrid transfers, merged in time order.
class Driver {
 public:
  Driver(const RunOptions& options, size_t index, CandidateRun& candidate, CandidateResult& result,
         std::exception_ptr& error, double clock_origin_s, Progress& progress, std::vector<StoreLink> links)
      : options_(options),
        index_(index),
        candidate_(candidate),
        result_(result),
        error_(error),
        origin_s_(clock_origin_s),
        progress_(progress),
        links_(std::move(links)) {}

  void operator()() {
    try {
      replay();
    } catch (...) {
      error_ = std::current_exception();
    }
  }

 private:
  void replay() {
    auto source = make_arrival_source(options_.workload, options_.seed);
    Rng rng = Rng::derive(options_.seed, 1);  // common random numbers across candidates
    TransferPool transfers(origin_s_, options_.exhaustive_transfers);
    Recorder recorder(options_.interval_s, options_.slo_latency_s, [this](const IntervalRow& row) {
      if (options_.on_row) options_.on_row(index_, row);
    });
    const auto& faults = options_.faults;
    Client client(options_.client, faults.size(), recorder, rng);
    const CrashHazard crashes(faults, candidate_.name);
    FaultSchedule schedule(faults, candidate_.name);
    std::vector<size_t> windows(faults.size(), SIZE_MAX);
    for (size_t k = 0; k < faults.size(); ++k)
      if (schedule.applies(k)) windows[k] = recorder.watch(faults[k].start_s, faults[k].report_end_s());

    uint64_t request_key = kNoKey;
    ModelContext ctx{recorder, transfers, rng, client, crashes, &request_key};
    PlatformModel& model = *candidate_.model;
    model.start(ctx);

    // An attempt reaches the platform, unless an outage rejects it at the front door (HTTP 503).
    auto offer = [&](double t, double origin_s, uint32_t attempt, uint64_t key) {
      if (const int k = schedule.outage_at(t); k >= 0) {
        client.failed(t, origin_s, attempt, false, k, key);
        return;
      }
      request_key = key;
      model.on_arrival(t, origin_s, attempt);
      request_key = kNoKey;
    };
    auto apply_change = [&](const FaultSchedule::Change& c) {
      const FaultSpec& f = schedule.fault(c.fault);
      if (f.kind == FaultSpec::Kind::node_failure) {
        model.fail_nodes(c.t_s, f.nodes, c.fault);
        return;
      }
      if (f.kind == FaultSpec::Kind::slow_storage) {
        // The store's shared bandwidth is cut from exactly t for every transfer (SimGrid's clock is brought
        // there first: the loop has checked that no transfer completes before), and downloads started while
        // the fault is in force get the same share of the per-connection ceiling for their whole length.
        const int k = schedule.tightest(f.kind, c.t_s, [](const FaultSpec& g) { return g.bandwidth_factor; });
        const double factor = k < 0 ? 1.0 : schedule.fault(k).bandwidth_factor;
        transfers.sync_clock(c.t_s);
        for (const StoreLink& l : links_) l.link->set_bandwidth(l.bytes_per_s * factor);
        transfers.set_rate_factor(factor);
        return;
      }
      const int k = schedule.tightest(f.kind, c.t_s, [](const FaultSpec& g) { return g.concurrency_limit; });
      model.set_concurrency_cap(c.t_s, k < 0 ? UINT32_MAX : schedule.fault(k).concurrency_limit, k);
    };

    double t_arrival = 0;
    bool more = source->next(t_arrival);
    double now = 0;
    progress_.set_total(index_, source->duration_s());
    uint32_t events = 0;
    for (;;) {
      if (++events == 65536) {  // check the wall clock rarely: it costs more than an event
        events = 0;
        if (progress_.enabled()) progress_.update(index_, now);
        if (options_.cancel && options_.cancel->load(std::memory_order_relaxed)) throw Cancelled();
        core::throw_if_interrupted();  // SIGINT or SIGTERM: unwind so that the caller removes its temporaries
      }
      const bool busy = model.has_work() || client.has_work();
      if (!more && !busy && transfers.empty()) break;
      const double t_model = model.next_event_s();
      const double t_retry = client.next_retry_s();
      const double t_change = more || busy ? schedule.next_change_s() : kInf;
      const double t_next = std::min({more ? t_arrival : kInf, t_model, t_retry, t_change});
      if (!transfers.empty() && t_next >= transfers.earliest_possible_s()) {
        TransferPool::Done done{};
        if (transfers.advance(t_next == kInf ? transfers.now_s() + 1e9 : t_next, done)) {
          now = done.t_s;
          model.on_transfer_done(done.tag, done.t_s);
          continue;
        }
      }
      if (t_next == kInf) break;
      now = t_next;
      if (t_change <= t_next) {
        apply_change(schedule.pop_change());
      } else if (t_model <= t_next && !(more && t_arrival < t_model)) {
        model.handle_next_event();
      } else if (t_retry <= t_next && !(more && t_arrival < t_retry)) {
        const Client::Attempt a = client.pop_retry();
        offer(a.t_s, a.origin_s, a.number, a.key);
      } else {
        recorder.arrival(t_arrival);
        client.arrival(t_arrival);
        offer(t_arrival, t_arrival, 0, source->key());
        more = source->next(t_arrival);
      }
    }
    const double end_s = std::max(now, source->duration_s());
    model.finish(end_s);
    recorder.finish(end_s);
    collect(end_s, recorder, client, model, windows);
  }

  // The candidate's result from what its recorder, client and model saw; windows[k] is fault k's recorder
  // window (SIZE_MAX for a fault that does not apply).
  void collect(double end_s, const Recorder& recorder, const Client& client, const PlatformModel& model,
               const std::vector<size_t>& windows) {
    const auto& faults = options_.faults;
    result_.name = candidate_.name;
    result_.platform = model.platform();
    result_.requests = recorder.totals();
    result_.latency = recorder.latency();
    result_.instances_mean = recorder.instances_mean();
    result_.instances_peak = recorder.instances_peak();
    result_.busy_instance_seconds = recorder.busy_instance_seconds();
    result_.cost_usd = recorder.costs();
    result_.cost_total_usd = recorder.cost_total_usd();
    result_.simulated_s = end_s;
    result_.faults = client.faults();
    result_.fault_windows.assign(faults.size(), Counters{});
    for (size_t k = 0; k < faults.size(); ++k)
      if (windows[k] != SIZE_MAX) result_.fault_windows[k] = recorder.window(windows[k]);
    result_.client = client.outcome();
    result_.stages = model.stage_counts();
    result_.cold_start_sources = model.cold_start_sources();
  }

  const RunOptions& options_;
  size_t index_;
  CandidateRun& candidate_;
  CandidateResult& result_;
  std::exception_ptr& error_;
  double origin_s_;
  Progress& progress_;
  std::vector<StoreLink> links_;  // the model's store links (slowed by slow-storage faults)
};
}  // namespace

sg4::Host* PlatformBuilder::host(const std::string& name, double flops_per_s) {
  return zone_->create_host(prefix_ + scope_ + name, flops_per_s)->seal();
}

TransferRoute PlatformBuilder::route(sg4::Host* from, sg4::Host* to, double shared_bytes_per_s,
                                     double per_connection_bytes_per_s, const std::string& link_name) {
  // Per-connection ceiling = TCP window / RTT, so the one-way latency is window / (2 x ceiling).
  const double latency_s = kTcpWindowBytes / (2.0 * per_connection_bytes_per_s);
  auto* link =
      zone_->create_link(prefix_ + scope_ + link_name, shared_bytes_per_s)->set_latency(latency_s)->seal();
  links_.push_back(StoreLink{link, shared_bytes_per_s});
  zone_->add_route(from->get_netpoint(), to->get_netpoint(), nullptr, nullptr, {sg4::LinkInRoute(link)},
                   true);
  TransferRoute route{from, to, per_connection_bytes_per_s, latency_s, {}};
  // One slow variant per slow-storage factor: a twin of the store behind the same shared link and an extra
  // latency link, so that its round trip and hence its per-connection ceiling (TCP window / RTT) is cut.
  for (size_t k = 0; k < slow_factors_.size(); ++k) {
    const double f = slow_factors_[k];
    const std::string suffix = "-slow-" + std::to_string(k);
    auto* twin = host(link_name + suffix + "-store", from->get_speed());
    auto* extra = zone_->create_link(prefix_ + scope_ + link_name + suffix, 1e15)
                      ->set_latency(latency_s / f - latency_s)
                      ->seal();
    zone_->add_route(twin->get_netpoint(), to->get_netpoint(), nullptr, nullptr,
                     {sg4::LinkInRoute(link), sg4::LinkInRoute(extra)}, true);
    route.slow.push_back(TransferRoute::Slow{f, twin, latency_s / f});
  }
  return route;
}

TransferRoute PlatformBuilder::network_route(sg4::Host* from, sg4::Host* to, double bytes_per_s,
                                             double latency_s, const std::string& link_name) {
  auto* link = zone_->create_link(prefix_ + scope_ + link_name, bytes_per_s)->set_latency(latency_s)->seal();
  zone_->add_route(from->get_netpoint(), to->get_netpoint(), nullptr, nullptr, {sg4::LinkInRoute(link)},
                   true);
  // The pool's lower bound on a completion: the bytes at the fastest rate one connection can get (the link,
  // or SimGrid's TCP window over the round trip).
  const double ceiling =
      latency_s > 0 ? std::min(bytes_per_s, kTcpWindowBytes / (2.0 * latency_s)) : bytes_per_s;
  return TransferRoute{from, to, ceiling, latency_s, {}};
}

RunOptions RunOptions::for_scenario(const Scenario& scenario) {
  RunOptions options;
  options.workload = scenario.workload;
  options.seed = scenario.seed;
  options.interval_s = scenario.interval_s;
  options.slo_latency_s = scenario.slo.p99_ms / 1e3;
  options.client = scenario.client;
  options.faults = scenario.faults;
  return options;
}

void check_faults(const std::vector<FaultSpec>& faults, const std::vector<CandidateRun>& candidates) {
  for (const FaultSpec& f : faults)
    for (const CandidateRun& c : candidates)
      if (f.applies_to(c.name) && !c.model->supports(f.kind))
        throw input_error(f.file, f.pointer + "/kind",
                          std::string("expected a fault that platform ") + c.model->platform() +
                              " (candidate \"" + c.name + "\") models, got \"" +
                              FaultSpec::kind_name(f.kind) + "\" (see docs/faults.md)");
}

std::vector<CandidateResult> simulate(const RunOptions& options, std::vector<CandidateRun>& candidates) {
  int argc = 2;
  char arg0[] = "servesim";
  char arg1[] = "--log=root.thres:critical";
  char* argv[] = {arg0, arg1, nullptr};
  // SimGrid installs its own SIGINT handler (it prints and exits with status 1): keep the process's own.
  struct sigaction on_sigint {};
  ::sigaction(SIGINT, nullptr, &on_sigint);
  sg4::Engine engine(&argc, argv);
  ::sigaction(SIGINT, &on_sigint, nullptr);
  configure_once(engine);

  check_faults(options.faults, candidates);
  simulated_candidate_count += candidates.size();
  const double origin_s = sg4::Engine::get_clock();  // the clock is process-wide and does not restart at 0
  auto* zone = sg4::create_full_zone("world");
  std::vector<sg4::Host*> driver_hosts;
  std::vector<std::vector<StoreLink>> store_links(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    std::vector<double> slow_factors;
    for (const FaultSpec& f : options.faults)
      if (f.kind == FaultSpec::Kind::slow_storage && f.applies_to(candidates[i].name))
        slow_factors.push_back(f.bandwidth_factor);
    std::sort(slow_factors.begin(), slow_factors.end());
    slow_factors.erase(std::unique(slow_factors.begin(), slow_factors.end()), slow_factors.end());
    PlatformBuilder builder(zone, "c" + std::to_string(i) + "/", slow_factors);
    driver_hosts.push_back(builder.host("driver", 1e9));
    candidates[i].model->build(builder);
    store_links[i] = builder.links();
  }
  zone->seal();

  std::vector<CandidateResult> results(candidates.size());
  std::vector<std::exception_ptr> errors(candidates.size());
  Progress progress(options, candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i)
    sg4::Actor::create(
        candidates[i].name, driver_hosts[i],
        Driver(options, i, candidates[i], results[i], errors[i], origin_s, progress, store_links[i]));

  const auto wall_start = std::chrono::steady_clock::now();
  engine.run();
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  for (auto& r : results) r.wall_s = wall_s;
  return results;
}

}  // namespace servesim::sim
