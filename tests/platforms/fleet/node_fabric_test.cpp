// The ring all-reduce simulated on a node's GPU links (platforms/fleet/node_fabric.hpp), against times worked
// by hand. A ring of tp GPUs runs 2 (tp - 1) steps; in each, every GPU sends S / tp bytes to the next one, so
// a step lasts the route's latency + (S / tp) / (the rate max-min sharing gives each flow).
#include "platforms/fleet/node_fabric.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <simgrid/s4u.hpp>
#include <stdexcept>

#include "llm_test_setup.hpp"
#include "platforms/fleet/llm_timing.hpp"
#include "sim/engine.hpp"

namespace {
using namespace servesim::platforms;

constexpr double kBytes = 8.4e6;  // S: divisible by 2, 4 and 8

// GPU links of 100 GB/s per direction and 1 us each: 2 us from GPU to GPU.
NodeFabric switch_100() {
  return NodeFabric{.kind = NodeFabric::Kind::nvswitch, .gpu_link_gb_per_s = 100, .gpu_link_latency_s = 1e-6};
}

// The same GPUs on PCIe, every GPU-to-GPU flow crossing one 50 GB/s host bridge.
NodeFabric shared_bridge_50() {
  return NodeFabric{.kind = NodeFabric::Kind::pcie,
                    .gpu_link_gb_per_s = 100,
                    .gpu_link_latency_s = 1e-6,
                    .host_bridge_gb_per_s = 50};
}

}  // namespace

TEST_CASE(
    "platforms::NodeFabric: a ring on a non-blocking switch takes 2 (tp-1)/tp x S / B + 2 (tp-1) x latency") {
  SECTION("2 GPUs") {
    // 2 steps of 2 us + 4.2 MB / 100 GB/s = 44 us: 88 us (= 1 x 8.4 MB / 100 GB/s + 2 x 2 us).
    CHECK(probe_ring_allreduce_s(switch_100(), 2, kBytes) == Approx(88e-6).epsilon(1e-9));
  }
  SECTION("8 GPUs") {
    // 14 steps of 2 us + 1.05 MB / 100 GB/s = 12.5 us: 175 us (= 14/8 x 84 us + 14 x 2 us).
    CHECK(probe_ring_allreduce_s(switch_100(), 8, kBytes) == Approx(175e-6).epsilon(1e-9));
  }
}

TEST_CASE("platforms::NodeFabric: a host bridge that every ring flow crosses bounds the all-reduce") {
  SECTION("all 4 flows share the bridge") {
    // 4 flows on 50 GB/s: 12.5 GB/s each (below the GPU links' 100). 6 steps of 2 us + 2.1 MB / 12.5 GB/s =
    // 170 us: 1,020 us, against 2 x 3/4 x 84 us + 6 x 2 us = 75 us if each GPU had its own 100 GB/s.
    CHECK(probe_ring_allreduce_s(shared_bridge_50(), 4, kBytes) == Approx(1020e-6).epsilon(1e-9));
  }
  SECTION("two GPUs per PCIe switch: only the flows between switches share the bridge") {
    // Switches {0, 1} and {2, 3}: flows 0->1 and 2->3 stay in their switch at 100 GB/s; 1->2 and 3->0 share
    // the bridge at 25 GB/s each. Every GPU sends or receives on a slow flow, so each step lasts
    // 2 us + 2.1 MB / 25 GB/s = 86 us: 516 us.
    NodeFabric f = shared_bridge_50();
    f.gpus_per_switch = 2;
    f.switch_uplink_gb_per_s = 100;
    CHECK(probe_ring_allreduce_s(f, 4, kBytes) == Approx(516e-6).epsilon(1e-9));
  }
}

TEST_CASE("platforms::NodeFabric: the fit alpha + bytes / beta is exact and cached") {
  SECTION("non-blocking switch, 8 GPUs") {
    // alpha = 14 x 2 us; beta = 100 GB/s x 8 / 14.
    const AllReduceCost c = switch_100().allreduce_cost(8);
    CHECK(c.alpha_s == Approx(28e-6).epsilon(1e-6));
    CHECK(c.bytes_per_s == Approx(100e9 * 8 / 14).epsilon(1e-9));
    CHECK(c.fit_residual < 1e-9);
    CHECK(c.time_s(kBytes) == Approx(175e-6).epsilon(1e-9));
  }
  SECTION("shared bridge, 4 GPUs") {
    // 6 steps of 2 us + (S / 4) / 12.5 GB/s: alpha 12 us, beta 50 GB/s / 6.
    const AllReduceCost c = shared_bridge_50().allreduce_cost(4);
    CHECK(c.alpha_s == Approx(12e-6).epsilon(1e-6));
    CHECK(c.bytes_per_s == Approx(50e9 / 6).epsilon(1e-9));
    CHECK(c.fit_residual < 1e-9);
  }
  SECTION("a second look-up runs no probe") {
    const AllReduceCost first = switch_100().allreduce_cost(4);
    const uint64_t probes = allreduce_probes();
    const AllReduceCost again = switch_100().allreduce_cost(4);
    CHECK(allreduce_probes() == probes);
    CHECK(again.alpha_s == first.alpha_s);
    CHECK(again.bytes_per_s == first.bytes_per_s);
  }
}

TEST_CASE("platforms::NodeFabric: one GPU, or no GPU links, costs nothing and probes nothing") {
  const uint64_t probes = allreduce_probes();
  CHECK(switch_100().allreduce_cost(1).time_s(kBytes) == 0);
  CHECK(NodeFabric{}.allreduce_cost(8).time_s(kBytes) == 0);
  CHECK(probe_ring_allreduce_s(switch_100(), 1, kBytes) == 0);
  CHECK(allreduce_probes() == probes);
}

TEST_CASE("platforms::NodeFabric: a check without probes answers only what is cached") {
  // A fabric no other test probes (3 us links): under NoAllReduceProbes it costs nothing and runs no probe;
  // afterwards it is probed as usual, and a later check finds it cached.
  const NodeFabric fabric{
      .kind = NodeFabric::Kind::nvswitch, .gpu_link_gb_per_s = 100, .gpu_link_latency_s = 3e-6};
  const uint64_t probes = allreduce_probes();
  {
    const NoAllReduceProbes check;
    CHECK(fabric.allreduce_cost(4).time_s(kBytes) == 0);
    CHECK(allreduce_probes() == probes);
  }
  const double probed = fabric.allreduce_cost(4).time_s(kBytes);
  CHECK(probed > 0);
  CHECK(allreduce_probes() == probes + 3);
  const NoAllReduceProbes check;
  CHECK(fabric.allreduce_cost(4).time_s(kBytes) == probed);
}

TEST_CASE("platforms::NodeFabric: a probe after a long simulation gives the same time") {
  // SimGrid's clock never restarts: move it 10^7 s on (a four-month simulation) and probe again. The probe
  // runs slowed down 10^6 times, so the clock's rounding (about 2e-9 s at 10^7 s) stays far below its
  // microseconds: the two times agree to 1e-12.
  const double before_s = probe_ring_allreduce_s(switch_100(), 8, kBytes);
  servesim::sim::run_side_simulation([] {
    auto* zone = simgrid::s4u::create_full_zone("clock");
    simgrid::s4u::Host* host = zone->create_host("idle", 1e9)->seal();
    zone->seal();
    simgrid::s4u::Actor::create("sleeper", host, [] { simgrid::s4u::this_actor::sleep_for(1e7); });
  });
  CHECK(simgrid::s4u::Engine::get_clock() >= 1e7);
  CHECK(probe_ring_allreduce_s(switch_100(), 8, kBytes) == Approx(before_s).epsilon(1e-12));
}

TEST_CASE("platforms::NodeFabric: a link without bandwidth is refused rather than simulated forever") {
  NodeFabric f = shared_bridge_50();
  f.gpus_per_switch = 2;  // switches, but no uplink rate
  CHECK_THROWS_AS(probe_ring_allreduce_s(f, 4, kBytes), std::invalid_argument);
  NodeFabric none = switch_100();
  none.gpu_link_gb_per_s = 0;
  CHECK_THROWS_AS(probe_ring_allreduce_s(none, 2, kBytes), std::invalid_argument);
}

TEST_CASE("platforms::NodeFabric: a probe inside a running simulation is refused") {
  // SimGrid runs one engine at a time: a probe must run before the main simulation, never inside it.
  NodeFabric f = switch_100();
  f.gpu_link_latency_s = 3e-6;  // a key not probed yet
  CHECK_THROWS_AS(servesim::sim::run_side_simulation([&] { f.allreduce_cost(2); }), std::logic_error);
  CHECK(f.allreduce_cost(2).alpha_s == Approx(2 * 6e-6).epsilon(1e-6));  // and works once outside
}

TEST_CASE("platforms::NodeFabric: an iteration adds two all-reduces per layer") {
  using servesim::test_llm::h100;
  using servesim::test_llm::ideal;
  using servesim::test_llm::llama8b;
  LlmReplicaParams solo = ideal();
  solo.tensor_parallel = 2;
  LlmReplicaParams linked = solo;
  linked.fabric = NodeFabric::nvswitch(450);
  const LlmTiming without(llama8b(), h100(), solo), with(llama8b(), h100(), linked);
  // One decode token: 4,096 x 2 B = 8,192 B per all-reduce. On 450 GB/s links of 0.235 us each, 2 GPUs:
  // 2 steps of 0.47 us + 4,096 B / 450 GB/s, i.e. 0.94 us + 8,192 B / 450 GB/s = 0.9582 us, plus the 10 us
  // of launch and synchronisation; 2 x 32 layers of it: 701.3 us.
  const double per_allreduce_s = 10e-6 + 0.94e-6 + 8192 / 450e9;
  CHECK(with.allreduce_s(1) == Approx(per_allreduce_s).epsilon(1e-6));
  CHECK(with.iteration_s(0, 0, 1, 100) - without.iteration_s(0, 0, 1, 100) ==
        Approx(64 * per_allreduce_s).epsilon(1e-6));
  CHECK(without.allreduce_s(1) == 0);
}

// Not run by default (hidden tag): prints the figures of docs/models/llm-serving.md, "Tensor parallelism".
//   build/tests/platforms/fleet/test_platforms "[.allreduce-table]"
TEST_CASE("platforms::NodeFabric: the all-reduce table of the documentation", "[.allreduce-table]") {
  struct Row {
    const char* node;
    NodeFabric fabric;
  };
  NodeFabric bridge4 = NodeFabric::pcie(32), bridge5 = NodeFabric::pcie(64);
  bridge4.host_bridge_gb_per_s = 32;
  bridge5.host_bridge_gb_per_s = 64;
  const Row rows[] = {{"p4d/p4de (A100, NVSwitch 300 GB/s)", NodeFabric::nvswitch(300)},
                      {"p5/p5e (H100/H200, NVSwitch 450 GB/s)", NodeFabric::nvswitch(450)},
                      {"PCIe Gen4 x16, own links (calibration)", NodeFabric::pcie(32)},
                      {"PCIe Gen4 x16, one 32 GB/s host bridge", bridge4},
                      {"PCIe Gen5 x16, own links", NodeFabric::pcie(64)},
                      {"PCIe Gen5 x16, one 64 GB/s host bridge", bridge5}};
  // Hidden states of one decode token and of an 8,192-token prefill chunk of a hidden-8,192 model at 16 bits.
  const double sizes_bytes[] = {8192.0 * 2, 8192.0 * 8192 * 2};
  for (const Row& row : rows)
    for (uint32_t tp : {2u, 4u, 8u}) {
      const auto t0 = std::chrono::steady_clock::now();
      const AllReduceCost c = row.fabric.allreduce_cost(tp);
      const double fit_ms =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1e3;
      std::printf("%s tp %u: alpha %.3f us, beta %.2f GB/s, residual %.1e, fit %.2f ms", row.node, tp,
                  c.alpha_s * 1e6, c.bytes_per_s / 1e9, c.fit_residual, fit_ms);
      for (double s : sizes_bytes) {
        const double before_s = 2.0 * (tp - 1) / tp * s / (row.fabric.gpu_link_gb_per_s * 1e9);
        std::printf(" | %.0f B: %.3f us (closed form %.3f us)", s, c.time_s(s) * 1e6, before_s * 1e6);
      }
      // nccl-tests' bus bandwidth of a 1 GiB all-reduce, with the 10 us per call of LlmReplicaParams.
      const double gib = 1073741824.0, call_s = 10e-6 + c.time_s(gib);
      std::printf(" | busbw at 1 GiB %.1f GB/s, 8 B %.2f us\n", gib / call_s * 2.0 * (tp - 1) / tp / 1e9,
                  (10e-6 + c.time_s(8)) * 1e6);
    }
}
