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
      position_[id] = kAbsent;
      const Entry last = entries_.back();
      entries_.pop_back();
      if (at == entries_.size()) return;
      sift(at, last);  // the last entry fills the hole
      return;
    }
    if (at == kAbsent) {
      at = entries_.size();
      entries_.push_back({key, id});
    } else if (entries_[at].key == key) {
      return;  // nothing moves
    }
    sift(at, Entry{key, id});
  }

 private:
  static constexpr uint32_t kAbsent = std::numeric_limits<uint32_t>::max();
  struct Entry {
    double key;
    uint32_t id;
  };

  // Puts `e` at the hole `at` and restores the heap order around it: up while smaller than its parent, then
  // down. The entries it passes move one level into the hole (the same order a swap per level leaves; each
  // moved entry's position written once).
  void sift(size_t at, Entry e) {
    while (at > 0 && e.key < entries_[(at - 1) / 2].key) {
      place(at, entries_[(at - 1) / 2]);
      at = (at - 1) / 2;
    }
    for (;;) {
      const size_t left = 2 * at + 1, right = left + 1;
      size_t smallest = at;
      double smallest_key = e.key;
      if (left < entries_.size() && entries_[left].key < smallest_key) {
        smallest = left;
        smallest_key = entries_[left].key;
      }
      if (right < entries_.size() && entries_[right].key < smallest_key) smallest = right;
      if (smallest == at) break;
      place(at, entries_[smallest]);
      at = smallest;
    }
    place(at, e);
  }
  void place(size_t at, const Entry& e) {
    entries_[at] = e;
    position_[e.id] = static_cast<uint32_t>(at);
  }
  std::vector<Entry> entries_;
  std::vector<uint32_t> position_;  // per id: its index in entries_, kAbsent when not in the heap
};

}  // namespace servesim::platforms
