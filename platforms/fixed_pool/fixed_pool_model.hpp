#pragma once
// A fixed pool of c always-on servers with one FIFO queue: the M/M/c (Erlang-C) reference and a baseline for
// dedicated capacity. Requests that find the queue full are dropped; a request that has waited longer than
// the client's timeout when its turn comes is counted as timed out and not served. Crash faults: each server
// that is up dies at the crash rate (memoryless); the request it runs fails (the client may retry), and it
// restarts in place after restart_s plus the service's cold start (runtime init, model load), while the
// queue waits for the servers still up. See docs/faults.md.
#include <cstdint>
#include <deque>
#include <vector>

#include "platforms/catalog.hpp"
#include "sim/platform_model.hpp"
#include "sim/scenario.hpp"

namespace servesim::platforms {

// One field per catalogue parameter of "fixed-pool" (units in the names; defaults and sources in
// platforms/fixed_pool/fixed-pool.json).
struct FixedPoolParams {
  uint32_t servers;
  double vcpu_per_server;
  uint64_t queue_capacity;
  double price_usd_per_server_hour;
  double restart_s;  // a crashed server's delay before its process starts again (then its cold start)
  static FixedPoolParams from(const Settings& settings);
};

class FixedPoolModel : public sim::PlatformModel {
 public:
  FixedPoolModel(const FixedPoolParams& params, const sim::Scenario& scenario);
  std::string platform() const override { return "fixed-pool"; }
  void start(sim::ModelContext& ctx) override;
  void on_arrival(double t_s, double origin_s, uint32_t attempt) override;
  double next_event_s() const override { return events_.empty() ? kNever : events_.front().t_s; }
  void handle_next_event() override;
  // Crash and restart events alone are no work: the run ends when no request is left.
  bool has_work() const override { return busy_ > 0 || !queue_.empty(); }
  void finish(double t_end_s) override;
  bool supports(sim::FaultSpec::Kind kind) const override {
    return kind == sim::FaultSpec::Kind::crash || sim::PlatformModel::supports(kind);
  }

 private:
  enum class Kind : uint8_t { complete, crash, restart };
  // A server's event; `life` is the server's life when it was scheduled (a crash makes the older ones stale).
  struct Event {
    double t_s;
    uint32_t server, life;
    Kind kind;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const { return a.t_s > b.t_s; }
  };
  struct Waiting {
    double arrival_s;
    uint32_t attempt;
    sim::RequestTokens tokens;  // a language model's request (service.llm), else {0, 0}
  };
  struct Server {
    uint32_t life = 0;  // incremented by each crash
    bool up = true;
    bool busy = false;
    Waiting running;  // the request it serves while busy
  };
  void serve(double t_s, uint32_t server, const Waiting& w);
  void push(const Event& e);
  // Server `server` is free at t_s: it takes the oldest waiting request the client has not given up on.
  void take_waiting(double t_s, uint32_t server);
  void schedule_crash(double t_s, uint32_t server);
  void crash(double t_s, uint32_t server);
  void report(double t_s) { rec_->instances(t_s, busy_, up_ - busy_); }

  FixedPoolParams p_;
  sim::ServiceSpec service_;
  sim::SloSpec slo_;
  double speed_factor_;
  sim::Recorder* rec_ = nullptr;
  sim::Client* client_ = nullptr;
  const sim::RequestTokens* tokens_ = nullptr;  // of the request being offered (ModelContext)
  sim::Rng* rng_ = nullptr;
  const sim::CrashHazard* crashes_ = nullptr;
  int cost_servers_ = 0;
  std::vector<Event> events_;    // min-heap on t_s
  std::vector<Server> servers_;  // by index
  std::vector<uint32_t> idle_;   // idle servers that are up (the last one is taken first)
  std::deque<Waiting> queue_;    // waiting requests
  uint32_t busy_ = 0, up_ = 0;
};

}  // namespace servesim::platforms
