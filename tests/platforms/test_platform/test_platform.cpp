#include "tests/platforms/test_platform/test_platform.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "platforms/catalog.hpp"

namespace servesim::test {

namespace {

struct InstantParams {
  double speedup;                // [x] warm time divisor, default 1
  double timeout_s;              // [s] default 5
  double price_usd_per_request;  // [USD] per request and unit of speedup, default 1e-6
};

class InstantModel : public sim::PlatformModel {
 public:
  InstantModel(const InstantParams& params, const sim::Scenario& scenario)
      : params_(params), service_(scenario.service) {}
  std::string platform() const override { return kTestPlatform; }
  void start(sim::ModelContext& context) override {
    recorder_ = &context.recorder;
    rng_ = &context.rng;
    cost_requests_ = recorder_->cost_category("requests_usd");
  }
  void on_arrival(double t_s, double origin_s, uint32_t attempt) override {
    (void)attempt;
    done_.push_back({t_s + service_.warm_s.sample(*rng_) / params_.speedup, origin_s});
    std::push_heap(done_.begin(), done_.end(), Later{});
    recorder_->add_cost(cost_requests_, params_.price_usd_per_request * params_.speedup);
    recorder_->instances(t_s, static_cast<uint32_t>(done_.size()), 0);
  }
  double next_event_s() const override { return done_.empty() ? kNever : done_.front().t_s; }
  void handle_next_event() override {
    std::pop_heap(done_.begin(), done_.end(), Later{});
    const Completion c = done_.back();
    done_.pop_back();
    const double latency_s = c.t_s - c.origin_s;
    if (latency_s > params_.timeout_s)
      recorder_->timed_out(c.t_s);
    else
      recorder_->served(c.t_s, latency_s);
    recorder_->instances(c.t_s, static_cast<uint32_t>(done_.size()), 0);
  }
  bool has_work() const override { return !done_.empty(); }
  void finish(double t_end_s) override { (void)t_end_s; }

 private:
  struct Completion {
    double t_s, origin_s;
  };
  struct Later {
    bool operator()(const Completion& a, const Completion& b) const { return a.t_s > b.t_s; }
  };
  InstantParams params_;
  sim::ServiceSpec service_;
  sim::Recorder* recorder_ = nullptr;
  sim::Rng* rng_ = nullptr;
  int cost_requests_ = 0;
  std::vector<Completion> done_;  // min-heap
};

std::string read_catalog_file() {
  const std::string path = "tests/platforms/test_platform/test-instant.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + " (run the test from the source root)");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

void register_test_platform() {
  if (platforms::find_registration(kTestPlatform)) return;
  platforms::PlatformRegistration r;
  r.name = kTestPlatform;
  r.make = [](const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
    const platforms::Settings s(candidate, scenario.file);
    const InstantParams params{s.number("speedup"), s.number("timeout_s"), s.number("price_usd_per_request")};
    return std::unique_ptr<sim::PlatformModel>(std::make_unique<InstantModel>(params, scenario));
  };
  platforms::register_platform(std::move(r), read_catalog_file());
}

}  // namespace servesim::test
