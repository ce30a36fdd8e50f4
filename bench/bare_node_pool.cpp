#include "bare_node_pool.hpp"

#include <algorithm>
#include <limits>

namespace servesim::bench {

namespace {
constexpr double kNever = std::numeric_limits<double>::infinity();
constexpr double kTcpWindowBytes = 4194304;  // ServeSim's SimGrid setting (sim/engine.cpp)
}  // namespace

BareNodePool::BareNodePool(const BareNodePoolConfig& c)
    : c_(c), latency_s_(kTcpWindowBytes / (2.0 * c.per_connection_bytes_per_s)) {}

int32_t BareNodePool::bind(bool ready_only) {
  int32_t best = -1;
  for (uint32_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (n.state == State::removed || n.held >= c_.gpus_per_node) continue;
    if (n.state == State::ready) {
      best = static_cast<int32_t>(i);
      break;
    }
    if (!ready_only && best < 0) best = static_cast<int32_t>(i);
  }
  if (best >= 0) {
    ++nodes_[static_cast<uint32_t>(best)].held;
    nodes_[static_cast<uint32_t>(best)].unneeded_since_s = -1;
  }
  return best;
}

uint32_t BareNodePool::decide() {
  uint32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = static_cast<uint32_t>(nodes_.size());
    nodes_.emplace_back();
  }
  nodes_[id] = Node{};
  nodes_[id].state = State::decided;
  ++live_;
  return id;
}

void BareNodePool::launch(uint32_t node, double t_s) {
  nodes_[node].state = State::booting;
  nodes_[node].launched_s = t_s;
  ++launched_;
}

uint32_t BareNodePool::scan(double t_s, uint32_t unplaced) {
  const uint32_t wanted = (unplaced + c_.gpus_per_node - 1) / c_.gpus_per_node;
  const uint32_t add = std::min(wanted, c_.max_nodes > live_ ? c_.max_nodes - live_ : 0);
  if (add > 0) last_scale_up_s_ = t_s;  // a scale-up starts the scale-down cool-down
  for (uint32_t i = 0; i < nodes_.size(); ++i) {
    Node& n = nodes_[i];
    if (n.state != State::ready) continue;
    if (n.held > 0) {
      n.unneeded_since_s = -1;
      continue;
    }
    if (n.unneeded_since_s < 0) n.unneeded_since_s = t_s;
    if (t_s - n.unneeded_since_s >= c_.unneeded_s && t_s - last_scale_up_s_ >= c_.delay_after_add_s) {
      removed_node_s_ += t_s - n.launched_s;
      --live_;
      n.state = State::removed;
      free_.push_back(i);
    }
  }
  return add;
}

double BareNodePool::node_seconds(double end_s) const {
  double s = removed_node_s_;
  for (const Node& n : nodes_)
    if (n.state == State::booting || n.state == State::ready) s += end_s - n.launched_s;
  return s;
}

// ---- image pulls ----

double BareNodePool::pull_rate() const {
  return std::min(c_.per_connection_bytes_per_s, c_.shared_bytes_per_s / active_);
}

void BareNodePool::start_pull(uint32_t node, double t_s) {
  pulls_.push_back(Pull{node, t_s + latency_s_, false, 0});
}

double BareNodePool::next_pull_s() const {
  double t = kNever;
  for (const Pull& p : pulls_)
    t = std::min(t, p.active
                        ? delivered_at_s_ + std::max(0.0, p.done_at_bytes - delivered_bytes_) / pull_rate()
                        : p.active_at_s);
  return t;
}

void BareNodePool::advance(double t_s, std::vector<uint32_t>& ready) {
  ready.clear();
  if (active_ > 0) delivered_bytes_ += (t_s - delivered_at_s_) * pull_rate();
  delivered_at_s_ = t_s;
  // Every pull that has all its bytes (within a byte: rounding) ends now.
  auto is_done = [&](const Pull& p) { return p.active && p.done_at_bytes - delivered_bytes_ <= 1.0; };
  for (const Pull& p : pulls_)
    if (is_done(p)) ready.push_back(p.node);
  std::erase_if(pulls_, is_done);
  active_ -= static_cast<uint32_t>(ready.size());
  // SimGrid reports pulls that end at the same time in this order: the last started first, then the others
  // in the order they started. The order decides which pods start first, so which start-up time each draws.
  if (!ready.empty()) std::rotate(ready.begin(), ready.end() - 1, ready.end());
  // Pulls whose latency is over start sharing the link (after the ended ones left it).
  for (Pull& p : pulls_) {
    if (p.active || p.active_at_s > t_s) continue;
    p.active = true;
    p.done_at_bytes = delivered_bytes_ + c_.image_bytes;
    ++active_;
  }
}

}  // namespace servesim::bench
