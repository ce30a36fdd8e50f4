#pragma once
// One candidate's view of the scenario's faults during a replay: which faults apply to it, the outages that
// reject attempts at the front door, and the time-ordered changes of the platform's fault state (a throttling
// storm's cap, slow storage's bandwidth, a node failure) that the run loop applies when their time comes.
//
//   FaultSchedule schedule(options.faults, candidate.name);
//   if (const int k = schedule.outage_at(t_s); k >= 0) ...;       // rejected with HTTP 503 by fault k
//   while (schedule.next_change_s() <= t_s) apply(schedule.pop_change());
#include <string>
#include <vector>

#include "sim/faults.hpp"

namespace servesim::sim {

class FaultSchedule {
 public:
  // A change of the model's fault state at t_s: fault `fault` begins (or, for throttles and slow storage,
  // ends).
  struct Change {
    double t_s;
    int fault;
    bool begins;
  };

  FaultSchedule(const std::vector<FaultSpec>& faults, const std::string& candidate);

  // The first outage in force at t_s (the index of its fault), -1 when none is.
  int outage_at(double t_s) const {
    for (const int k : outages_)
      if ((*faults_)[static_cast<size_t>(k)].active(t_s)) return k;
    return -1;
  }
  // Time of the next change not yet applied [s]; +infinity when none is left.
  double next_change_s() const;
  const Change& pop_change() { return changes_[next_change_++]; }
  // Among the faults of `kind` that apply to this candidate and are in force at t_s, the one whose
  // value_of(fault) is smallest (overlapping throttles: the tightest cap applies); -1 when none is.
  template <class ValueOf>
  int tightest(FaultSpec::Kind kind, double t_s, ValueOf value_of) const {
    int owner = -1;
    for (size_t k = 0; k < faults_->size(); ++k) {
      const FaultSpec& g = (*faults_)[k];
      if (g.kind == kind && applies_[k] && g.active(t_s) &&
          (owner < 0 || value_of(g) < value_of((*faults_)[static_cast<size_t>(owner)])))
        owner = static_cast<int>(k);
    }
    return owner;
  }
  bool applies(size_t fault) const { return applies_[fault]; }
  const FaultSpec& fault(int index) const { return (*faults_)[static_cast<size_t>(index)]; }

 private:
  const std::vector<FaultSpec>* faults_;
  std::vector<bool> applies_;  // per fault: does it apply to this candidate
  std::vector<int> outages_;   // the outages that apply, in scenario order
  std::vector<Change> changes_;
  size_t next_change_ = 0;
};

}  // namespace servesim::sim
