#pragma once
// One instance's processor, shared exactly between the requests on it (egalitarian processor sharing).
//
// With n requests on the instance each progresses at rate[n] relative to a request alone on it. Instead of
// touching every request at every change, the instance keeps a virtual time V with dV/dt = rate[n]: a request
// that needs w seconds of work alone and starts at virtual time V0 finishes when V reaches V0 + w, whatever
// happens to n meanwhile. The requests' finish virtual times sit in a min-heap, so the next completion is
// at now + (min finish - V) / rate[n] and every change costs O(log n).
//
//   ProcessorSharing cpu;
//   cpu.restart(0.0);
//   cpu.add(1.0, /*request=*/4, /*generation=*/0);   // 1 s of work alone
//   cpu.next_finish_s(/*rate=*/1.0);                 // 1.0
//
// Entries may go stale (a request stopped at its deadline while still in the heap): each entry carries its
// request's generation, and drop_stale() removes stale entries from the top with the owner's liveness test.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace servesim::platforms {

class ProcessorSharing {
 public:
  struct Entry {
    double finish_v;      // virtual time at which the request's work is done
    uint32_t request;     // the owner's request slot
    uint32_t generation;  // the owner's generation of that slot when the request started
  };

  // The instance (re)starts at t_s with no request on it: V = 0.
  void restart(double t_s) {
    virtual_s_ = 0;
    virtual_at_s_ = t_s;
  }
  // Moves the clock to t_s; the requests on the instance progressed at `rate` since the last call (0: the
  // instance did not run them, e.g. while starting up).
  void advance(double t_s, double rate) {
    if (rate > 0) virtual_s_ += (t_s - virtual_at_s_) * rate;
    virtual_at_s_ = t_s;
  }
  // A request that needs work_s seconds of work alone on the instance starts now.
  void add(double work_s, uint32_t request, uint32_t generation) {
    entries_.push_back(Entry{virtual_s_ + work_s, request, generation});
    std::push_heap(entries_.begin(), entries_.end(), LaterFinish{});
  }
  bool empty() const { return entries_.empty(); }
  const Entry& top() const { return entries_.front(); }
  // When the first request on the instance finishes if the rate stays `rate` (> 0); needs !empty().
  double next_finish_s(double rate) const {
    return virtual_at_s_ + std::max(0.0, entries_.front().finish_v - virtual_s_) / rate;
  }
  // Removes the first request to finish (the clock is at its completion) and returns its slot. V is raised
  // to its finish virtual time, absorbing the rounding in the completion time.
  uint32_t pop_finished() {
    std::pop_heap(entries_.begin(), entries_.end(), LaterFinish{});
    const Entry done = entries_.back();
    virtual_s_ = std::max(virtual_s_, done.finish_v);
    entries_.pop_back();
    return done.request;
  }
  // Removes stale entries from the top: is_live(entry) says whether its request is still on the instance.
  template <class IsLive>
  void drop_stale(IsLive is_live) {
    while (!entries_.empty() && !is_live(entries_.front())) {
      std::pop_heap(entries_.begin(), entries_.end(), LaterFinish{});
      entries_.pop_back();
    }
  }
  // Every entry, stale ones included, in heap order (for failing them all at once).
  const std::vector<Entry>& entries() const { return entries_; }
  // Forgets every entry; with reset_clock, V goes back to 0 too (the instance is empty).
  void clear(bool reset_clock) {
    entries_.clear();
    if (reset_clock) virtual_s_ = 0;
  }
  double virtual_s() const { return virtual_s_; }

 private:
  struct LaterFinish {
    bool operator()(const Entry& a, const Entry& b) const { return a.finish_v > b.finish_v; }
  };

  double virtual_s_ = 0;        // V [s of work alone]
  double virtual_at_s_ = 0;     // simulated time at which V was last brought up to date [s]
  std::vector<Entry> entries_;  // min-heap on finish_v (may hold stale entries)
};

}  // namespace servesim::platforms
