#include "platforms/kubernetes_gpu/hpa_controller.hpp"

#include <algorithm>
#include <cmath>

namespace servesim::platforms {

namespace {
// ceil() of a replica count computed in floating point: 40/3 x 3 must give 40, not 41.
uint32_t ceil_count(double x) {
  if (x <= 0) return 0;
  return static_cast<uint32_t>(std::ceil(x * (1 - 1e-12) - 1e-9));
}
}  // namespace

bool pod_window_metric(const PodWindow& pod, double window_start_s, double t_s, bool gpu_utilization,
                       double& value) {
  const double window_s = t_s - std::max(window_start_s, pod.ready_since_s);
  if (window_s <= 0) return false;
  if (gpu_utilization) {
    double busy_s = pod.busy_s;
    // The batch on the GPU counts up to now (its part in this window).
    if (pod.on_gpu) busy_s += t_s - std::max(pod.batch_start_s, window_start_s);
    value = busy_s / window_s;
  } else {
    value = static_cast<double>(pod.routed) / window_s;
  }
  return true;
}

uint32_t HpaController::metric_replicas(uint32_t current, const PodMetrics& m, double target) const {
  if (m.ready == 0) return current;  // no metric: the controller does not scale
  const double ratio = m.ready_sum / (m.ready * target);
  const bool scale_up_with_unready = m.unready > 0 && ratio > 1.0;
  if (!scale_up_with_unready) {
    if (std::abs(1.0 - ratio) <= p_.tolerance) return current;
    return ceil_count(ratio * m.ready);
  }
  // Not-yet-ready pods count at 0 of the metric, which dampens the scale-up.
  const uint32_t counted = m.ready + m.unready;
  const double new_ratio = m.ready_sum / (counted * target);
  if (std::abs(1.0 - new_ratio) <= p_.tolerance || new_ratio < 1.0) return current;
  const uint32_t desired = ceil_count(new_ratio * counted);
  return desired < current ? current : desired;
}

int64_t HpaController::change_in_period(const std::vector<Stamped>& events, double now_s,
                                        double period_s) const {
  int64_t sum = 0;
  for (const auto& e : events)
    if (e.t_s > now_s - period_s) sum += e.value;  // strictly after the cutoff, as in horizontal.go
  return sum;
}

void HpaController::forget_old(double now_s) {
  const double rec_cutoff_s = now_s - std::max(p_.scale_up_stabilization_s, p_.scale_down_stabilization_s);
  std::erase_if(recommendations_, [&](const Stamped& r) { return r.t_s <= rec_cutoff_s; });
  const double event_cutoff_s = now_s - std::max(p_.scale_up_period_s, p_.scale_down_period_s);
  std::erase_if(scale_up_events_, [&](const Stamped& e) { return e.t_s <= event_cutoff_s; });
  std::erase_if(scale_down_events_, [&](const Stamped& e) { return e.t_s <= event_cutoff_s; });
}

uint32_t HpaController::stabilize(double now_s, uint32_t current, uint32_t desired) {
  int64_t up = desired, down = desired;
  for (const auto& r : recommendations_) {
    if (r.t_s > now_s - p_.scale_up_stabilization_s) up = std::min(up, r.value);
    if (r.t_s > now_s - p_.scale_down_stabilization_s) down = std::max(down, r.value);
  }
  int64_t recommendation = current;
  if (recommendation < up) recommendation = up;
  if (recommendation > down) recommendation = down;
  recommendations_.push_back(Stamped{now_s, desired});
  return static_cast<uint32_t>(recommendation);
}

uint32_t HpaController::sync(double now_s, uint32_t current, const PodMetrics& m, double target,
                             uint32_t min_replicas, uint32_t max_replicas) {
  forget_old(now_s);
  uint32_t desired;
  if (current > max_replicas) {
    desired = max_replicas;
  } else if (current < min_replicas) {
    desired = min_replicas;
  } else {
    if (m.ready == 0) return current;  // no metric this sync: no recommendation, no change
    if (!seeded_ && p_.scale_down_stabilization_s > 0)
      recommendations_.push_back(Stamped{now_s, current});  // maybeInitScaleDownStabilizationWindow
    seeded_ = true;
    const uint32_t stabilized = stabilize(now_s, current, metric_replicas(current, m, target));

    // Rate policies, relative to the replica count at the start of each period.
    const int64_t up_start = current - change_in_period(scale_up_events_, now_s, p_.scale_up_period_s) +
                             change_in_period(scale_down_events_, now_s, p_.scale_up_period_s);
    int64_t up_limit =
        std::max<int64_t>(up_start + p_.scale_up_pods,
                          static_cast<int64_t>(std::ceil(up_start * (1 + p_.scale_up_percent / 100))));
    up_limit = std::max<int64_t>(up_limit, current);
    const int64_t max_allowed = std::min<int64_t>(max_replicas, up_limit);
    const int64_t down_start = current - change_in_period(scale_up_events_, now_s, p_.scale_down_period_s) +
                               change_in_period(scale_down_events_, now_s, p_.scale_down_period_s);
    int64_t down_limit = static_cast<int64_t>(down_start * (1 - p_.scale_down_percent / 100));
    down_limit = std::min<int64_t>(down_limit, current);
    const int64_t min_allowed = std::max<int64_t>(min_replicas, down_limit);
    desired = stabilized;
    if (desired > max_allowed)
      desired = static_cast<uint32_t>(max_allowed);
    else if (desired < min_allowed)
      desired = static_cast<uint32_t>(min_allowed);
  }
  if (desired > current) scale_up_events_.push_back(Stamped{now_s, int64_t{desired} - current});
  if (desired < current) scale_down_events_.push_back(Stamped{now_s, int64_t{current} - desired});
  return desired;
}

}  // namespace servesim::platforms
