#pragma once
// Which ready replica a language-model request goes to (kubernetes-gpu's llm_routing; docs/models/
// kubernetes-gpu.md, "Routing language-model requests"):
//   round-robin     the Service's endpoints in turn (kube-proxy; what a plain Deployment gets)
//   least-requests  the replica with the fewest requests in flight (running + waiting), ties in turn order
//   prefix-aware    as a cache-aware gateway that sees the replicas' KV-cache events (the SGLang model
//                   gateway's cache-aware policy): when the load is balanced, the replica holding the longest
//                   leading run of the request's prefix blocks, ties to the lower load, then turn order; no
//                   replica holding any of them, or the load imbalanced ((max - min) > balance_abs AND
//                   max > balance_rel x min, over requests in flight), the least-loaded one.
//   prefix-aware-approx  the same gateway without KV events (its approximate tree, approx_prefix_tree.hpp):
//                   when the load is balanced, the replica whose recorded prompts match most of this
//                   prompt's leading blocks, if that match covers more than cache_threshold of the prompt's
//                   tokens (ties to the lower load, then turn order); otherwise the replica with the smallest
//                   tree (the most cache room, ties likewise). Imbalanced: the least loaded.
//
//   std::vector<ReplicaView> view = {{.load = 40, .overlap = 3}, {.load = 2, .overlap = 0}};
//   pick_llm_replica(LlmRouting::prefix_aware, view, 0, {32, 1.1});   // 1: imbalanced, least loaded
#include <cstddef>
#include <cstdint>
#include <vector>

namespace servesim::platforms {

enum class LlmRouting : uint8_t { round_robin, least_requests, prefix_aware, prefix_aware_approx };

struct LlmBalance {
  uint64_t abs_threshold = 32;   // requests in flight
  double rel_threshold = 1.1;    // ratio
  double cache_threshold = 0.5;  // prefix-aware-approx: the share of the prompt a match must pass
};

struct ReplicaView {
  uint64_t load = 0;       // requests in flight on it
  uint32_t overlap = 0;    // leading prefix blocks of the request in its KV cache (prefix-aware) or recorded
                           // by the gateway (prefix-aware-approx)
  double match_share = 0;  // prefix-aware-approx: overlap tokens / prompt tokens
  uint64_t tree_blocks = 0;  // prefix-aware-approx: blocks the gateway records for it
};

// The index into `replicas` (non-empty; in the Service's turn order) of the chosen one. `turn` is the
// round-robin position of this request: scans start there, so ties rotate instead of piling on the first.
inline size_t pick_llm_replica(LlmRouting routing, const std::vector<ReplicaView>& replicas, uint64_t turn,
                               const LlmBalance& balance) {
  const size_t n = replicas.size();
  const size_t first = static_cast<size_t>(turn % n);
  if (routing == LlmRouting::round_robin) return first;
  size_t least = first;
  uint64_t max_load = 0;
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (first + k) % n;
    if (replicas[i].load < replicas[least].load) least = i;
    if (replicas[i].load > max_load) max_load = replicas[i].load;
  }
  if (routing == LlmRouting::least_requests) return least;
  const uint64_t min_load = replicas[least].load;
  const bool imbalanced =
      max_load - min_load > balance.abs_threshold &&
      static_cast<double>(max_load) > balance.rel_threshold * static_cast<double>(min_load);
  if (imbalanced) return least;
  if (routing == LlmRouting::prefix_aware_approx) {
    auto better = [&](size_t i, size_t b, auto key) {
      return key(replicas[i]) > key(replicas[b]) ||
             (key(replicas[i]) == key(replicas[b]) && replicas[i].load < replicas[b].load);
    };
    size_t best = first, roomiest = first;
    for (size_t k = 1; k < n; ++k) {
      const size_t i = (first + k) % n;
      if (better(i, best, [](const ReplicaView& r) { return r.overlap; })) best = i;
      // The smallest tree: the largest negated size.
      if (better(i, roomiest, [](const ReplicaView& r) { return -static_cast<double>(r.tree_blocks); }))
        roomiest = i;
    }
    return replicas[best].match_share > balance.cache_threshold ? best : roomiest;
  }
  size_t best = least;
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (first + k) % n;
    const ReplicaView& r = replicas[i];
    const ReplicaView& b = replicas[best];
    if (r.overlap > b.overlap || (r.overlap == b.overlap && r.load < b.load)) best = i;
  }
  return best;
}

}  // namespace servesim::platforms
