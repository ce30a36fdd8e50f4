// The choice of replica for a language-model request (platforms/kubernetes_gpu/llm_router.hpp), worked by
// hand from the rules of each policy; prefix-aware's balance rule is the SGLang model gateway's: imbalanced
// when (max - min) > 32 AND max > 1.1 x min requests in flight.
#include "platforms/kubernetes_gpu/llm_router.hpp"

#include <catch2/catch.hpp>

#include "platforms/kubernetes_gpu/approx_prefix_tree.hpp"

using servesim::platforms::LlmBalance;
using servesim::platforms::LlmRouting;
using servesim::platforms::pick_llm_replica;
using servesim::platforms::ReplicaView;

TEST_CASE("platforms::pick_llm_replica: round-robin and least-requests") {
  const std::vector<ReplicaView> v = {{.load = 5}, {.load = 1}, {.load = 1}};
  const LlmBalance b;
  // Round-robin ignores the load: the turn decides.
  CHECK(pick_llm_replica(LlmRouting::round_robin, v, 0, b) == 0);
  CHECK(pick_llm_replica(LlmRouting::round_robin, v, 4, b) == 1);
  // Least-requests: replicas 1 and 2 tie at 1; the scan starts at the turn, so ties rotate.
  CHECK(pick_llm_replica(LlmRouting::least_requests, v, 0, b) == 1);
  CHECK(pick_llm_replica(LlmRouting::least_requests, v, 2, b) == 2);
  CHECK(pick_llm_replica(LlmRouting::least_requests, v, 1, b) == 1);
}

TEST_CASE("platforms::pick_llm_replica: prefix-aware follows the cache unless the load is imbalanced") {
  const LlmBalance b;  // 32 requests, ratio 1.1
  // Balanced (20 - 2 = 18 <= 32): the longest cached run wins over the lighter load.
  CHECK(pick_llm_replica(LlmRouting::prefix_aware, {{.load = 20, .overlap = 3}, {.load = 2, .overlap = 0}}, 1,
                         b) == 0);
  // Imbalanced (40 - 2 = 38 > 32 and 40 > 2.2): the least loaded, whatever it caches.
  CHECK(pick_llm_replica(LlmRouting::prefix_aware, {{.load = 40, .overlap = 3}, {.load = 2, .overlap = 0}}, 0,
                         b) == 1);
  // A large difference that is not relatively large (100 vs 95: 5 <= 32) stays balanced; so does 150 vs 140
  // (10 <= 32); 200 vs 100 (100 > 32, 200 > 110) is imbalanced.
  CHECK(pick_llm_replica(LlmRouting::prefix_aware, {{.load = 150, .overlap = 1}, {.load = 140, .overlap = 0}},
                         1, b) == 0);
  CHECK(pick_llm_replica(LlmRouting::prefix_aware, {{.load = 200, .overlap = 1}, {.load = 100, .overlap = 0}},
                         0, b) == 1);
  // Equal overlaps go to the lower load; no overlap anywhere goes to the least loaded, ties in turn order.
  CHECK(pick_llm_replica(LlmRouting::prefix_aware,
                         {{.load = 3, .overlap = 2}, {.load = 1, .overlap = 2}, {.load = 0, .overlap = 1}}, 0,
                         b) == 1);
  CHECK(pick_llm_replica(LlmRouting::prefix_aware, {{.load = 1, .overlap = 0}, {.load = 1, .overlap = 0}}, 1,
                         b) == 1);
  CHECK(pick_llm_replica(LlmRouting::prefix_aware, {{.load = 1, .overlap = 0}, {.load = 0, .overlap = 0}}, 0,
                         b) == 1);
}

TEST_CASE("platforms::pick_llm_replica: prefix-aware-approx follows a match over the threshold, else room") {
  // The SGLang model gateway without KV events: a match must cover more than cache_threshold (0.5) of the
  // prompt; below it the request goes to the replica with the smallest record. Loads 1 and 0 are balanced.
  const LlmBalance b;
  using V = std::vector<ReplicaView>;
  const auto approx = LlmRouting::prefix_aware_approx;
  CHECK(pick_llm_replica(approx, V{{1, 3, 0.6, 10}, {0, 0, 0.0, 2}}, 1, b) == 0);  // 60% > 50%: the match
  CHECK(pick_llm_replica(approx, V{{1, 3, 0.5, 10}, {0, 0, 0.0, 2}}, 0, b) == 1);  // 50% is not above: room
  CHECK(pick_llm_replica(approx, V{{2, 2, 0.8, 5}, {1, 2, 0.8, 5}}, 0, b) == 1);  // equal matches: lower load
  // Equal records and loads: turn order (the scan starts at the turn).
  CHECK(pick_llm_replica(approx, V{{0, 0, 0.0, 3}, {0, 0, 0.0, 3}}, 0, b) == 0);
  CHECK(pick_llm_replica(approx, V{{0, 0, 0.0, 3}, {0, 0, 0.0, 3}}, 1, b) == 1);
  CHECK(pick_llm_replica(approx, V{{0, 0, 0.0, 3}, {1, 0, 0.0, 3}}, 1, b) == 0);  // equal records: lower load
  // Imbalanced (40 - 2 > 32 and 40 > 1.1 x 2): the least loaded, whatever it matches.
  CHECK(pick_llm_replica(approx, V{{40, 3, 0.9, 10}, {2, 0, 0.0, 0}}, 0, b) == 1);
}

TEST_CASE("platforms::ApproxPrefixTree: leading matches, and trims that drop the least recently routed") {
  using servesim::platforms::ApproxPrefixTree;
  servesim::sim::RequestPrefix p1, p2, p3;
  p1.chain = {10, 11, 12};  // chain entries: each names the prefix up to its block
  p2.chain = {10, 21};      // shares p1's first block
  p3.chain = {10, 11, 99};
  ApproxPrefixTree tree;
  tree.insert(p1, 1.0);
  tree.insert(p2, 2.0);  // 10 routed again at 2 s
  CHECK(tree.blocks() == 4);
  CHECK(tree.match(p3) == 2);
  // Trim to 2: 12 and 11 were last routed at 1 s (12 deeper, first), 21 and 10 at 2 s stay.
  tree.evict_to(2);
  CHECK(tree.blocks() == 2);
  CHECK(tree.match(p1) == 1);
  CHECK(tree.match(p2) == 2);
  tree.evict_to(5);  // under the bound: nothing goes
  CHECK(tree.blocks() == 2);
  tree.clear();
  CHECK(tree.match(p2) == 0);
}
