#include "sim/fault_schedule.hpp"

#include <algorithm>
#include <limits>

namespace servesim::sim {

FaultSchedule::FaultSchedule(const std::vector<FaultSpec>& faults, const std::string& candidate)
    : faults_(&faults), applies_(faults.size(), false) {
  for (size_t k = 0; k < faults.size(); ++k) {
    const FaultSpec& f = faults[k];
    if (!f.applies_to(candidate)) continue;
    applies_[k] = true;
    const int index = static_cast<int>(k);
    if (f.kind == FaultSpec::Kind::outage) outages_.push_back(index);
    if (f.kind == FaultSpec::Kind::throttle || f.kind == FaultSpec::Kind::slow_storage) {
      changes_.push_back(Change{f.start_s, index, true});
      changes_.push_back(Change{f.end_s(), index, false});
    }
    if (f.kind == FaultSpec::Kind::node_failure) changes_.push_back(Change{f.start_s, index, true});
  }
  // Stable: changes at the same instant are applied in scenario order (an end before a later fault's start).
  std::stable_sort(changes_.begin(), changes_.end(),
                   [](const Change& a, const Change& b) { return a.t_s < b.t_s; });
}

double FaultSchedule::next_change_s() const {
  return next_change_ < changes_.size() ? changes_[next_change_].t_s
                                        : std::numeric_limits<double>::infinity();
}

}  // namespace servesim::sim
