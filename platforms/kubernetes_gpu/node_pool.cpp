#include "platforms/kubernetes_gpu/node_pool.hpp"

#include <algorithm>
#include <limits>

namespace servesim::platforms {

void NodePool::start(sim::Recorder& recorder, uint32_t initial) {
  rec_ = &recorder;
  cost_nodes_ = rec_->cost_category("gpu_nodes_usd");
  cost_idle_ = rec_->cost_category("gpu_idle_terminating_usd");
  for (uint32_t i = 0; i < initial; ++i) {
    const uint32_t id = decide(0);
    launched(id, 0);
    pulling(id, 0);
    ready(id, 0);
  }
}

void NodePool::account(double t_s) {
  const double dt = t_s - last_s_;
  if (dt <= 0) return;
  last_s_ = t_s;
  const double idle_nodes = static_cast<double>(idle_slots_) / p_.pods_per_node;
  node_s_ += billed_ * dt;
  idle_slot_s_ += idle_slots_ * dt;
  const double usd_per_s = p_.price_usd_per_h / 3600.0;
  rec_->add_cost(cost_nodes_, (billed_ - idle_nodes) * dt * usd_per_s);
  rec_->add_cost(cost_idle_, idle_nodes * dt * usd_per_s);
}

int32_t NodePool::bind(bool ready_only) {
  int32_t best = -1;
  for (uint32_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (n.state == State::removed || n.held >= p_.pods_per_node) continue;
    if (n.state == State::ready) {
      best = static_cast<int32_t>(i);
      break;
    }
    if (!ready_only && best < 0) best = static_cast<int32_t>(i);
  }
  if (best >= 0) {
    Node& n = nodes_[static_cast<uint32_t>(best)];
    ++n.held;
    n.unneeded_since_s = -1;
  }
  return best;
}

void NodePool::release(uint32_t node, double t_s) {
  (void)t_s;
  --nodes_[node].held;
}

void NodePool::serving(uint32_t node, int delta, double t_s) {
  account(t_s);
  Node& n = nodes_[node];
  n.serving = static_cast<uint32_t>(static_cast<int>(n.serving) + delta);
  if (n.state == State::ready) idle_slots_ = static_cast<uint32_t>(static_cast<int>(idle_slots_) - delta);
}

uint32_t NodePool::decide(double t_s) {
  (void)t_s;
  uint32_t id;
  if (!free_ids_.empty()) {
    id = free_ids_.back();
    free_ids_.pop_back();
  } else {
    id = static_cast<uint32_t>(nodes_.size());
    nodes_.emplace_back();
  }
  nodes_[id] = Node{};
  nodes_[id].state = State::decided;
  ++live_;
  return id;
}

void NodePool::launched(uint32_t node, double t_s) {
  account(t_s);
  nodes_[node].state = State::booting;
  nodes_[node].launched_s = t_s;
  ++billed_;
}

void NodePool::pulling(uint32_t node, double t_s) {
  nodes_[node].state = State::pulling;
  nodes_[node].pull_began_s = t_s;
  nodes_[node].pull_counted = false;
}

NodePool::PodWait NodePool::attribute_wait(uint32_t node, double created_s, double t_s) {
  PodWait w;
  if (t_s <= created_s) return w;
  Node& n = nodes_[node];
  const double waited_s = t_s - created_s;
  // The part of the wait during which the node pulled its image; the rest is scheduling, scale-up, boot and
  // the GPU driver.
  if (n.pull_began_s >= 0 && n.ready_s >= 0)
    w.pull_s = std::clamp(n.ready_s - std::max(n.pull_began_s, created_s), 0.0, waited_s);
  w.allocation_s = waited_s - w.pull_s;
  w.first_on_pull = w.pull_s > 0 && !n.pull_counted;
  if (w.first_on_pull) n.pull_counted = true;
  return w;
}

void NodePool::ready(uint32_t node, double t_s) {
  account(t_s);
  Node& n = nodes_[node];
  n.state = State::ready;
  n.ready_s = t_s;
  idle_slots_ += p_.pods_per_node - n.serving;
}

void NodePool::fail(uint32_t node, double t_s) {
  account(t_s);
  Node& n = nodes_[node];
  --billed_;
  idle_slots_ -= p_.pods_per_node - n.serving;
  --live_;
  n.state = State::removed;
  n.removed_s = t_s;
  free_ids_.push_back(node);
}

uint32_t NodePool::nodes_for(uint32_t pods) const {
  const uint32_t wanted = (pods + p_.pods_per_node - 1) / p_.pods_per_node;
  const uint32_t room = p_.max_nodes > live_ ? p_.max_nodes - live_ : 0;
  return std::min(wanted, room);
}

uint32_t NodePool::scan(double t_s, uint32_t unplaced) {
  // Bill the nodes up to every scan, so that the cost time series rises with the node-seconds also through
  // quiet stretches (without it, a gap in the traffic shows as one step at its end).
  account(t_s);
  // Scale-up first (as in the autoscaler's loop); a scale-up starts the scale-down cool-down.
  const uint32_t add = p_.karpenter ? 0 : nodes_for(unplaced);
  if (add > 0) last_scale_up_s_ = t_s;
  for (uint32_t i = 0; i < nodes_.size(); ++i) {
    Node& n = nodes_[i];
    if (n.state != State::ready) continue;
    if (n.held > 0) {
      n.unneeded_since_s = -1;
      continue;
    }
    if (n.unneeded_since_s < 0) n.unneeded_since_s = t_s;
    if (t_s - n.unneeded_since_s >= p_.unneeded_s && t_s - last_scale_up_s_ >= p_.delay_after_add_s) {
      account(t_s);
      --billed_;
      idle_slots_ -= p_.pods_per_node - n.serving;
      --live_;
      n.state = State::removed;
      n.removed_s = t_s;
      free_ids_.push_back(i);
    }
  }
  return add;
}

void NodePool::note_pending(double t_s) {
  if (!p_.karpenter) return;
  if (batch_open_s_ < 0) batch_open_s_ = t_s;
  batch_last_s_ = t_s;
}

double NodePool::batch_close_s() const {
  if (batch_open_s_ < 0) return std::numeric_limits<double>::infinity();
  return std::min(batch_last_s_ + p_.batch_idle_s, batch_open_s_ + p_.batch_max_s);
}

uint32_t NodePool::close_batch(uint32_t unplaced) {
  batch_open_s_ = batch_last_s_ = -1;
  return nodes_for(unplaced);
}

}  // namespace servesim::platforms
