// FleetAutoscaler: instances wanted from the window means of in-flight requests and vCPU in use. Every figure
// is worked by hand from desired = max(ceil(mean in-flight / (target x concurrency)), ceil(mean vCPU /
// (target x vcpu)), reserved), with means over the last window (or since the start, before one window).
#include "platforms/fleet/fleet_autoscaler.hpp"

#include <catch2/catch.hpp>

using servesim::platforms::FleetAutoscaler;
using servesim::platforms::FleetAutoscalerSettings;

namespace {
// Ticks every 10 s over a 30 s window; 5 requests per instance (10 x 0.5), 0.5 vCPU per instance (1 x 0.5).
FleetAutoscalerSettings settings(uint32_t reserved = 0) {
  return FleetAutoscalerSettings{.tick_s = 10,
                                 .window_s = 30,
                                 .concurrency = 10,
                                 .target_concurrency = 0.5,
                                 .vcpu = 1,
                                 .target_cpu = 0.5,
                                 .reserved_instances = reserved};
}
}  // namespace

TEST_CASE("platforms::FleetAutoscaler: instances wanted from the window means of both metrics") {
  SECTION("a burst enters and leaves the 30 s window") {
    FleetAutoscaler scaler(settings());
    REQUIRE(scaler.enabled());
    // 0-10 s: 25 in flight, 1.2 vCPU. Means since the start: 25 -> 25/5 = 5; 1.2/0.5 = 2.4 -> 3. Wants 5.
    scaler.integrate(10, 25, 1.2);
    CHECK(scaler.desired_instances(10, 100) == 5);
    // 10-20 s: 5 in flight, 2.9 vCPU. Means over 0-20 s: (250 + 50)/20 = 15 -> 3; (12 + 29)/20 = 2.05 ->
    // 4.1 -> 5. The CPU metric wins: 5.
    scaler.integrate(20, 5, 2.9);
    CHECK(scaler.desired_instances(20, 100) == 5);
    // 20-30 s: nothing. Means over 0-30 s: 300/30 = 10 -> 2; 41/30 = 1.367 -> 2.73 -> 3. Wants 3.
    scaler.integrate(30, 0, 0);
    CHECK(scaler.desired_instances(30, 100) == 3);
    // 30-40 s: nothing. The window is 10-40 s: (300 - 250)/30 = 1.67 -> 0.33 -> 1; (41 - 12)/30 = 0.967 ->
    // 1.93 -> 2. Wants 2.
    scaler.integrate(40, 0, 0);
    CHECK(scaler.desired_instances(40, 100) == 2);
    // 40-50 s: nothing. Window 20-50 s: no load at all. Wants 0.
    scaler.integrate(50, 0, 0);
    CHECK(scaler.desired_instances(50, 100) == 0);
  }
  SECTION("a mean exactly at the target asks for no instance more") {
    FleetAutoscaler scaler(settings());
    // 15 in flight / 5 per instance = 3 exactly: 3, not 4.
    scaler.integrate(10, 15, 0);
    CHECK(scaler.desired_instances(10, 100) == 3);
  }
  SECTION("at most max_instances, at least the reserved instances") {
    FleetAutoscaler capped(settings());
    capped.integrate(10, 50, 0);  // 50/5 = 10 wanted
    CHECK(capped.desired_instances(10, 4) == 4);
    FleetAutoscaler floored(settings(/*reserved=*/2));
    floored.integrate(10, 0, 0);
    CHECK(floored.desired_instances(10, 100) == 2);
  }
  SECTION("without a tick there is no autoscaler") {
    FleetAutoscalerSettings off = settings();
    off.tick_s = 0;
    CHECK_FALSE(FleetAutoscaler(off).enabled());
  }
}
