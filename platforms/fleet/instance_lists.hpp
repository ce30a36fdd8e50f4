#pragma once
// The ready instances of a fleet, in intrusive doubly linked lists by tier (0 active, 1 standby) and by
// requests bound (0..concurrency), with the reserved idle instances in a list of their own. Routing asks for
// the instance with the fewest requests in a tier (most recently used first on ties) in O(1) amortised;
// removals of idle instances take the tail of an idle list, the one idle the longest.
//
//   InstanceLists lists(/*concurrency=*/4);
//   lists.link(7, /*bound=*/0, /*standby=*/false, /*reserved=*/false, /*idle_since_s=*/2.0);
//   lists.find_slot(0);                 // 7: the active instance with the fewest requests
//   lists.unlink(7);
//
// Idle lists stay ordered by idle_since_s, newest at the head; an instance linked into an idle list whose
// head idled later is placed by a walk from both ends (short: only an instance that changes tier while idle,
// or one whose cold start ends after others went idle, is older than the head).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace servesim::platforms {

class InstanceLists {
 public:
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

  explicit InstanceLists(uint32_t concurrency)
      : concurrency_(concurrency), reserved_list_(2 * (concurrency + 1)), lists_(reserved_list_ + 1) {}

  // Links instance `id` at the front of its list: the reserved idle list if it is reserved and idle, else
  // tier (standby ? 1 : 0), bucket `bound`. It must not be linked already.
  void link(uint32_t id, uint32_t bound, bool standby, bool reserved, double idle_since_s) {
    if (id >= nodes_.size()) nodes_.resize(id + 1);
    Node& node = nodes_[id];
    node.list = bound == 0 && reserved ? reserved_list_ : (standby ? concurrency_ + 1 : 0) + bound;
    node.idle_since_s = idle_since_s;
    List& list = lists_[node.list];
    uint32_t after = kNone;
    if (bound == 0 && list.head != kNone && idle_since_s < nodes_[list.head].idle_since_s)
      after = place_by_idle_time(list, idle_since_s);
    node.prev = after;
    node.next = after == kNone ? list.head : nodes_[after].next;
    if (node.next != kNone)
      nodes_[node.next].prev = id;
    else
      list.tail = id;
    if (after != kNone)
      nodes_[after].next = id;
    else
      list.head = id;
    uint32_t& lowest = lowest_bucket_[standby ? 1 : 0];
    lowest = std::min(lowest, bound);
  }
  // Takes instance `id` out of its list (it must be linked).
  void unlink(uint32_t id) {
    Node& node = nodes_[id];
    List& list = lists_[node.list];
    if (node.prev != kNone)
      nodes_[node.prev].next = node.next;
    else
      list.head = node.next;
    if (node.next != kNone)
      nodes_[node.next].prev = node.prev;
    else
      list.tail = node.prev;
    node.prev = node.next = node.list = kNone;
  }
  // The instance of `tier` with the fewest requests bound, below concurrency (an idle reserved one first in
  // the active tier, then the most recently linked), or kNone.
  uint32_t find_slot(uint32_t tier) {
    uint32_t& k = lowest_bucket_[tier];
    while (k < concurrency_ && !bucket_has(tier, k)) ++k;
    if (k >= concurrency_) return kNone;
    if (tier == 0 && k == 0 && lists_[reserved_list_].head != kNone) return lists_[reserved_list_].head;
    return lists_[tier * (concurrency_ + 1) + k].head;
  }
  // The most and the least recently linked instance of tier `tier` with `bound` requests (reserved idle ones
  // not included), or kNone.
  uint32_t head(uint32_t tier, uint32_t bound) const {
    return lists_[tier * (concurrency_ + 1) + bound].head;
  }
  uint32_t tail(uint32_t tier, uint32_t bound) const {
    return lists_[tier * (concurrency_ + 1) + bound].tail;
  }
  // The instance linked just before `id` in its list (towards the head), or kNone.
  uint32_t prev(uint32_t id) const { return nodes_[id].prev; }

 private:
  struct Node {
    uint32_t prev = kNone, next = kNone, list = kNone;
    double idle_since_s = 0;  // when it was linked with no request bound (the idle lists' order)
  };
  struct List {
    uint32_t head = kNone, tail = kNone;
  };

  // The node after which an instance idle since idle_since_s goes (the list runs from the newest idle time
  // at the head, which is newer than idle_since_s, to the oldest): after the last node idle since then or
  // later. Walks from both ends at once, so that a cold-start storm (thousands of idle instances, each
  // linked near one end) costs the shorter distance, not the list's length.
  uint32_t place_by_idle_time(const List& list, double idle_since_s) const {
    uint32_t from_tail = list.tail, from_head = list.head;
    for (;;) {
      if (nodes_[from_tail].idle_since_s >= idle_since_s) return from_tail;
      from_tail = nodes_[from_tail].prev;
      const uint32_t next = nodes_[from_head].next;
      if (nodes_[next].idle_since_s < idle_since_s) return from_head;
      from_head = next;
    }
  }

  bool bucket_has(uint32_t tier, uint32_t k) const {
    return lists_[tier * (concurrency_ + 1) + k].head != kNone ||
           (tier == 0 && k == 0 && lists_[reserved_list_].head != kNone);
  }

  uint32_t concurrency_;
  uint32_t reserved_list_;              // index of the reserved idle list
  std::vector<List> lists_;             // tier x (concurrency + 1) + bound, then the reserved idle list
  std::vector<Node> nodes_;             // per instance id
  uint32_t lowest_bucket_[2] = {0, 0};  // per tier, no linked instance has fewer requests bound than this
};

}  // namespace servesim::platforms
