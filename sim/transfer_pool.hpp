#pragma once
// Bulk transfers (model downloads, image pulls) simulated by SimGrid's network model. A transfer is a SimGrid
// communication from a store host to a fleet host over links whose bandwidth max-min shares between all
// transfers in flight; the per-connection ceiling is the TCP window over the round-trip time (SimGrid's
// TCP-gamma), which is how a single S3 GET stream tops out at ~85 MB/s.
//
// The run loop calls into SimGrid only when it must: before an event at time t it asks whether a transfer
// could have finished by then, using a lower bound on every completion (remaining bytes at the per-connection
// ceiling), and only then waits on SimGrid.
#include <simgrid/forward.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace servesim::sim {

struct TransferRoute {
  simgrid::s4u::Host* from = nullptr;
  simgrid::s4u::Host* to = nullptr;
  double per_connection_bytes_per_s = 0;  // the ceiling set by the route's latency (for the lower bound)
  // Slow-storage variants: the same shared link, plus latency that cuts the per-connection ceiling to
  // `factor` of nominal; a transfer started while a slow-storage fault is in force takes one.
  struct Slow {
    double factor;
    simgrid::s4u::Host* from;
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

  explicit TransferPool(double clock_origin_s) : origin_s_(clock_origin_s) {}
  ~TransferPool();

  // Starts a transfer of `bytes` at simulated time now_s (brings SimGrid's clock to now_s first).
  void start(double now_s, double bytes, const TransferRoute& route, uint64_t tag);
  bool empty() const { return flights_.empty(); }
  size_t in_flight() const { return flights_.size(); }
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
  struct Flight {
    simgrid::s4u::CommPtr comm;
    uint64_t tag;
    double per_connection_bytes_per_s;
  };
  void refresh_bound();

  double origin_s_;
  std::vector<Flight> flights_;
  std::vector<simgrid::s4u::CommPtr> comms_;  // same order as flights_, for wait_any_for
  double earliest_s_ = std::numeric_limits<double>::infinity();
  double rate_factor_ = 1;
  uint64_t tag_base_ = 0;
};

}  // namespace servesim::sim
