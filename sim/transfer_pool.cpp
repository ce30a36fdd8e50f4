#include "sim/transfer_pool.hpp"

#include <algorithm>
#include <cmath>
#include <simgrid/s4u.hpp>

namespace servesim::sim {
namespace sg4 = simgrid::s4u;

namespace {
constexpr double kNoCompletion = std::numeric_limits<double>::infinity();
}

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

uint32_t TransferPool::class_of(sg4::Host* from, sg4::Host* to, double ceiling) {
  for (size_t k = 0; k < classes_.size(); ++k)  // a handful: one per route and slow variant
    if (classes_[k].from == from && classes_[k].to == to && classes_[k].ceiling == ceiling)
      return static_cast<uint32_t>(k);
  Class c;
  c.from = from;
  c.to = to;
  c.ceiling = ceiling;
  classes_.push_back(std::move(c));
  return static_cast<uint32_t>(classes_.size() - 1);
}

void TransferPool::start(double now_s, double bytes, const TransferRoute& route, uint64_t tag) {
  sync_clock(now_s);
  double ceiling = route.per_connection_bytes_per_s;
  double latency = route.latency_s;
  sg4::Host* from = route.from;
  if (rate_factor_ < 1) {
    // Slow storage: this connection's ceiling is cut for its whole length (its route has more latency).
    for (const auto& v : route.slow)
      if (v.factor == rate_factor_) {
        from = v.from;
        ceiling *= v.factor;
        latency = v.latency_s;
      }
  }
  uint32_t id;
  if (free_.empty()) {
    id = static_cast<uint32_t>(flights_.size());
    flights_.emplace_back();
  } else {
    id = free_.back();
    free_.pop_back();
  }
  Flight& f = flights_[id];
  f.comm = sg4::Comm::sendto_async(from, route.to, static_cast<uint64_t>(bytes));
  f.tag = tag | tag_base_;
  f.seq = seq_++;
  f.bytes = bytes;
  f.active_s = now_s + latency;
  f.key = 0;
  f.cls = class_of(from, route.to, ceiling);
  Class& c = classes_[f.cls];
  c.pending.push_back(id);
  c.pending_min_bytes = std::min(c.pending_min_bytes, bytes);
  ++in_flight_;
  const double bound = f.active_s + bytes / ceiling;
  c.bound = std::min(c.bound, bound);
  earliest_s_ = std::min(earliest_s_, bound);
}

bool TransferPool::heap_less(uint32_t a, uint32_t b) const {  // true: a finishes after b (for a min-heap)
  const Flight& x = flights_[a];
  const Flight& y = flights_[b];
  return x.key != y.key ? x.key > y.key : x.seq > y.seq;
}

void TransferPool::heap_push(Class& c, uint32_t id) {
  c.keyed.push_back(id);
  std::push_heap(c.keyed.begin(), c.keyed.end(), [this](uint32_t a, uint32_t b) { return heap_less(a, b); });
}

void TransferPool::heap_pop(Class& c) {
  std::pop_heap(c.keyed.begin(), c.keyed.end(), [this](uint32_t a, uint32_t b) { return heap_less(a, b); });
  c.keyed.pop_back();
}

// Keys every pending flight whose latency has passed: K = V(now) + remaining. V(now) comes from the class's
// reference flight; a class with no keyed flight starts a new origin (V(now) = 0).
void TransferPool::key_active(Class& c, double now) {
  if (c.pending.empty() || flights_[c.pending.front()].active_s > now) return;
  const double v = c.ref == kNone ? 0.0 : flights_[c.ref].key - flights_[c.ref].comm->get_remaining();
  while (!c.pending.empty() && flights_[c.pending.front()].active_s <= now) {
    const uint32_t id = c.pending.front();
    c.pending.pop_front();
    Flight& f = flights_[id];
    f.key = v + f.comm->get_remaining();
    heap_push(c, id);
    if (c.ref == kNone) c.ref = id;
  }
  if (c.pending.empty()) c.pending_min_bytes = kNoCompletion;
}

// The class's earliest possible completion: its head's remaining bytes at the per-connection ceiling, or a
// pending flight's whole size from the end of its latency.
void TransferPool::refresh_class(Class& c, double now) {
  key_active(c, now);
  c.bound = kNoCompletion;
  if (!c.keyed.empty()) {
    const Flight& head = flights_[c.keyed.front()];
    const Flight& ref = flights_[c.ref];
    const double v = ref.key - ref.comm->get_remaining();
    c.bound = now + std::max(0.0, head.key - v) / c.ceiling;
  }
  if (!c.pending.empty())
    c.bound = std::min(c.bound, flights_[c.pending.front()].active_s + c.pending_min_bytes / c.ceiling);
}

void TransferPool::refresh_bound() {
  earliest_s_ = kNoCompletion;
  const double now = now_s();
  if (exhaustive_) {
    for (const auto& f : flights_)
      if (f.comm)
        earliest_s_ = std::min(earliest_s_,
                               std::max(now, f.active_s) + f.comm->get_remaining() / classes_[f.cls].ceiling);
    return;
  }
  for (Class& c : classes_) {
    if (c.keyed.empty() && c.pending.empty()) continue;
    refresh_class(c, now);
    earliest_s_ = std::min(earliest_s_, c.bound);
  }
}

void TransferPool::release(uint32_t id) {
  flights_[id].comm = nullptr;
  free_.push_back(id);
  --in_flight_;
}

void TransferPool::collect_waiting(double now, double t_s) {
  waiting_.clear();
  waiting_ids_.clear();
  auto watch = [this](uint32_t id) {
    waiting_ids_.push_back(id);
    waiting_.push_back(flights_[id].comm);
  };
  if (exhaustive_) {
    for (uint32_t id = 0; id < flights_.size(); ++id)
      if (flights_[id].comm) watch(id);
    return;
  }
  // Each class's head, and the flights still in their latency phase that could finish by t_s (rare: only a
  // flight smaller than the bytes its latency is worth at the ceiling).
  for (Class& c : classes_) {
    key_active(c, now);
    if (!c.keyed.empty()) watch(c.keyed.front());
    for (uint32_t id : c.pending) {
      const Flight& f = flights_[id];
      if (f.active_s + c.pending_min_bytes / c.ceiling > t_s) break;  // activation order: the rest are later
      if (f.active_s + f.bytes / c.ceiling <= t_s) watch(id);
    }
  }
}

bool TransferPool::advance(double t_s, Done& done) {
  if (in_flight_ == 0) return false;
  const double now = now_s();
  collect_waiting(now, t_s);
  const double timeout = t_s - now;
  const ssize_t i = waiting_.empty() ? -1 : sg4::Comm::wait_any_for(waiting_, timeout > 0 ? timeout : 0.0);
  if (i < 0) {
    sync_clock(t_s);  // wait_any_for stops at the timeout; make the clock exact
    refresh_bound();
    return false;
  }
  const uint32_t id = waiting_ids_[static_cast<size_t>(i)];
  done = Done{flights_[id].tag, now_s()};
  Class& c = classes_[flights_[id].cls];
  if (!c.keyed.empty() && c.keyed.front() == id) {
    heap_pop(c);
    if (c.ref == id) c.ref = c.keyed.empty() ? kNone : c.keyed.front();
  } else {  // a flight still in its latency phase (the reference pool keys none)
    c.pending.erase(std::find(c.pending.begin(), c.pending.end(), id));
  }
  release(id);
  refresh_bound();
  return true;
}

}  // namespace servesim::sim
