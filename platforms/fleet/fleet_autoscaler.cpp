#include "platforms/fleet/fleet_autoscaler.hpp"

#include <algorithm>
#include <cmath>

namespace servesim::platforms {

FleetAutoscaler::FleetAutoscaler(const FleetAutoscalerSettings& settings) : settings_(settings) {
  if (!enabled()) return;
  // One snapshot per tick over the window (the 1e-9 keeps a window that is a whole number of ticks exact).
  const auto slots = static_cast<size_t>(std::ceil(settings_.window_s / settings_.tick_s - 1e-9));
  window_.assign(std::max<size_t>(slots, 1), Snapshot{0, 0, 0});
}

uint32_t FleetAutoscaler::desired_instances(double t_s, uint32_t max_instances) {
  // window_[window_head_] is the oldest snapshot (one window ago, or the start of the run).
  const Snapshot old = window_[window_head_];
  window_[window_head_] = Snapshot{t_s, in_flight_integral_, cpu_integral_};
  window_head_ = (window_head_ + 1) % window_.size();
  const double span_s = t_s - old.t_s;
  const double in_flight_mean = (in_flight_integral_ - old.in_flight_integral) / span_s;
  const double cpu_mean = (cpu_integral_ - old.cpu_integral) / span_s;
  // The 1e-9 keeps a mean exactly at the target from asking for one instance more through rounding.
  const double by_concurrency =
      std::ceil(in_flight_mean / (settings_.target_concurrency * settings_.concurrency) - 1e-9);
  const double by_cpu = std::ceil(cpu_mean / (settings_.target_cpu * settings_.vcpu) - 1e-9);
  const double desired =
      std::max({by_concurrency, by_cpu, static_cast<double>(settings_.reserved_instances)});
  return static_cast<uint32_t>(std::min(desired, static_cast<double>(max_instances)));
}

}  // namespace servesim::platforms
