#pragma once
// Slot vectors with a free list (uploads, state-store visits, workflow executions and tasks): an entry's
// index is its handle, and a finished entry's index is pushed on the free list for reuse.
#include <cstdint>
#include <vector>

namespace servesim::platforms {

// The index of a slot to fill: the last one freed (popped from `free`), else a new default-constructed one
// at the end of `slots`.
template <class T>
uint32_t claim_slot(std::vector<T>& slots, std::vector<uint32_t>& free) {
  if (free.empty()) {
    slots.emplace_back();
    return static_cast<uint32_t>(slots.size() - 1);
  }
  const uint32_t slot = free.back();
  free.pop_back();
  return slot;
}

// A free slot of `slots` (or a new one), reset to T{} and live, its generation advanced so that handles to
// the previous occupant go stale.
template <class T>
uint32_t take_slot(std::vector<T>& slots, std::vector<uint32_t>& free) {
  const uint32_t id = claim_slot(slots, free);
  const uint32_t generation = slots[id].generation + 1;
  slots[id] = T{};
  slots[id].generation = generation;
  slots[id].live = true;
  return id;
}

}  // namespace servesim::platforms
