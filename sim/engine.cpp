#include "sim/engine.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <limits>
#include <mutex>
#include <simgrid/kernel/ProfileBuilder.hpp>
#include <simgrid/kernel/resource/NetworkModelIntf.hpp>
#include <simgrid/s4u.hpp>

#include "core/input_error.hpp"
#include "sim/candidate_replay.hpp"

namespace servesim::sim {
namespace sg4 = simgrid::s4u;

namespace {
std::atomic<uint64_t> simulated_candidate_count{0};
}  // namespace

uint64_t simulated_candidates() {
  return simulated_candidate_count.load();
}

namespace {
// SimGrid's TCP window [bytes]: per-connection throughput is this over the route's round-trip time.
constexpr double kTcpWindowBytes = 4194304;

// SimGrid's configuration is process-wide and can be set only before the first engine runs.
void configure_once(sg4::Engine& engine) {
  static bool configured = false;
  if (configured) return;
  configured = true;
  engine.set_config("network/model:CM02");  // plain max-min sharing, no empirical latency/bandwidth factors
  engine.set_config("network/crosstraffic:0");
  engine.set_config("network/TCP-gamma:" + std::to_string(kTcpWindowBytes));
}

// One engine at a time in the process: simulate() and run_side_simulation() take this for their whole run
// (a GUI check may build candidates, and so probe, while a run goes on in a worker thread).
std::mutex& engine_mutex() {
  static std::mutex m;
  return m;
}
thread_local bool in_engine = false;  // this thread is inside simulate() or run_side_simulation()

// Holds the engine mutex and marks this thread as running an engine; refuses a nested run.
class EngineTurn {
 public:
  EngineTurn() {
    if (in_engine) throw std::logic_error("a SimGrid engine started inside a running one");
    lock_ = std::unique_lock<std::mutex>(engine_mutex());
    in_engine = true;
  }
  ~EngineTurn() { in_engine = false; }
  EngineTurn(const EngineTurn&) = delete;
  EngineTurn& operator=(const EngineTurn&) = delete;

 private:
  std::unique_lock<std::mutex> lock_;
};

// A new engine with the process-wide configuration. SimGrid installs its own SIGINT handler (it prints and
// exits with status 1): the process keeps its own.
std::unique_ptr<sg4::Engine> new_engine() {
  int argc = 2;
  char arg0[] = "servesim";
  char arg1[] = "--log=root.thres:critical";
  char* argv[] = {arg0, arg1, nullptr};
  struct sigaction on_sigint {};
  ::sigaction(SIGINT, nullptr, &on_sigint);
  auto engine = std::make_unique<sg4::Engine>(&argc, argv);
  ::sigaction(SIGINT, &on_sigint, nullptr);
  configure_once(*engine);
  return engine;
}
}  // namespace

void run_side_simulation(const std::function<void()>& build) {
  EngineTurn turn;
  const std::unique_ptr<sg4::Engine> engine = new_engine();
  build();
  engine->run();
}

sg4::Host* PlatformBuilder::host(const std::string& name, double flops_per_s) {
  return zone_->create_host(prefix_ + scope_ + name, flops_per_s)->seal();
}

// The route's latency sits on a link of its own beside the shared one, so that the pool's bulk twins can
// cross the shared link with a latency of their choosing (sim/transfer_pool.hpp).
BulkTwin PlatformBuilder::bulk_twin(sg4::Link* shared, sg4::Host* to, const std::string& name) {
  BulkTwin twin;
  twin.own = zone_->create_link(prefix_ + scope_ + name + "-bulk", 1e15)->set_latency(0)->seal();
  twin.exact = host(name + "-bulk-exact", to->get_speed());
  twin.weighted = host(name + "-bulk-weighted", to->get_speed());
  for (sg4::Host* h : {twin.exact, twin.weighted})
    zone_->add_route(h->get_netpoint(), to->get_netpoint(), nullptr, nullptr,
                     {sg4::LinkInRoute(shared), sg4::LinkInRoute(twin.own)}, true);
  TransferPool::register_twin(&twin);
  return twin;
}

TransferRoute PlatformBuilder::route(sg4::Host* from, sg4::Host* to, double shared_bytes_per_s,
                                     double per_connection_bytes_per_s, const std::string& link_name) {
  // Per-connection ceiling = TCP window / RTT, so the one-way latency is window / (2 x ceiling).
  const double latency_s = kTcpWindowBytes / (2.0 * per_connection_bytes_per_s);
  auto* link = zone_->create_link(prefix_ + scope_ + link_name, shared_bytes_per_s)->set_latency(0)->seal();
  auto* latency =
      zone_->create_link(prefix_ + scope_ + link_name + "-latency", 1e15)->set_latency(latency_s)->seal();
  links_.push_back(StoreLink{link, shared_bytes_per_s});
  zone_->add_route(from->get_netpoint(), to->get_netpoint(), nullptr, nullptr,
                   {sg4::LinkInRoute(link), sg4::LinkInRoute(latency)}, true);
  TransferRoute route{from, to, per_connection_bytes_per_s, latency_s, link, bulk_twin(link, to, link_name),
                      {}};
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
                     {sg4::LinkInRoute(link), sg4::LinkInRoute(latency), sg4::LinkInRoute(extra)}, true);
    route.slow.push_back(
        TransferRoute::Slow{f, twin, latency_s / f, bulk_twin(link, to, link_name + suffix)});
  }
  return route;
}

TransferRoute PlatformBuilder::network_route(sg4::Host* from, sg4::Host* to, double bytes_per_s,
                                             double latency_s, const std::string& link_name) {
  auto* link = zone_->create_link(prefix_ + scope_ + link_name, bytes_per_s)->set_latency(0)->seal();
  auto* latency =
      zone_->create_link(prefix_ + scope_ + link_name + "-latency", 1e15)->set_latency(latency_s)->seal();
  zone_->add_route(from->get_netpoint(), to->get_netpoint(), nullptr, nullptr,
                   {sg4::LinkInRoute(link), sg4::LinkInRoute(latency)}, true);
  // The pool's lower bound on a completion: the bytes at the fastest rate one connection can get (the link,
  // or SimGrid's TCP window over the round trip).
  const double ceiling =
      latency_s > 0 ? std::min(bytes_per_s, kTcpWindowBytes / (2.0 * latency_s)) : bytes_per_s;
  return TransferRoute{from, to, ceiling, latency_s, link, bulk_twin(link, to, link_name), {}};
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
  EngineTurn turn;
  const std::unique_ptr<sg4::Engine> owned = new_engine();
  sg4::Engine& engine = *owned;
  TransferPool::register_twin(nullptr);  // hosts of an earlier engine

  check_faults(options.faults, candidates);
  simulated_candidate_count += candidates.size();
  const double origin_s = sg4::Engine::get_clock();  // the clock is process-wide and does not restart at 0
  auto* zone = sg4::create_full_zone("world");
  // The pool's bulk twins (sim/transfer_pool.hpp) set their own latency and bandwidth factors; every other
  // communication keeps 1.
  zone->get_network_model()->set_lat_factor_cb(
      [](double, const sg4::Host* src, const sg4::Host*, const std::vector<sg4::Link*>&,
         const std::unordered_set<sg4::NetZone*>&) { return TransferPool::latency_factor(src); });
  zone->get_network_model()->set_bw_factor_cb(
      [](double, const sg4::Host* src, const sg4::Host*, const std::vector<sg4::Link*>&,
         const std::unordered_set<sg4::NetZone*>&) { return TransferPool::bandwidth_factor(src); });
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
    sg4::Actor::create(candidates[i].name, driver_hosts[i],
                       CandidateReplay(options, i, candidates[i], results[i], errors[i], origin_s, progress,
                                       store_links[i]));

  const auto wall_start = std::chrono::steady_clock::now();
  engine.run();
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  for (auto& r : results) r.wall_s = wall_s;
  return results;
}

}  // namespace servesim::sim
