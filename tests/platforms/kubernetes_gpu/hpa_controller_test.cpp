// The HPA's decisions against values computed by hand from the documented algorithm (k8s HPA docs,
// pkg/controller/podautoscaler, autoscaling/v2 default behaviour).
#include "platforms/kubernetes_gpu/hpa_controller.hpp"

#include <catch2/catch.hpp>

using servesim::platforms::HpaController;
using servesim::platforms::HpaPolicy;
using servesim::platforms::PodMetrics;

namespace {
// All pods ready, together carrying `load` units of the metric (the metric per pod is load / pods).
PodMetrics all_ready(uint32_t pods, double load) {
  return PodMetrics{load, pods, 0};
}
}  // namespace

TEST_CASE("platforms::HpaController: a step up and down in load with the default behaviour") {
  HpaController hpa{HpaPolicy{}};  // tolerance 0.1, up max(+4, +100%)/15 s, down -100%/15 s, 300 s window
  const double target = 1;         // one unit per pod
  const uint32_t min = 1, max = 30;
  uint32_t n = 1;
  std::vector<uint32_t> seen;
  // Load 40 units from t = 15 s: desired = ceil(n x (40/n)/1) = 40 at every sync.
  for (double t = 15; t <= 75; t += 15) {
    n = hpa.sync(t, n, all_ready(n, 40), target, min, max);
    seen.push_back(n);
  }
  // 1 -> max(1+4, 2) = 5 -> max(5+4, 10) = 10 -> max(14, 20) = 20 -> max(24, 40) = 40, capped at 30 -> 30.
  CHECK(seen == std::vector<uint32_t>{5, 10, 20, 30, 30});
  // Load 3 units from t = 90 s: desired = ceil(30 x 0.1) = 3, but the scale-down stabilisation keeps the
  // maximum recommendation of the last 300 s (strictly after now - 300): the 40 recommended at t = 75 s
  // leaves the window at t = 375 s.
  for (double t = 90; t <= 360; t += 15) {
    n = hpa.sync(t, n, all_ready(n, 3), target, min, max);
    INFO("t = " << t);
    CHECK(n == 30);
  }
  n = hpa.sync(375, n, all_ready(n, 3), target, min, max);
  CHECK(n == 3);  // -100% per 15 s allows it in one step
}

TEST_CASE("platforms::HpaController: tolerance, not-yet-ready pods and limits") {
  HpaController hpa{HpaPolicy{}};
  SECTION("no change while |ratio - 1| <= 0.1") {
    CHECK(hpa.metric_replicas(10, all_ready(10, 10.5), 1) == 10);  // ratio 1.05
    CHECK(hpa.metric_replicas(10, all_ready(10, 9.5), 1) == 10);   // ratio 0.95
    CHECK(hpa.metric_replicas(10, all_ready(10, 12), 1) == 12);    // ratio 1.2 -> ceil(10 x 1.2)
    CHECK(hpa.metric_replicas(10, all_ready(10, 7), 1) == 7);      // ratio 0.7
  }
  SECTION("on a scale-up, not-yet-ready pods count at 0 of the metric") {
    // 2 ready pods at 3 each (ratio 3), 2 not ready: ratio' = 6 / (1 x 4) = 1.5 -> ceil(1.5 x 4) = 6
    // (the docs' plain formula would give ceil(4 x 3) = 12).
    CHECK(hpa.metric_replicas(4, PodMetrics{6, 2, 2}, 1) == 6);
    // 2 ready at 2 each, 2 not ready: ratio' = 4/4 = 1 -> within tolerance -> keep 4.
    CHECK(hpa.metric_replicas(4, PodMetrics{4, 2, 2}, 1) == 4);
  }
  SECTION("no ready pod, no metric: no change") {
    CHECK(hpa.metric_replicas(3, PodMetrics{0, 0, 3}, 1) == 3);
    CHECK(hpa.sync(15, 3, PodMetrics{0, 0, 3}, 1, 1, 10) == 3);
  }
  SECTION("min and max replicas") {
    CHECK(hpa.sync(15, 12, all_ready(12, 12), 1, 1, 10) == 10);  // above max: to max
    HpaController other{HpaPolicy{}};
    CHECK(other.sync(15, 1, all_ready(1, 1), 1, 3, 10) == 3);  // below min: to min
  }
}

TEST_CASE("platforms::pod_window_metric: one pod's metric over the part of the sync window it was ready") {
  using servesim::platforms::pod_window_metric;
  using servesim::platforms::PodWindow;
  double value = -1;
  SECTION("GPU utilisation of a pod ready for the whole window") {
    // Window 0-15 s; 6 s of finished batches: 6/15 = 0.4.
    REQUIRE(pod_window_metric(PodWindow{.busy_s = 6}, 0, 15, true, value));
    CHECK(value == Approx(0.4).epsilon(1e-12));
  }
  SECTION("a pod that became ready mid-window counts only its ready time, and its running batch up to now") {
    // Window 15-30 s, ready at 20 s: 10 s ready. 2 s of finished batches, plus a batch on the GPU since
    // 27 s: 3 s more. (2 + 3)/10 = 0.5.
    REQUIRE(
        pod_window_metric(PodWindow{.ready_since_s = 20, .busy_s = 2, .on_gpu = true, .batch_start_s = 27},
                          15, 30, true, value));
    CHECK(value == Approx(0.5).epsilon(1e-12));
  }
  SECTION("a batch that started before the window counts from the window's start") {
    // Window 15-30 s, batch running since 10 s: busy the whole 15 s window, 15/15 = 1.
    REQUIRE(pod_window_metric(PodWindow{.on_gpu = true, .batch_start_s = 10}, 15, 30, true, value));
    CHECK(value == Approx(1.0).epsilon(1e-12));
  }
  SECTION("requests per pod: requests routed per second of ready time") {
    // 45 requests over 15 s: 3 per second.
    REQUIRE(pod_window_metric(PodWindow{.routed = 45}, 0, 15, false, value));
    CHECK(value == Approx(3.0).epsilon(1e-12));
  }
  SECTION("a pod ready only now has no value") {
    CHECK_FALSE(pod_window_metric(PodWindow{.ready_since_s = 30}, 15, 30, true, value));
  }
}
