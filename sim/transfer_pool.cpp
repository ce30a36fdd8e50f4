#include "sim/transfer_pool.hpp"

#include <algorithm>
#include <cmath>
#include <simgrid/s4u.hpp>

namespace servesim::sim {
namespace sg4 = simgrid::s4u;

TransferPool::~TransferPool() {
  for (auto& f : flights_)
    if (f.comm) f.comm->cancel();
}

// SimGrid's clock is process-wide and keeps running across engines, so the same run started later in a
// process would see times that differ in their last bits. Rounding to the nanosecond makes them identical.
double TransferPool::now_s() const {
  return std::round((sg4::Engine::get_clock() - origin_s_) * 1e9) / 1e9;
}

void TransferPool::sync_clock(double t_s) {
  if (t_s > now_s()) sg4::this_actor::sleep_until(origin_s_ + t_s);
}

void TransferPool::start(double now_s, double bytes, const TransferRoute& route, uint64_t tag) {
  sync_clock(now_s);
  double ceiling = route.per_connection_bytes_per_s;
  sg4::Host* from = route.from;
  if (rate_factor_ < 1) {
    // Slow storage: this connection's ceiling is cut for its whole length (its route has more latency).
    for (const auto& v : route.slow)
      if (v.factor == rate_factor_) {
        from = v.from;
        ceiling *= v.factor;
      }
  }
  auto comm = sg4::Comm::sendto_async(from, route.to, static_cast<uint64_t>(bytes));
  flights_.push_back(Flight{comm, tag | tag_base_, ceiling});
  comms_.push_back(comm);
  const double bound = now_s + bytes / ceiling;
  earliest_s_ = std::min(earliest_s_, bound);
}

void TransferPool::refresh_bound() {
  earliest_s_ = std::numeric_limits<double>::infinity();
  const double now = now_s();
  for (const auto& f : flights_)
    earliest_s_ = std::min(earliest_s_, now + f.comm->get_remaining() / f.per_connection_bytes_per_s);
}

bool TransferPool::advance(double t_s, Done& done) {
  if (flights_.empty()) return false;
  const double timeout = t_s - now_s();
  const ssize_t i = sg4::Comm::wait_any_for(comms_, timeout > 0 ? timeout : 0.0);
  if (i < 0) {
    sync_clock(t_s);  // wait_any_for stops at the timeout; make the clock exact
    refresh_bound();
    return false;
  }
  const auto k = static_cast<size_t>(i);
  done = Done{flights_[k].tag, now_s()};
  flights_.erase(flights_.begin() + i);
  comms_.erase(comms_.begin() + i);
  refresh_bound();
  return true;
}

}  // namespace servesim::sim
