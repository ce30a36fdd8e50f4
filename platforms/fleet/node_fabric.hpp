#pragma once
// The GPUs of one node and the links between them, and what a ring all-reduce over `tp` of them costs
// (docs/models/llm-serving.md, "Tensor parallelism"). The cost comes from SimGrid: the node is built as a
// SimGrid platform (one host per GPU, one link per GPU and direction, plus the PCIe switches' uplinks and the
// host bridge on PCIe nodes) and a ring all-reduce runs on it as actors exchanging chunks, in a short
// simulation of its own (sim::run_side_simulation) before the main run. Three message sizes are probed per
// (fabric, tp) and fitted to time = alpha + bytes / beta, cached for the process.
//   const AllReduceCost cost = NodeFabric::nvswitch(450).allreduce_cost(8);  // probed once, then cached
//   double t_s = cost.time_s(tokens * hidden * 2.0);
#include <cstdint>
#include <string>

namespace servesim::platforms {

// A ring all-reduce of `bytes` (each GPU's buffer): time = alpha_s + bytes / bytes_per_s.
struct AllReduceCost {
  double alpha_s = 0;       // the links' latencies over the 2 (tp - 1) steps [s]
  double bytes_per_s = 0;   // 0: no all-reduce (tp = 1, or no GPU links given) [B/s]
  double fit_residual = 0;  // largest |probe - fit| / probe over the probes (0 for an exact line)
  double time_s(double bytes) const { return bytes_per_s > 0 ? alpha_s + bytes / bytes_per_s : 0; }
};

struct NodeFabric {
  enum class Kind { nvswitch, pcie };
  Kind kind = Kind::nvswitch;
  // Per GPU and direction: its NVLink lanes to the NVSwitch fabric, or its PCIe x16 link [GB/s]; 0 = none
  // (a one-GPU node: no tensor parallelism modelled).
  double gpu_link_gb_per_s = 0;
  double gpu_link_latency_s = 0;  // each GPU link, crossed twice from GPU to GPU (out, then in) [s]
  // pcie: GPUs behind one PCIe switch, in order (0: each GPU's link ends at the host bridge).
  uint32_t gpus_per_switch = 0;
  double switch_uplink_gb_per_s = 0;  // pcie: a switch's link to the host bridge, per direction [GB/s]
  // pcie: the host bridge (CPU root complex) as one link that every flow between switches, in both
  // directions, shares [GB/s]; 0: not a bottleneck.
  double host_bridge_gb_per_s = 0;

  // Link latencies from NCCL's ring cost model (docs/models/llm-serving.md): NVLink + NVSwitch 0.235 us per
  // GPU link, PCIe 0.5 us; no switch tier, no host-bridge limit.
  static NodeFabric nvswitch(double gpu_link_gb_per_s);
  static NodeFabric pcie(double gpu_link_gb_per_s);
  // Cache key: every field.
  std::string key() const;
  // The fitted cost of a ring over GPUs 0..tp-1, probed on first use and cached process-wide (one entry per
  // key and tp). tp <= 1 or no GPU link: zero. Throws std::invalid_argument when tp is above 64.
  AllReduceCost allreduce_cost(uint32_t tp) const;
};

// One SimGrid run: a ring all-reduce of `bytes` on GPUs 0..tp-1 of `fabric` (reduce-scatter then all-gather,
// 2 (tp - 1) steps, each GPU sending bytes / tp to the next and receiving from the previous at once, a step
// after both are done). Returns its duration [s]. Throws std::invalid_argument when a GPU link, or a switch
// uplink where there are switches, has no bandwidth.
double probe_ring_allreduce_s(const NodeFabric& fabric, uint32_t tp, double bytes);

// SimGrid probes this process has run (each allreduce_cost miss runs three).
uint64_t allreduce_probes();

// While one lives on this thread, allreduce_cost answers a (fabric, tp) it has not probed yet with no cost
// (and caches nothing) instead of probing: for code that builds candidates only to check them, such as the
// desktop app's check on every edit, which must not wait for the engine a run in another thread holds. A
// probe already cached is still answered.
class NoAllReduceProbes {
 public:
  NoAllReduceProbes();
  ~NoAllReduceProbes();
  NoAllReduceProbes(const NoAllReduceProbes&) = delete;
  NoAllReduceProbes& operator=(const NoAllReduceProbes&) = delete;

 private:
  bool was_;
};

}  // namespace servesim::platforms
