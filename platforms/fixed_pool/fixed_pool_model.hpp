#pragma once
// A fixed pool of c always-on servers with one FIFO queue: the M/M/c (Erlang-C) reference and a baseline for
// dedicated capacity. Requests that find the queue full are dropped; a request that has waited longer than
// the client's timeout when its turn comes is counted as timed out and not served.
#include <cstdint>
#include <deque>
#include <vector>

#include "platforms/catalog.hpp"
#include "sim/platform_model.hpp"
#include "sim/scenario.hpp"

namespace servesim::platforms {

struct FixedPoolParams {
  uint32_t servers;
  double vcpu_per_server;
  uint64_t queue_capacity;
  double price_usd_per_server_hour;
  static FixedPoolParams from(const Settings& settings);
};

class FixedPoolModel : public sim::PlatformModel {
 public:
  FixedPoolModel(const FixedPoolParams& params, const sim::Scenario& scenario);
  std::string platform() const override { return "fixed-pool"; }
  void start(sim::ModelContext& ctx) override;
  void on_arrival(double t_s, double origin_s, uint32_t attempt) override;
  double next_event_s() const override { return done_.empty() ? kNever : done_.front().t_s; }
  void handle_next_event() override;
  bool has_work() const override { return !done_.empty() || !queue_.empty(); }
  void finish(double t_end_s) override;

 private:
  struct Completion {
    double t_s, arrival_s;
  };
  struct Later {
    bool operator()(const Completion& a, const Completion& b) const { return a.t_s > b.t_s; }
  };
  void serve(double t_s, double arrival_s, const sim::RequestTokens& tokens);

  FixedPoolParams p_;
  sim::ServiceSpec service_;
  sim::SloSpec slo_;
  double speed_factor_;
  sim::Recorder* rec_ = nullptr;
  sim::Client* client_ = nullptr;
  const sim::RequestTokens* tokens_ = nullptr;  // of the request being offered (ModelContext)
  sim::Rng* rng_ = nullptr;
  int cost_servers_ = 0;
  std::vector<Completion> done_;  // min-heap
  struct Waiting {
    double arrival_s;
    sim::RequestTokens tokens;  // a language model's request (service.llm), else {0, 0}
  };
  std::deque<Waiting> queue_;  // waiting requests
  uint32_t busy_ = 0;
};

}  // namespace servesim::platforms
