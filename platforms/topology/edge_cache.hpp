#pragma once
// The edge cache of a serving topology: request keys drawn Zipf(s) over a catalogue of N items, or taken from
// the workload's key column, a TTL cache whose timer does not reset on hits (an object cached by a miss at t
// is fresh until t + ttl_s), optionally bounded to capacity_items with LRU eviction. The hit ratio is not an
// input: it emerges from the key stream.
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "sim/rng.hpp"

namespace servesim::platforms {

class EdgeCache {
 public:
  // `capacity_items` 0 = unbounded.
  EdgeCache(uint64_t catalogue_items, double zipf_s, double ttl_s, uint64_t capacity_items);
  // Keys from the trace: the catalogue is not known before; each new key gets the next slot (memory grows
  // with the distinct inputs seen, 40 bytes each, whatever the capacity).
  EdgeCache(double ttl_s, uint64_t capacity_items) : EdgeCache(0, 0, ttl_s, capacity_items) {}

  // A key in [0, N), key k with probability (k+1)^-s / H(N, s): one uniform draw, inverted exactly by a
  // binary search of the cumulative weights (O(log N), deterministic from `rng`).
  uint32_t sample(sim::Rng& rng) const;
  // A lookup of `key` at t_s: true on a hit. A miss caches the object at once, fresh until t_s + ttl_s
  // (concurrent misses for one key are not collapsed: the second miss, if any, refreshes it).
  bool lookup(uint32_t key, double t_s);
  // The same for a key from the trace (any 64-bit value).
  bool lookup_trace_key(uint64_t key, double t_s);
  // Probability of key k (for tests and docs).
  double probability(uint32_t key) const;
  uint64_t items() const { return cdf_.size(); }
  uint64_t distinct_trace_keys() const { return slots_.size(); }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  void unlink(uint32_t key);
  void push_front(uint32_t key);

  std::vector<double> cdf_;  // cumulative (unnormalised) weights k^-s
  double ttl_s_;
  uint64_t capacity_;
  std::vector<double> expires_s_;  // -inf: not cached
  // LRU list (capacity_ > 0 only), most recently used at head_.
  std::vector<uint32_t> prev_, next_;
  uint32_t head_ = kNone, tail_ = kNone;
  uint64_t size_ = 0;
  std::unordered_map<uint64_t, uint32_t> slots_;  // trace key -> slot (keys from the trace only)
};

}  // namespace servesim::platforms
