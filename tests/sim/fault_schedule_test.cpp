// FaultSchedule: one candidate's outages, its time-ordered fault-state changes and the tightest of
// overlapping faults, as docs/faults.md defines them.
#include "sim/fault_schedule.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using servesim::sim::FaultSchedule;
using servesim::sim::FaultSpec;
using Kind = FaultSpec::Kind;

namespace {

FaultSpec fault(Kind kind, double start_s, double duration_s, std::vector<std::string> candidates = {}) {
  FaultSpec f;
  f.kind = kind;
  f.start_s = start_s;
  f.duration_s = duration_s;
  f.candidates = std::move(candidates);
  return f;
}

}  // namespace

TEST_CASE("sim::FaultSchedule: outages, changes in time order, the tightest of overlapping throttles") {
  std::vector<FaultSpec> faults;
  faults.push_back(fault(Kind::throttle, 100, 300));  // 100-400 s: cap 50
  faults.back().concurrency_limit = 50;
  faults.push_back(fault(Kind::outage, 50, 10, {"other"}));  // another candidate's outage
  faults.push_back(fault(Kind::outage, 200, 60));            // 200-260 s, everyone
  faults.push_back(fault(Kind::throttle, 150, 100));         // 150-250 s: cap 20, the tighter one
  faults.back().concurrency_limit = 20;
  faults.push_back(fault(Kind::node_failure, 120, 0));
  const FaultSchedule schedule(faults, "me");

  SECTION("an outage rejects attempts inside its window only, and only for the candidates it names") {
    CHECK(schedule.outage_at(55) == -1);  // the other candidate's outage
    CHECK(schedule.outage_at(199.999) == -1);
    CHECK(schedule.outage_at(200) == 2);
    CHECK(schedule.outage_at(259.999) == 2);
    CHECK(schedule.outage_at(260) == -1);  // the window is [start, end)
    CHECK_FALSE(schedule.applies(1));
  }
  SECTION("changes come in time order: starts and ends of throttles, the node failure's instant") {
    FaultSchedule copy = schedule;
    std::vector<double> times;
    std::vector<int> owners;
    while (std::isfinite(copy.next_change_s())) {
      const auto& change = copy.pop_change();
      times.push_back(change.t_s);
      owners.push_back(change.fault);
    }
    CHECK(times == std::vector<double>{100, 120, 150, 250, 400});
    CHECK(owners == std::vector<int>{0, 4, 3, 3, 0});
  }
  SECTION("overlapping throttles: the smallest cap in force applies") {
    const auto cap = [](const FaultSpec& g) { return g.concurrency_limit; };
    CHECK(schedule.tightest(Kind::throttle, 120, cap) == 0);
    CHECK(schedule.tightest(Kind::throttle, 200, cap) == 3);
    CHECK(schedule.tightest(Kind::throttle, 300, cap) == 0);
    CHECK(schedule.tightest(Kind::throttle, 500, cap) == -1);
  }
}
