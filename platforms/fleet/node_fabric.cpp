#include "platforms/fleet/node_fabric.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <simgrid/s4u.hpp>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/json_fields.hpp"
#include "sim/engine.hpp"

namespace servesim::platforms {
namespace sg4 = simgrid::s4u;

namespace {

std::atomic<uint64_t> probe_count{0};

// A GPU-to-GPU message crosses two GPU links, each with half of the per-step latency of NCCL's own cost model
// for a ring (src/graph/tuning.cc, hwLat, ring with the LL protocol that small messages use): 0.47 us on
// NVLink, 1.0 us on PCIe.
constexpr double kNvlinkLatencyS = 0.47e-6 / 2;
constexpr double kPcieLatencyS = 1.0e-6 / 2;

// SimGrid's clock is process-wide and never restarts, so a probe run after a long simulation starts at a
// large date whose rounding (about 1e-16 of it) would show in microsecond-long probes. The probe runs slowed
// down by this factor instead (bandwidths divided, latencies multiplied: every date of a max-min schedule
// scales with it, SimGrid's TCP-window bound too) and its time is divided back.
constexpr double kSlowdown = 1e6;

// Probe sizes: multiples of 840 (divisible by every tp from 1 to 8) so that each chunk is whole bytes.
constexpr double kProbeBytes[] = {840.0 * 64, 840.0 * 1024, 840.0 * 16384};

// The node as a SimGrid zone: one host per GPU; each GPU an outgoing and an incoming link (full duplex); on a
// PCIe node with switches, each switch an uplink per direction; the host bridge one link shared by both
// directions.
std::vector<sg4::Host*> build_node(const NodeFabric& f, uint32_t gpus) {
  auto* zone = sg4::create_full_zone("node");
  auto link = [&](const std::string& name, double gb_per_s, double latency_s) {
    return zone->create_link(name, gb_per_s * 1e9 / kSlowdown)->set_latency(latency_s * kSlowdown)->seal();
  };
  std::vector<sg4::Host*> hosts;
  std::vector<sg4::Link*> out, in;
  for (uint32_t g = 0; g < gpus; ++g) {
    hosts.push_back(zone->create_host("gpu" + std::to_string(g), 1e9)->seal());
    out.push_back(link("gpu" + std::to_string(g) + "-out", f.gpu_link_gb_per_s, f.gpu_link_latency_s));
    in.push_back(link("gpu" + std::to_string(g) + "-in", f.gpu_link_gb_per_s, f.gpu_link_latency_s));
  }
  const bool pcie = f.kind == NodeFabric::Kind::pcie;
  const uint32_t per_switch = pcie && f.gpus_per_switch > 0 ? f.gpus_per_switch : gpus;
  const uint32_t switches = (gpus + per_switch - 1) / per_switch;
  std::vector<sg4::Link*> up, down;
  if (pcie && f.gpus_per_switch > 0)
    for (uint32_t s = 0; s < switches; ++s) {
      up.push_back(link("switch" + std::to_string(s) + "-up", f.switch_uplink_gb_per_s, 0));
      down.push_back(link("switch" + std::to_string(s) + "-down", f.switch_uplink_gb_per_s, 0));
    }
  sg4::Link* bridge =
      pcie && f.host_bridge_gb_per_s > 0 ? link("host-bridge", f.host_bridge_gb_per_s, 0) : nullptr;
  for (uint32_t a = 0; a < gpus; ++a)
    for (uint32_t b = 0; b < gpus; ++b) {
      if (a == b) continue;
      std::vector<sg4::LinkInRoute> route{sg4::LinkInRoute(out[a])};
      const bool same_switch = pcie && f.gpus_per_switch > 0 && a / per_switch == b / per_switch;
      if (pcie && !same_switch) {
        // Through the root complex: up the switch tier (if any), across the bridge, down to the other GPU.
        if (!up.empty()) route.emplace_back(up[a / per_switch]);
        if (bridge) route.emplace_back(bridge);
        if (!down.empty()) route.emplace_back(down[b / per_switch]);
      }
      route.emplace_back(in[b]);
      zone->add_route(hosts[a]->get_netpoint(), hosts[b]->get_netpoint(), nullptr, nullptr, route, false);
    }
  zone->seal();
  return hosts;
}

// One GPU of the ring: 2 (tp - 1) steps, each sending a chunk to the next GPU and receiving one from the
// previous at once; the next step starts when both are done (the chunk received is reduced or kept).
class RingMember {
 public:
  RingMember(uint32_t rank, uint32_t tp, uint64_t chunk_bytes)
      : rank_(rank), tp_(tp), chunk_bytes_(chunk_bytes) {}
  void operator()() const {
    sg4::Mailbox* mine = sg4::Mailbox::by_name("ring-" + std::to_string(rank_));
    sg4::Mailbox* next = sg4::Mailbox::by_name("ring-" + std::to_string((rank_ + 1) % tp_));
    static int chunk = 0;  // the payload is not read: only its simulated size matters
    for (uint32_t step = 0; step < 2 * (tp_ - 1); ++step) {
      sg4::CommPtr send = next->put_async(&chunk, chunk_bytes_);
      int* received = nullptr;
      sg4::CommPtr receive = mine->get_async(&received);
      send->wait();
      receive->wait();
    }
  }

 private:
  uint32_t rank_, tp_;
  uint64_t chunk_bytes_;
};

struct FitCache {
  std::mutex mutex;
  std::map<std::pair<std::string, uint32_t>, AllReduceCost> fits;
};

FitCache& fit_cache() {
  static FitCache cache;
  return cache;
}

}  // namespace

NodeFabric NodeFabric::nvswitch(double gpu_link_gb_per_s) {
  return NodeFabric{
      .kind = Kind::nvswitch, .gpu_link_gb_per_s = gpu_link_gb_per_s, .gpu_link_latency_s = kNvlinkLatencyS};
}

NodeFabric NodeFabric::pcie(double gpu_link_gb_per_s) {
  return NodeFabric{
      .kind = Kind::pcie, .gpu_link_gb_per_s = gpu_link_gb_per_s, .gpu_link_latency_s = kPcieLatencyS};
}

std::string NodeFabric::key() const {
  return std::string(kind == Kind::nvswitch ? "nvswitch" : "pcie") + "/" +
         core::quote_number(gpu_link_gb_per_s) + "/" + core::quote_number(gpu_link_latency_s) + "/" +
         std::to_string(gpus_per_switch) + "/" + core::quote_number(switch_uplink_gb_per_s) + "/" +
         core::quote_number(host_bridge_gb_per_s);
}

double probe_ring_allreduce_s(const NodeFabric& fabric, uint32_t tp, double bytes) {
  if (tp <= 1) return 0;
  // Internal invariants: the catalogue and the callers give positive rates (a zero-rate link never ends).
  if (fabric.gpu_link_gb_per_s <= 0 || (fabric.kind == NodeFabric::Kind::pcie && fabric.gpus_per_switch > 0 &&
                                        fabric.switch_uplink_gb_per_s <= 0))
    throw std::invalid_argument("expected positive GPU link and switch uplink rates, got " + fabric.key());
  ++probe_count;
  const auto chunk_bytes = static_cast<uint64_t>(std::llround(bytes / tp));
  double start_s = 0, end_s = 0;
  sim::run_side_simulation([&] {
    const std::vector<sg4::Host*> gpus = build_node(fabric, tp);
    for (uint32_t r = 0; r < tp; ++r)
      sg4::Actor::create("gpu" + std::to_string(r), gpus[r], RingMember(r, tp, chunk_bytes));
    start_s = sg4::Engine::get_clock();  // the clock is process-wide: the run's length is a difference
  });
  end_s = sg4::Engine::get_clock();
  return (end_s - start_s) / kSlowdown;
}

namespace {
thread_local bool no_probes = false;  // a NoAllReduceProbes lives on this thread
}  // namespace

NoAllReduceProbes::NoAllReduceProbes() : was_(no_probes) {
  no_probes = true;
}

NoAllReduceProbes::~NoAllReduceProbes() {
  no_probes = was_;
}

AllReduceCost NodeFabric::allreduce_cost(uint32_t tp) const {
  if (tp <= 1 || gpu_link_gb_per_s <= 0) return {};
  if (tp > 64) throw std::invalid_argument("expected at most 64 GPUs in a ring, got " + std::to_string(tp));
  FitCache& cache = fit_cache();
  const std::pair<std::string, uint32_t> k{key(), tp};
  {
    const std::lock_guard<std::mutex> lock(cache.mutex);
    const auto it = cache.fits.find(k);
    if (it != cache.fits.end()) return it->second;
  }
  if (no_probes) return {};  // a check only (NoAllReduceProbes)
  // Least squares of time on bytes over the probes; for a ring under max-min sharing every step lasts
  // latency + chunk / rate with rates that do not depend on the chunk, so the line is exact.
  double sx = 0, sy = 0, sxx = 0, sxy = 0, y[3] = {};
  constexpr double n = 3;
  for (int i = 0; i < 3; ++i) {
    const double x = kProbeBytes[i];
    y[i] = probe_ring_allreduce_s(*this, tp, x);
    sx += x;
    sy += y[i];
    sxx += x * x;
    sxy += x * y[i];
  }
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  AllReduceCost cost{.alpha_s = (sy - slope * sx) / n, .bytes_per_s = 1.0 / slope};
  for (int i = 0; i < 3; ++i)
    cost.fit_residual = std::max(cost.fit_residual, std::abs(cost.time_s(kProbeBytes[i]) - y[i]) / y[i]);
  const std::lock_guard<std::mutex> lock(cache.mutex);
  return cache.fits.emplace(k, cost).first->second;
}

uint64_t allreduce_probes() {
  return probe_count.load();
}

}  // namespace servesim::platforms
