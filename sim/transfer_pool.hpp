#pragma once
// Bulk transfers (model downloads, image pulls) simulated by SimGrid's network model. A transfer is a SimGrid
// communication from a store host to a fleet host over links whose bandwidth max-min shares between all
// transfers in flight; the per-connection ceiling is the TCP window over the round-trip time (SimGrid's
// TCP-gamma), which is how a single S3 GET stream tops out at ~85 MB/s.
//
// The run loop calls into SimGrid only when it must, and then only about the transfers that can finish
// first, so that a cold-start storm of thousands of downloads costs O(log n) per event, not O(n):
//
// - Transfers of one route (same hosts, same links, same per-connection ceiling) form a class. Under max-min
//   sharing every transfer of a class gets the same rate at every instant once its latency has passed (the
//   same constraints, the same bound), so within a class they finish in the order of their virtual finish
//   key K = V(activation) + bytes, where V(t) is the bytes one transfer of the class could have moved since
//   an arbitrary origin (a fair-queueing virtual clock). K is computed from SimGrid's own remaining bytes
//   once per transfer (K = V(now) + remaining, after its latency), and V(now) from one reference transfer of
//   the class (V = K_ref - remaining_ref); only the class head (smallest K) needs watching.
// - Before an event at time t the loop asks whether a transfer could have finished by then, using a lower
//   bound on each class head's completion (remaining bytes at the per-connection ceiling), and only then
//   waits on SimGrid, for the class heads (and any transfer still in its latency phase that could finish by
//   t), never for all transfers.
//
// `exhaustive` mode waits on every transfer and recomputes every bound at each step, as the pool did before;
// it is the reference that tests/sim/transfer_pool_test.cpp checks the fast path against.
#include <simgrid/forward.h>

#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <vector>

namespace servesim::sim {

struct TransferRoute {
  simgrid::s4u::Host* from = nullptr;
  simgrid::s4u::Host* to = nullptr;
  double per_connection_bytes_per_s = 0;  // the ceiling set by the route's latency (for the lower bound)
  double latency_s = 0;                   // one-way latency of the route: a transfer moves no byte before it
  // Slow-storage variants: the same shared link, plus latency that cuts the per-connection ceiling to
  // `factor` of nominal; a transfer started while a slow-storage fault is in force takes one.
  struct Slow {
    double factor;
    simgrid::s4u::Host* from;
    double latency_s;
  };
  std::vector<Slow> slow;
};

class TransferPool {
 public:
  // Completion handler: (tag, completion time [s since run start]).
  struct Done {
    uint64_t tag;
    double t_s;
  };

  explicit TransferPool(double clock_origin_s, bool exhaustive = false)
      : origin_s_(clock_origin_s), exhaustive_(exhaustive) {}
  ~TransferPool();
  TransferPool(const TransferPool&) = delete;
  TransferPool& operator=(const TransferPool&) = delete;

  // Starts a transfer of `bytes` at simulated time now_s (brings SimGrid's clock to now_s first).
  void start(double now_s, double bytes, const TransferRoute& route, uint64_t tag);
  bool empty() const { return in_flight_ == 0; }
  size_t in_flight() const { return in_flight_; }
  // Earliest time any transfer in flight could complete.
  double earliest_possible_s() const { return earliest_s_; }
  // Lets SimGrid run up to t_s. If a transfer completes at or before t_s, returns true and fills `done`
  // (SimGrid's clock is then at the completion time); otherwise SimGrid's clock is at t_s and it returns
  // false.
  bool advance(double t_s, Done& done);
  // Brings SimGrid's clock to t_s; only valid when no transfer can complete before t_s.
  void sync_clock(double t_s);
  // Transfers started from now on take their route's slow variant for this factor (1 = nominal route).
  void set_rate_factor(double factor) { rate_factor_ = factor; }
  // Added (bitwise or) to the tag of every transfer started from now on. A composite model that runs several
  // models over one pool (platforms/topology_model.hpp) sets it to the stage's index in the high bits while
  // it hands a call to that stage, and splits completions by those bits; plain models never set it (0).
  void set_tag_base(uint64_t base) { tag_base_ = base; }
  uint64_t tag_base() const { return tag_base_; }
  double now_s() const;

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Flight {
    simgrid::s4u::CommPtr comm;
    uint64_t tag = 0;
    uint64_t seq = 0;  // start order, breaks ties between equal keys
    double bytes = 0;
    double active_s = 0;  // start + latency: from then on it shares bandwidth
    double key = 0;       // virtual finish (valid once active and keyed)
    uint32_t cls = 0;
  };
  struct Class {
    simgrid::s4u::Host* from = nullptr;
    simgrid::s4u::Host* to = nullptr;
    double ceiling = 0;
    std::deque<uint32_t> pending;  // started, not yet keyed, in start order (= activation order)
    double pending_min_bytes = std::numeric_limits<double>::infinity();  // a lower bound over `pending`
    std::vector<uint32_t> keyed;                                         // min-heap on (key, seq)
    uint32_t ref = kNone;  // a keyed flight: V(now) = its key - its remaining bytes
    double bound = std::numeric_limits<double>::infinity();  // earliest completion of any of its flights
  };

  uint32_t class_of(simgrid::s4u::Host* from, simgrid::s4u::Host* to, double ceiling);
  bool heap_less(uint32_t a, uint32_t b) const;
  void heap_push(Class& c, uint32_t id);
  void heap_pop(Class& c);
  void key_active(Class& c, double now);  // keys the pending flights whose latency has passed
  void refresh_class(Class& c, double now);
  void refresh_bound();
  void release(uint32_t id);
  // Fills waiting_ / waiting_ids_: every flight (exhaustive), else the class heads and the flights in their
  // latency phase that could finish by t_s.
  void collect_waiting(double now, double t_s);

  double origin_s_;
  bool exhaustive_;
  std::vector<Flight> flights_;  // slots; free ones are listed in free_
  std::vector<uint32_t> free_;
  std::vector<Class> classes_;
  std::vector<uint32_t> waiting_ids_;           // scratch: the flights advance() waits on
  std::vector<simgrid::s4u::CommPtr> waiting_;  // scratch: their comms
  size_t in_flight_ = 0;
  uint64_t seq_ = 0;
  double earliest_s_ = std::numeric_limits<double>::infinity();
  double rate_factor_ = 1;
  uint64_t tag_base_ = 0;
};

}  // namespace servesim::sim
