#pragma once
// The fleet's autoscaler: how many instances it wants, from two metrics averaged over a sliding window.
//
// Between events the fleet reports its in-flight requests and the vCPU they keep busy (integrate()); every
// tick the autoscaler takes a snapshot of both integrals and compares it with the snapshot one window earlier
// (or the start of the run), so the means are exact time averages over the window:
//   desired = max(ceil(mean in-flight / (target_concurrency x concurrency)),
//                 ceil(mean vCPU in use / (target_cpu x vcpu)), reserved_instances),
// at most max_instances.
//
//   FleetAutoscaler scaler(settings);
//   scaler.integrate(t_s, in_flight, cpu_used_vcpu);   // at every event, with the values before it
//   const uint32_t keep = scaler.desired_instances(tick_s, max_instances);
#include <cstddef>
#include <cstdint>
#include <vector>

namespace servesim::platforms {

struct FleetAutoscalerSettings {
  double tick_s = 0;                // between two decisions [s]; 0 = no autoscaler
  double window_s = 60;             // averaging window of both metrics [s]
  uint32_t concurrency = 1;         // requests one instance serves at once
  double target_concurrency = 0.6;  // target in-flight requests per instance, fraction of concurrency
  double vcpu = 1;                  // [vCPU] per instance
  double target_cpu = 0.6;          // target vCPU in use per instance, fraction of vcpu
  uint32_t reserved_instances = 0;  // the floor
};

class FleetAutoscaler {
 public:
  explicit FleetAutoscaler(const FleetAutoscalerSettings& settings);

  bool enabled() const { return settings_.tick_s > 0; }
  // Since the previous call, in_flight requests were in flight and cpu_used_vcpu vCPU busy, up to t_s.
  // (Inline: the fleet calls it at every event.)
  void integrate(double t_s, double in_flight, double cpu_used_vcpu) {
    if (!enabled()) return;
    const double dt = t_s - integrated_to_s_;
    if (dt <= 0) return;
    in_flight_integral_ += in_flight * dt;
    cpu_integral_ += cpu_used_vcpu * dt;
    integrated_to_s_ = t_s;
  }
  // The decision of the tick at t_s (integrate(t_s, ...) called first): instances wanted, at most
  // max_instances.
  uint32_t desired_instances(double t_s, uint32_t max_instances);

 private:
  struct Snapshot {
    double t_s, in_flight_integral, cpu_integral;
  };

  FleetAutoscalerSettings settings_;
  double integrated_to_s_ = 0;
  double in_flight_integral_ = 0;  // [request x s]
  double cpu_integral_ = 0;        // [vCPU x s]
  std::vector<Snapshot> window_;   // ring of snapshots, one per tick; window_[window_head_] is the oldest
  size_t window_head_ = 0;
};

}  // namespace servesim::platforms
