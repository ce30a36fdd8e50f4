// collect_result: a candidate's result is what its recorder, client and model saw. Counted by hand from the
// outcomes recorded below (no simulation: the event loop and the fault changes are exercised end to end by
// engine_test.cpp and faults_test.cpp).
#include "sim/candidate_replay.hpp"

#include <catch2/catch.hpp>

using namespace servesim::sim;

namespace {
class StubModel : public PlatformModel {
 public:
  std::string platform() const override { return "stub"; }
  void start(ModelContext&) override {}
  void on_arrival(double, double, uint32_t) override {}
  double next_event_s() const override { return kNever; }
  void handle_next_event() override {}
  bool has_work() const override { return false; }
  void finish(double) override {}
  std::vector<std::pair<std::string, uint64_t>> cold_start_sources() const override { return {{"store", 7}}; }
};
}  // namespace

TEST_CASE("sim::collect_result: totals, fault windows, costs and the model's own figures") {
  Recorder recorder(60, 0.5, [](const IntervalRow&) {});
  Rng rng = Rng::derive(1, 1);
  Client client(ClientSpec{}, 2, recorder, rng);
  const int compute = recorder.cost_category("compute");
  // Fault 0 does not apply to this candidate; fault 1's window is [10, 20) s.
  const std::vector<size_t> windows = {SIZE_MAX, recorder.watch(10, 20)};
  // Three arrivals at 1, 2 and 3 s: one served at 1.1 s (0.1 s, within the 0.5 s SLO), one at 12 s (10 s,
  // outside it), one timed out at 15 s. The window [10, 20) sees the last two outcomes and no arrival.
  for (double t : {1.0, 2.0, 3.0}) recorder.arrival(t);
  recorder.served(1.1, 0.1);
  recorder.served(12, 10);
  recorder.timed_out(15);
  recorder.add_cost(compute, 1.25);
  recorder.finish(40);

  const StubModel model;
  const CandidateResult r = collect_result("candidate-a", 40, recorder, client, model, windows);
  CHECK(r.name == "candidate-a");
  CHECK(r.platform == "stub");
  CHECK(r.simulated_s == 40);
  CHECK(r.requests.arrived == 3);
  CHECK(r.requests.served == 2);
  CHECK(r.requests.served_within_slo == 1);
  CHECK(r.requests.timed_out == 1);
  REQUIRE(r.fault_windows.size() == 2);
  CHECK(r.fault_windows[0].served == 0);  // not applied: stays zero
  CHECK(r.fault_windows[1].arrived == 0);
  CHECK(r.fault_windows[1].served == 1);
  CHECK(r.fault_windows[1].served_within_slo == 0);
  CHECK(r.fault_windows[1].timed_out == 1);
  CHECK(r.cost_total_usd == 1.25);
  REQUIRE(r.cost_usd.size() == 1);
  CHECK(r.cost_usd[0].first == "compute");
  CHECK(r.faults.size() == 2);
  CHECK(r.cold_start_sources == std::vector<std::pair<std::string, uint64_t>>{{"store", 7}});
}
