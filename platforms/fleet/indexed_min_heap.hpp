#pragma once
// A min-heap of ids (instances) by a key (their next completion time), that can change or remove any id's key
// in O(log n): the heap keeps each id's position. Ties keep the order the sift operations leave
// (deterministic: the same calls give the same heap). A key of +infinity means "not in the heap".
//
//   IndexedMinHeap heap;
//   heap.set(7, 12.5);                 // id 7 completes at 12.5 s
//   heap.set(3, 4.0);
//   heap.top();                        // 3
//   heap.set(3, kInfinity);            // removed
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace servesim::platforms {

class IndexedMinHeap {
 public:
  static constexpr double kInfinity = std::numeric_limits<double>::infinity();

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  uint32_t top() const { return entries_.front().id; }
  double top_key() const { return entries_.front().key; }
  bool contains(uint32_t id) const { return id < position_.size() && position_[id] != kAbsent; }

  // Gives `id` the key `key` (inserting it, moving it, or removing it when key is +infinity).
  void set(uint32_t id, double key) {
    if (id >= position_.size()) position_.resize(id + 1, kAbsent);
    size_t at = position_[id];
    if (key == kInfinity) {
      if (at == kAbsent) return;
      swap_entries(at, entries_.size() - 1);
      entries_.pop_back();
      position_[id] = kAbsent;
      if (at == entries_.size()) return;
    } else if (at == kAbsent) {
      at = entries_.size();
      position_[id] = static_cast<uint32_t>(at);
      entries_.push_back({key, id});
    } else {
      entries_[at].key = key;
    }
    sift(at);
  }

 private:
  static constexpr uint32_t kAbsent = std::numeric_limits<uint32_t>::max();
  struct Entry {
    double key;
    uint32_t id;
  };

  void swap_entries(size_t a, size_t b) {
    std::swap(entries_[a], entries_[b]);
    position_[entries_[a].id] = static_cast<uint32_t>(a);
    position_[entries_[b].id] = static_cast<uint32_t>(b);
  }
  // Restores the heap order around the entry at `at`: up while smaller than its parent, then down.
  void sift(size_t at) {
    while (at > 0 && entries_[at].key < entries_[(at - 1) / 2].key) {
      swap_entries(at, (at - 1) / 2);
      at = (at - 1) / 2;
    }
    for (;;) {
      const size_t left = 2 * at + 1, right = left + 1;
      size_t smallest = at;
      if (left < entries_.size() && entries_[left].key < entries_[smallest].key) smallest = left;
      if (right < entries_.size() && entries_[right].key < entries_[smallest].key) smallest = right;
      if (smallest == at) break;
      swap_entries(at, smallest);
      at = smallest;
    }
  }

  std::vector<Entry> entries_;
  std::vector<uint32_t> position_;  // per id: its index in entries_, kAbsent when not in the heap
};

}  // namespace servesim::platforms
