#pragma once
// Bulk transfers (model downloads, image pulls) simulated by SimGrid's network model. A transfer is a SimGrid
// communication from a store host to a fleet host over links whose bandwidth max-min shares between all
// transfers in flight; the per-connection ceiling is the TCP window over the round-trip time (SimGrid's
// TCP-gamma), which is how a single S3 GET stream tops out at ~85 MB/s.
//
// A cold-start storm starts thousands of downloads over one store link. If each were its own SimGrid
// communication, SimGrid's lazy max-min would re-solve all n of them at every start, end of latency and
// completion (O(n) per event, O(n^2) per storm). The pool instead gives SimGrid one communication per class:
//
// - Transfers of one route (same hosts, same links, same per-connection ceiling) form a class. Under max-min
//   sharing every transfer of a class gets the same rate at every instant once its latency has passed (the
//   same constraints, the same bound, the same weight), so k active transfers of a class are exactly one
//   flow of k times the rate: bound k x ceiling (TCP window over route latency / k) and weight k (SimGrid's
//   sharing penalty is the route latency, so latency / k). The pool sends that flow over the class's bulk
//   twin (TransferRoute::Bulk: the same shared link plus a link of its own whose latency it sets to
//   latency / k), sized k x (the smallest remaining bytes of the class), so that it completes exactly when
//   the class's first transfer does. The twin pays no latency (a latency factor of 0, sim/engine.cpp) while
//   the class is alone on its link (then the weight does not matter), and a latency of 1e-12 x its own
//   while another class shares the link (then SimGrid applies the weight after it, as it does for a plain
//   transfer). SimGrid's payloads are whole bytes: the bandwidth factor of the flow (payload / exact bytes)
//   makes it move exactly the bytes it stands for.
// - A transfer's latency phase is the pool's: it joins its class's flow at start + latency. Joining and
//   completing replace the class's flow (cancel, start anew): O(classes on the link) work for SimGrid,
//   whatever the number of transfers. Within a class transfers finish in the order of their virtual finish
//   key K = V(activation) + bytes, where V(t) is the bytes one transfer of the class has moved since the
//   class's origin (a fair-queueing virtual clock, advanced from the flow's own remaining bytes).
// - Before an event at time t the loop asks whether a transfer could have finished by then, using a lower
//   bound on each class head's completion (remaining bytes at the per-connection ceiling).
//
// `exhaustive` mode runs one SimGrid communication per transfer over the plain route and waits on every one
// of them; it is the reference that tests/sim/transfer_pool_test.cpp checks the pooled flows against.
#include <simgrid/forward.h>

#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <vector>

namespace servesim::sim {

// How the pool carries a class of transfers as one SimGrid flow: twin store hosts routed over the same
// shared link plus a link of the twin's own (PlatformBuilder makes them with every route).
struct BulkTwin {
  simgrid::s4u::Host* exact = nullptr;     // latency factor 0: no latency phase, SimGrid's default weight
  simgrid::s4u::Host* weighted = nullptr;  // latency factor 1e-12: weighted by the route latency after it
  simgrid::s4u::Link* own = nullptr;       // its latency (route latency / k) sets the flow's bound and weight
};

struct TransferRoute {
  simgrid::s4u::Host* from = nullptr;
  simgrid::s4u::Host* to = nullptr;
  double per_connection_bytes_per_s = 0;  // the ceiling set by the route's latency (for the lower bound)
  double latency_s = 0;                   // one-way latency of the route: a transfer moves no byte before it
  simgrid::s4u::Link* shared = nullptr;   // the link whose bandwidth the transfers share
  BulkTwin bulk;
  // Slow-storage variants: the same shared link, plus latency that cuts the per-connection ceiling to
  // `factor` of nominal; a transfer started while a slow-storage fault is in force takes one.
  struct Slow {
    double factor;
    simgrid::s4u::Host* from;
    double latency_s;
    BulkTwin bulk;
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

  // The latency and bandwidth factors SimGrid applies to a communication from `source` (sim/engine.cpp
  // installs them as the network model's factor callbacks): those of a bulk twin's flow, else 1.
  static double latency_factor(const simgrid::s4u::Host* source);
  static double bandwidth_factor(const simgrid::s4u::Host* source);
  // Marks the twins of a route (PlatformBuilder); forgets those of earlier engines when `twin` is null.
  static void register_twin(const BulkTwin* twin);

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
  // Called when a slow-storage fault has just changed the shared links' bandwidth: every class flow starts
  // anew, since SimGrid caps a communication at its links' bandwidth as it was when it started.
  void set_rate_factor(double factor);
  // Added (bitwise or) to the tag of every transfer started from now on. A composite model that runs several
  // models over one pool (platforms/topology_model.hpp) sets it to the stage's index in the high bits while
  // it hands a call to that stage, and splits completions by those bits; plain models never set it (0).
  void set_tag_base(uint64_t base) { tag_base_ = base; }
  uint64_t tag_base() const { return tag_base_; }
  double now_s() const;

 private:
  struct Flight {
    simgrid::s4u::CommPtr comm;  // exhaustive mode only
    uint64_t tag = 0;
    uint64_t seq = 0;         // start order, breaks ties between equal keys
    double bytes = 0;         // whole bytes, as SimGrid moves them
    double active_s = 0;      // start + latency: from then on it shares bandwidth
    double active_clock = 0;  // the same on SimGrid's clock, as SimGrid dates the end of a latency
    double key = 0;           // virtual finish (valid once active)
    uint32_t cls = 0;
  };
  struct Class {
    simgrid::s4u::Host* from = nullptr;
    simgrid::s4u::Host* to = nullptr;
    double ceiling = 0;
    double latency_s = 0;
    simgrid::s4u::Link* shared = nullptr;
    BulkTwin bulk;
    std::deque<uint32_t> pending;  // started, not yet active, in start order (= activation order)
    double pending_min_bytes = std::numeric_limits<double>::infinity();  // a lower bound over `pending`
    std::vector<uint32_t> keyed;                                         // active: min-heap on (key, seq)
    double v = 0;                  // the virtual clock when `flow` started (or stopped)
    simgrid::s4u::CommPtr flow;    // the class's flow while it has active transfers
    double flow_member_bytes = 0;  // bytes per transfer the flow carries
    double flow_payload = 0;       // its payload in SimGrid (whole bytes)
    bool flow_weighted = false;
    double bound = std::numeric_limits<double>::infinity();  // earliest completion of any of its flights
  };

  uint32_t class_of(const TransferRoute& route, simgrid::s4u::Host* from, double ceiling, double latency_s,
                    const BulkTwin& bulk);
  bool heap_less(uint32_t a, uint32_t b) const;
  void heap_push(Class& c, uint32_t id);
  void heap_pop(Class& c);
  double virtual_now(const Class& c) const;
  size_t classes_on(const simgrid::s4u::Link* shared) const;
  void stop_flow(Class& c);
  void start_flow(Class& c);
  void activate(double clock);  // the pending flights whose latency has passed by then join their class
  void finish_heads(Class& c);
  double next_activation_clock() const;  // on SimGrid's clock
  void sleep_until_clock(double clock);
  void refresh_bound();
  void release(uint32_t id);
  bool advance_exhaustive(double t_s, Done& done);

  double origin_s_;
  bool exhaustive_;
  std::vector<Flight> flights_;  // slots; free ones are listed in free_
  std::vector<uint32_t> free_;
  std::vector<Class> classes_;
  std::vector<uint32_t> ready_;  // completed at the current time, not yet handed out (by descending slot)
  std::vector<bool> changed_;    // scratch: the classes activate() gives a new flow
  std::vector<uint32_t> waiting_ids_;           // scratch: what advance() waits on
  std::vector<simgrid::s4u::CommPtr> waiting_;  // scratch: their comms
  size_t in_flight_ = 0;
  uint64_t seq_ = 0;
  double earliest_s_ = std::numeric_limits<double>::infinity();
  double rate_factor_ = 1;
  uint64_t tag_base_ = 0;
};

}  // namespace servesim::sim
