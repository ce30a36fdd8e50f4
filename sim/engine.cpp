#include "sim/engine.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <limits>
#include <simgrid/s4u.hpp>

#include "sim/arrival_source.hpp"

namespace servesim::sim {
namespace sg4 = simgrid::s4u;

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
         std::exception_ptr& error, double clock_origin_s, Progress& progress)
      : options_(options),
        index_(index),
        candidate_(candidate),
        result_(result),
        error_(error),
        origin_s_(clock_origin_s),
        progress_(progress) {}

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
    TransferPool transfers(origin_s_);
    Recorder recorder(options_.interval_s, options_.slo_latency_s, [this](const IntervalRow& row) {
      if (options_.on_row) options_.on_row(index_, row);
    });
    ModelContext ctx{recorder, transfers, rng};
    PlatformModel& model = *candidate_.model;
    model.start(ctx);

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
      }
      if (!more && !model.has_work() && transfers.empty()) break;
      const double t_model = model.next_event_s();
      const double t_next = std::min(more ? t_arrival : kInf, t_model);
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
      if (t_model <= t_next && !(more && t_arrival < t_model)) {
        model.handle_next_event();
      } else {
        recorder.arrival(t_arrival);
        model.on_arrival(t_arrival);
        more = source->next(t_arrival);
      }
    }
    const double end_s = std::max(now, source->duration_s());
    model.finish(end_s);
    recorder.finish(end_s);

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
  }

  const RunOptions& options_;
  size_t index_;
  CandidateRun& candidate_;
  CandidateResult& result_;
  std::exception_ptr& error_;
  double origin_s_;
  Progress& progress_;
};
}  // namespace

sg4::Host* PlatformBuilder::host(const std::string& name, double flops_per_s) {
  return zone_->create_host(prefix_ + name, flops_per_s)->seal();
}

TransferRoute PlatformBuilder::route(sg4::Host* from, sg4::Host* to, double shared_bytes_per_s,
                                     double per_connection_bytes_per_s, const std::string& link_name) {
  // Per-connection ceiling = TCP window / RTT, so the one-way latency is window / (2 x ceiling).
  const double latency_s = kTcpWindowBytes / (2.0 * per_connection_bytes_per_s);
  auto* link = zone_->create_link(prefix_ + link_name, shared_bytes_per_s)->set_latency(latency_s)->seal();
  zone_->add_route(from->get_netpoint(), to->get_netpoint(), nullptr, nullptr, {sg4::LinkInRoute(link)},
                   true);
  return TransferRoute{from, to, per_connection_bytes_per_s};
}

std::vector<CandidateResult> simulate(const RunOptions& options, std::vector<CandidateRun>& candidates) {
  int argc = 2;
  char arg0[] = "servesim";
  char arg1[] = "--log=root.thres:critical";
  char* argv[] = {arg0, arg1, nullptr};
  sg4::Engine engine(&argc, argv);
  configure_once(engine);

  auto* zone = sg4::create_full_zone("world");
  std::vector<sg4::Host*> driver_hosts;
  for (size_t i = 0; i < candidates.size(); ++i) {
    PlatformBuilder builder(zone, "c" + std::to_string(i) + "/");
    driver_hosts.push_back(builder.host("driver", 1e9));
    candidates[i].model->build(builder);
  }
  zone->seal();

  const double origin_s = sg4::Engine::get_clock();  // the clock is process-wide and does not restart at 0
  std::vector<CandidateResult> results(candidates.size());
  std::vector<std::exception_ptr> errors(candidates.size());
  Progress progress(options, candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i)
    sg4::Actor::create(candidates[i].name, driver_hosts[i],
                       Driver(options, i, candidates[i], results[i], errors[i], origin_s, progress));

  const auto wall_start = std::chrono::steady_clock::now();
  engine.run();
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  for (auto& r : results) r.wall_s = wall_s;
  return results;
}

}  // namespace servesim::sim
