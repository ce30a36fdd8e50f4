#pragma once
// The GPU node pool of a Kubernetes cluster: nodes, their GPU slots (one pod per GPU), the node
// provisioner's decisions (Cluster Autoscaler scans or Karpenter launch batches) and node billing.
//
// A node is billed from its request (after the provisioner's decision latency) until it is removed. Its
// cost is split per GPU slot: slots held by starting or ready pods, and the whole node while it boots, go
// to gpu_nodes_usd; empty slots and slots held by terminating pods of a ready node go to
// gpu_idle_terminating_usd ("GPU-hours paid for idle and terminating capacity"). The two add up to the bill.
//
// Cluster Autoscaler (kubernetes/autoscaler FAQ): every scan, ceil(unplaced pending pods / GPUs per node)
// nodes are requested (up to max_nodes); an empty node found unneeded at a scan is removed at the first scan
// at least unneeded_s later, and not before delay_after_add_s after the last scale-up. Karpenter
// (karpenter.sh): pending pods open a batch that closes after batch_idle_s without a new pending pod or
// batch_max_s after it opened; nodes are then requested at once. Empty nodes are removed at scans.
#include <cstdint>
#include <vector>

#include "sim/recorder.hpp"

namespace servesim::platforms {

struct NodePoolParams {
  uint32_t pods_per_node = 1;  // a node's GPUs / GPUs per pod
  double price_usd_per_h = 0;
  uint32_t max_nodes = 0;
  bool karpenter = false;
  double scan_interval_s = 10;
  double scale_up_latency_s = 5;   // decision -> request (0 with Karpenter)
  double unneeded_s = 600;         // empty this long -> removed
  double delay_after_add_s = 600;  // no removal this long after a scale-up (0 with Karpenter)
  double batch_idle_s = 1, batch_max_s = 10;
  double boot_s = 0, driver_s = 0;  // request -> VM up -> GPU driver ready (then the image pull)
};

class NodePool {
 public:
  enum class State : uint8_t { decided, booting, pulling, ready, removed };
  struct Node {
    State state = State::removed;
    uint32_t held = 0;     // slots held by pods (reserved, starting, ready or terminating)
    uint32_t serving = 0;  // slots held by starting or ready pods
    double unneeded_since_s = -1;
    double launched_s = -1, ready_s = -1, removed_s = -1;  // for reports and tests
    double pull_began_s = -1;   // the image pull began (after the boot and the GPU driver)
    bool pull_counted = false;  // its image bytes are in a pod's cold start (the first pod that waited on it)
  };

  explicit NodePool(const NodePoolParams& params) : p_(params) {}
  // Registers the cost categories; `initial` nodes are ready and billed from time 0.
  void start(sim::Recorder& recorder, uint32_t initial);

  // A slot for a new pod: a ready node first, else one being provisioned; -1 when none is free.
  int32_t bind(bool ready_only = false);
  void release(uint32_t node, double t_s);             // a pod left the node
  void serving(uint32_t node, int delta, double t_s);  // a pod started (+1) or began terminating (-1)

  // Provisioning: decide a node at t_s (returns its id); the model then calls launched/pulling/ready.
  uint32_t decide(double t_s);
  void launched(uint32_t node, double t_s);  // requested from the cloud: billing starts
  void pulling(uint32_t node, double t_s);
  void ready(uint32_t node, double t_s);
  // Where the wait of a pod created at created_s and started at t_s on `node` went, for summary.json's
  // cold_start: pull_s while the node pulled its image, allocation_s the rest (scheduling, scale-up latency,
  // boot, GPU driver); first_on_pull for the first such pod of the node's pull (it carries the image bytes).
  struct PodWait {
    double allocation_s = 0, pull_s = 0;
    bool first_on_pull = false;
  };
  PodWait attribute_wait(uint32_t node, double created_s, double t_s);
  // A ready node fails at t_s (its pods already released): it is gone and no longer billed.
  void fail(uint32_t node, double t_s);

  // One provisioner scan at t_s: removes unneeded nodes; returns how many nodes to request for the
  // `unplaced` pending pods (always 0 with Karpenter, which launches through its batch).
  uint32_t scan(double t_s, uint32_t unplaced);
  // Karpenter: a pod became pending and unplaced at t_s.
  void note_pending(double t_s);
  double batch_close_s() const;             // kNever when no batch is open
  uint32_t close_batch(uint32_t unplaced);  // nodes to request now

  // Bills up to t_s.
  void account(double t_s);
  const Node& node(uint32_t id) const { return nodes_[id]; }
  uint32_t node_ids() const { return static_cast<uint32_t>(nodes_.size()); }
  uint32_t live_nodes() const { return live_; }
  double node_seconds() const { return node_s_; }
  double idle_slot_seconds() const { return idle_slot_s_; }
  const NodePoolParams& params() const { return p_; }

 private:
  uint32_t nodes_for(uint32_t pods) const;

  NodePoolParams p_;
  sim::Recorder* rec_ = nullptr;
  int cost_nodes_ = 0, cost_idle_ = 0;
  std::vector<Node> nodes_;
  std::vector<uint32_t> free_ids_;
  uint32_t live_ = 0;        // nodes not removed (decided, booting, pulling, ready)
  uint32_t billed_ = 0;      // nodes booting, pulling or ready
  uint32_t idle_slots_ = 0;  // slots of ready nodes not held by a starting or ready pod
  double last_s_ = 0, node_s_ = 0, idle_slot_s_ = 0;
  double last_scale_up_s_ = -1e300;
  double batch_open_s_ = -1, batch_last_s_ = -1;
};

}  // namespace servesim::platforms
