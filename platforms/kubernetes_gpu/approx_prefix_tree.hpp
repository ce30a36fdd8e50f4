#pragma once
// A cache-aware gateway's approximate record of what one replica holds (the SGLang model gateway's
// approximate tree, used when it gets no KV-cache events; docs/models/kubernetes-gpu.md): the prompts it
// routed there, block by block, each with the time it was last routed. It never sees the replica's own
// evictions, so it can believe a prefix is cached after the server dropped it; the gateway bounds it
// instead, every eviction interval, by dropping its least recently routed blocks.
//
// Blocks are the prompt's prefix-block chain (sim::RequestPrefix): the k-th entry names the whole prefix up
// to block k, so a set of chain entries is a prefix tree, and the leading run of a prompt's entries in the
// set is its longest recorded prefix.
//
//   ApproxPrefixTree tree;
//   tree.insert(prefix, 10.0);        // routed at 10 s
//   tree.match(other)                  // leading blocks of `other` recorded
//   tree.evict_to(10000);              // keep at most 10,000 blocks, least recently routed go first
#include <algorithm>
#include <cstdint>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "sim/arrival_source.hpp"

namespace servesim::platforms {

class ApproxPrefixTree {
 public:
  // Leading blocks of the prompt recorded here.
  uint32_t match(const sim::RequestPrefix& prefix) const {
    uint32_t k = 0;
    while (k < prefix.chain.size() && nodes_.count(prefix.chain[k])) ++k;
    return k;
  }
  // Records every block of the prompt, routed at t_s (the gateway records the whole prompt).
  void insert(const sim::RequestPrefix& prefix, double t_s) {
    for (uint32_t k = 0; k < prefix.chain.size(); ++k) nodes_[prefix.chain[k]] = Node{t_s, k};
  }
  // Drops least recently routed blocks until at most `max_blocks` are left. A prefix is routed whenever a
  // longer prompt through it is, so it is never older than its extensions; among blocks of the same time the
  // deepest goes first. What is left is still a prefix tree.
  void evict_to(uint64_t max_blocks) {
    if (nodes_.size() <= max_blocks) return;
    std::vector<std::tuple<double, int64_t, uint64_t>> order;  // (time, -depth, block): the first go first
    order.reserve(nodes_.size());
    for (const auto& [block, node] : nodes_)
      order.emplace_back(node.last_s, -static_cast<int64_t>(node.depth), block);
    std::sort(order.begin(), order.end());
    for (size_t k = 0; nodes_.size() > max_blocks; ++k) nodes_.erase(std::get<2>(order[k]));
  }
  uint64_t blocks() const { return nodes_.size(); }
  void clear() { nodes_.clear(); }

 private:
  struct Node {
    double last_s = 0;   // last routed
    uint32_t depth = 0;  // 0: the first block
  };
  std::unordered_map<uint64_t, Node> nodes_;
};

}  // namespace servesim::platforms
