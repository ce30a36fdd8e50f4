#pragma once
// The Horizontal Pod Autoscaler's decision for the bare Kubernetes loop, in plain C++: the same rules as
// platforms/hpa_controller.hpp (kubernetes pkg/controller/podautoscaler, autoscaling/v2 behaviour): the
// tolerance, not-yet-ready pods counted at 0 on a scale-up, the scale-down stabilisation window seeded with
// the first count, the scale-up window, the +pods/+percent and -percent rate limits per period, min/max.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace servesim::bench {

struct BareHpaPolicy {
  double tolerance = 0.1;
  uint32_t scale_up_pods = 4;
  double scale_up_percent = 100, scale_up_period_s = 15, scale_up_stabilization_s = 0;
  double scale_down_percent = 100, scale_down_period_s = 15, scale_down_stabilization_s = 300;
};

class BareHpa {
 public:
  explicit BareHpa(const BareHpaPolicy& p) : p_(p) {}

  // One sync: the metric summed over the `ready` pods that have one, `unready` pods without; returns the new
  // replica count.
  uint32_t sync(double now_s, uint32_t current, double ready_sum, uint32_t ready, uint32_t unready,
                double target, uint32_t min_replicas, uint32_t max_replicas) {
    const double rec_cutoff_s = now_s - std::max(p_.scale_up_stabilization_s, p_.scale_down_stabilization_s);
    std::erase_if(recs_, [&](const Stamped& r) { return r.t_s <= rec_cutoff_s; });
    const double event_cutoff_s = now_s - std::max(p_.scale_up_period_s, p_.scale_down_period_s);
    std::erase_if(ups_, [&](const Stamped& e) { return e.t_s <= event_cutoff_s; });
    std::erase_if(downs_, [&](const Stamped& e) { return e.t_s <= event_cutoff_s; });
    int64_t desired;
    if (current > max_replicas) {
      desired = max_replicas;
    } else if (current < min_replicas) {
      desired = min_replicas;
    } else {
      if (ready == 0) return current;
      if (!seeded_ && p_.scale_down_stabilization_s > 0) recs_.push_back(Stamped{now_s, current});
      seeded_ = true;
      // Stabilisation: no higher than the lowest recommendation of the scale-up window, no lower than the
      // highest of the scale-down window.
      const int64_t wanted = metric_replicas(current, ready_sum, ready, unready, target);
      int64_t up = wanted, down = wanted;
      for (const Stamped& r : recs_) {
        if (r.t_s > now_s - p_.scale_up_stabilization_s) up = std::min(up, r.value);
        if (r.t_s > now_s - p_.scale_down_stabilization_s) down = std::max(down, r.value);
      }
      desired = std::min(std::max<int64_t>(current, up), down);
      recs_.push_back(Stamped{now_s, wanted});
      // Rate limits, relative to the count at the start of each period.
      const int64_t up_start =
          current - sum(ups_, now_s, p_.scale_up_period_s) + sum(downs_, now_s, p_.scale_up_period_s);
      const int64_t up_limit = std::max<int64_t>(
          {up_start + p_.scale_up_pods,
           static_cast<int64_t>(std::ceil(up_start * (1 + p_.scale_up_percent / 100))), current});
      const int64_t down_start =
          current - sum(ups_, now_s, p_.scale_down_period_s) + sum(downs_, now_s, p_.scale_down_period_s);
      const int64_t down_limit =
          std::min<int64_t>(static_cast<int64_t>(down_start * (1 - p_.scale_down_percent / 100)), current);
      const int64_t max_allowed = std::min<int64_t>(max_replicas, up_limit);
      const int64_t min_allowed = std::max<int64_t>(min_replicas, down_limit);
      if (desired > max_allowed)
        desired = max_allowed;
      else if (desired < min_allowed)
        desired = min_allowed;
    }
    if (desired > current) ups_.push_back(Stamped{now_s, desired - current});
    if (desired < current) downs_.push_back(Stamped{now_s, current - desired});
    return static_cast<uint32_t>(desired);
  }

 private:
  struct Stamped {
    double t_s;
    int64_t value;
  };

  // ceil() of a count computed in floating point (40/3 x 3 gives 40).
  static int64_t ceil_count(double x) {
    return x <= 0 ? 0 : static_cast<int64_t>(std::ceil(x * (1 - 1e-12) - 1e-9));
  }

  int64_t metric_replicas(uint32_t current, double sum, uint32_t ready, uint32_t unready,
                          double target) const {
    const double ratio = sum / (ready * target);
    if (unready == 0 || ratio <= 1.0)
      return std::abs(1.0 - ratio) <= p_.tolerance ? current : ceil_count(ratio * ready);
    const uint32_t counted = ready + unready;  // not-yet-ready pods count at 0 on a scale-up
    const double counted_ratio = sum / (counted * target);
    if (std::abs(1.0 - counted_ratio) <= p_.tolerance || counted_ratio < 1.0) return current;
    return std::max<int64_t>(ceil_count(counted_ratio * counted), current);
  }

  static int64_t sum(const std::vector<Stamped>& events, double now_s, double period_s) {
    int64_t total = 0;
    for (const Stamped& e : events)
      if (e.t_s > now_s - period_s) total += e.value;
    return total;
  }

  BareHpaPolicy p_;
  bool seeded_ = false;
  std::vector<Stamped> recs_, ups_, downs_;
};

}  // namespace servesim::bench
