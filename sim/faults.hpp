#pragma once
// Faults injected into a run (scenario "faults", docs/faults.md): what breaks, when, and for which
// candidates. Outages are applied by the run loop, slow model storage by SimGrid (bandwidth and latency
// profiles on the model-store links), throttling storms, instance crashes and node failures by the platform
// models that support them.
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace servesim::sim {

struct FaultSpec {
  enum class Kind : uint8_t { outage, throttle, slow_storage, crash, node_failure };
  Kind kind = Kind::outage;
  double start_s = 0;                                           // [s] from the start of the replay
  double duration_s = std::numeric_limits<double>::infinity();  // [s]; node_failure: 0 (an instant)
  std::vector<std::string> candidates;  // names it applies to; empty = every candidate
  uint32_t concurrency_limit = 0;       // throttle: concurrency (or instances) allowed
  double bandwidth_factor = 1;          // slow_storage: share of nominal bandwidth (0, 1]
  double rate_per_s = 0;                // crash: per instance [1/s]
  uint32_t nodes = 0;                   // node_failure: nodes lost
  std::string file, pointer;            // where it was given ("/faults/<i>")

  double end_s() const { return start_s + duration_s; }
  // End of the window whose outcomes the results report: the fault's own window, or for a node failure (an
  // instant) the kNodeFailureReport_s after it.
  double report_end_s() const {
    return kind == Kind::node_failure ? start_s + kNodeFailureReport_s : end_s();
  }
  static constexpr double kNodeFailureReport_s = 600;
  bool applies_to(const std::string& candidate) const;
  bool active(double t_s) const { return t_s >= start_s && t_s < end_s(); }
  static const char* kind_name(Kind kind);
  std::string label() const;  // "outage 3600-3900 s"
};

// Reads the scenario's "faults" list (throws InputError naming the file and the JSON pointer).
std::vector<FaultSpec> parse_faults(const nlohmann::json& list, const std::string& file);

// Piecewise-constant crash hazard of one instance over time: the sum of the crash faults' rates.
class CrashHazard {
 public:
  CrashHazard() = default;
  // The crash faults of `faults` that apply to `candidate`.
  CrashHazard(const std::vector<FaultSpec>& faults, const std::string& candidate);
  bool enabled() const { return !rates_.empty(); }
  // Expected crashes of one instance over [t0_s, t1_s] (the cumulative hazard).
  double hazard(double t0_s, double t1_s) const;
  // Time at which the cumulative hazard from t0_s reaches `exp1` (an Exp(1) draw): the instance's crash time
  // if it is still alive then; infinity when the hazard never gets there.
  double crash_time(double t0_s, double exp1) const;
  // The fault (index into the run's fault list) whose rate dominates at t_s, for attribution.
  int fault_at(double t_s) const;

 private:
  std::vector<double> breaks_;  // sorted times where the rate changes, breaks_[0] = 0
  std::vector<double> rates_;   // rate on [breaks_[i], breaks_[i+1]) [1/s]
  std::vector<int> owner_;      // the fault with the largest rate on that piece (-1 when none)
};

}  // namespace servesim::sim
