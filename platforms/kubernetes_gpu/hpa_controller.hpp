#pragma once
// The Horizontal Pod Autoscaler's decision for one sync, as in kubernetes/kubernetes
// pkg/controller/podautoscaler (replica_calculator.go and horizontal.go, autoscaling/v2 behaviour):
//   ratio = mean metric of the ready pods / target; no change while |ratio - 1| <= tolerance;
//   desired = ceil(ratio x ready pods); on a scale-up with not-yet-ready pods those count at 0 of the metric
//   (ratio' = sum / (target x (ready + unready)), desired = ceil(ratio' x (ready + unready)), kept at
//   current when ratio' is within tolerance or below 1);
//   then the scale-down stabilisation (the maximum recommendation of the window; the window is seeded with
//   the replica count at the first sync), the scale-up stabilisation (the minimum), the rate policies
//   (up: the larger of +pods and +percent per period; down: -percent per period, both relative to the
//   replica count at the start of the period) and min/max.
#include <cstdint>
#include <vector>

namespace servesim::platforms {

struct HpaPolicy {
  double tolerance = 0.1;                   // [fraction] defaults.go
  uint32_t scale_up_pods = 4;               // [pods per scale_up_period_s] autoscaling/v2 defaults.go
  double scale_up_percent = 100;            // [% per scale_up_period_s]
  double scale_up_period_s = 15;            // [s]
  double scale_up_stabilization_s = 0;      // [s]
  double scale_down_percent = 100;          // [% per scale_down_period_s]
  double scale_down_period_s = 15;          // [s]
  double scale_down_stabilization_s = 300;  // [s]
};

// The metric of one sync: sum over the ready pods, and how many pods are ready and not yet ready.
struct PodMetrics {
  double ready_sum = 0;
  uint32_t ready = 0;
  uint32_t unready = 0;
};

// One ready pod as its metric sees it over the sync window [window_start_s, t_s].
struct PodWindow {
  double ready_since_s = 0;  // when it became ready [s]
  double busy_s = 0;         // time its GPU ran finished batches in the window [s]
  bool on_gpu = false;       // a batch is running now
  double batch_start_s = 0;  // when the running batch started [s]
  uint64_t routed = 0;       // requests routed to it in the window
};

// The pod's metric over the part of the window it was ready: the fraction of that time its GPU ran a batch
// (gpu_utilization, what DCGM's GPU utilisation reports) or the requests routed to it per second. False
// (no value) for a pod that became ready at t_s.
bool pod_window_metric(const PodWindow& pod, double window_start_s, double t_s, bool gpu_utilization,
                       double& value);

class HpaController {
 public:
  explicit HpaController(const HpaPolicy& policy) : p_(policy) {}

  // replica_calculator: the replicas the metric asks for, before behaviour; `current` when it cannot tell
  // (no ready pod) or the change is within tolerance.
  uint32_t metric_replicas(uint32_t current, const PodMetrics& m, double target) const;

  // One sync at now_s: the new replica count (may equal current). Records the recommendation and the scale
  // event. current = the deployment's replicas (pods not being deleted).
  uint32_t sync(double now_s, uint32_t current, const PodMetrics& m, double target, uint32_t min_replicas,
                uint32_t max_replicas);

 private:
  struct Stamped {
    double t_s;
    int64_t value;
  };
  int64_t change_in_period(const std::vector<Stamped>& events, double now_s, double period_s) const;
  uint32_t stabilize(double now_s, uint32_t current, uint32_t desired);
  void forget_old(double now_s);

  HpaPolicy p_;
  bool seeded_ = false;
  std::vector<Stamped> recommendations_;                      // within the longer stabilisation window
  std::vector<Stamped> scale_up_events_, scale_down_events_;  // replicas added/removed, within their period
};

}  // namespace servesim::platforms
