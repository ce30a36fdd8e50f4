#pragma once
// The GPU nodes of the bare Kubernetes loop, in plain C++: the same rules as platforms/node_pool.hpp for the
// Cluster Autoscaler (slots, provisioning, scans that add nodes for unplaced pods and remove nodes empty for
// unneeded_s) plus the image pulls that ServeSim hands to SimGrid, here a fluid model of the registry link:
// after the route's latency each active pull gets min(per-connection ceiling, link bandwidth / active pulls).
// Nodes are billed from their launch to their removal (node-seconds).
#include <cstdint>
#include <vector>

namespace servesim::bench {

struct BareNodePoolConfig {
  uint32_t gpus_per_node = 1, max_nodes = 100;
  double unneeded_s = 600, delay_after_add_s = 600;
  double image_bytes = 15e9, per_connection_bytes_per_s = 58e6, shared_bytes_per_s = 1.25e9;
};

class BareNodePool {
 public:
  explicit BareNodePool(const BareNodePoolConfig& c);

  // A GPU for a new pod: the first ready node with one free, else (unless ready_only) the first node being
  // provisioned with one; -1 when none.
  int32_t bind(bool ready_only);
  void release(uint32_t node) { --nodes_[node].held; }
  bool is_ready(uint32_t node) const { return nodes_[node].state == State::ready; }

  uint32_t decide();                       // a new node (its id); billed once launched
  void launch(uint32_t node, double t_s);  // requested from the cloud: billing starts
  void set_ready(uint32_t node) { nodes_[node].state = State::ready; }
  // One scan: how many nodes to add for `unplaced` pods (within max_nodes); removes unneeded empty nodes.
  uint32_t scan(double t_s, uint32_t unplaced);
  // Node-seconds of every node up to end_s (those still up billed until then).
  double node_seconds(double end_s) const;
  uint64_t launched() const { return launched_; }

  // Image pulls: start one at t_s; the time of the next change (a pull leaving its latency or ending;
  // kNever when none); at that time, advance() fills `ready` with the nodes whose pull ended, in the order
  // SimGrid reports simultaneous ends to ServeSim.
  void start_pull(uint32_t node, double t_s);
  double next_pull_s() const;
  void advance(double t_s, std::vector<uint32_t>& ready);
  bool has_pulls() const { return !pulls_.empty(); }

 private:
  enum class State : uint8_t { decided, booting, ready, removed };
  struct Node {
    State state = State::removed;
    uint32_t held = 0;
    double unneeded_since_s = -1, launched_s = 0;
  };
  struct Pull {
    uint32_t node;
    double active_at_s;  // end of the route latency
    bool active;
    double done_at_bytes;  // value of delivered_bytes_ at which it has all its bytes
  };
  double pull_rate() const;

  BareNodePoolConfig c_;
  std::vector<Node> nodes_;
  std::vector<uint32_t> free_;
  uint32_t live_ = 0;
  uint64_t launched_ = 0;
  double last_scale_up_s_ = -1e300, removed_node_s_ = 0;

  double latency_s_;
  std::vector<Pull> pulls_;  // in start order
  uint32_t active_ = 0;
  double delivered_bytes_ = 0, delivered_at_s_ = 0;  // bytes each active pull got since the link was idle
};

}  // namespace servesim::bench
