#include "sim/transfer_pool.hpp"

#include <algorithm>
#include <cmath>
#include <simgrid/s4u.hpp>
#include <unordered_map>

namespace servesim::sim {
namespace sg4 = simgrid::s4u;

namespace {
constexpr double kNoCompletion = std::numeric_limits<double>::infinity();
// The weighted twin's latency as a share of its own (route latency / k): long enough for SimGrid to give the
// flow its weight after it (a flow without latency gets SimGrid's default weight), short enough to be far
// below the nanosecond the pool reports times to.
constexpr double kWeightedLatencyFactor = 1e-12;
// SimGrid's precision on dates (surf/precision): communications due within it end in the same step.
constexpr double kSimultaneousS = 1e-9;

struct TwinFactors {
  double latency = 1;
  double bandwidth = 1;
};
// Keyed by twin host; SimGrid's factor callbacks read it for every communication it starts.
std::unordered_map<const sg4::Host*, TwinFactors>& twin_factors() {
  static std::unordered_map<const sg4::Host*, TwinFactors> factors;
  return factors;
}
}  // namespace

double TransferPool::latency_factor(const sg4::Host* source) {
  const auto& factors = twin_factors();
  const auto it = factors.find(source);
  return it == factors.end() ? 1.0 : it->second.latency;
}

double TransferPool::bandwidth_factor(const sg4::Host* source) {
  const auto& factors = twin_factors();
  const auto it = factors.find(source);
  return it == factors.end() ? 1.0 : it->second.bandwidth;
}

void TransferPool::register_twin(const BulkTwin* twin) {
  if (twin == nullptr) {
    twin_factors().clear();
    return;
  }
  twin_factors()[twin->exact] = TwinFactors{0.0, 1.0};
  twin_factors()[twin->weighted] = TwinFactors{kWeightedLatencyFactor, 1.0};
}

TransferPool::~TransferPool() {
  for (auto& f : flights_)
    if (f.comm) f.comm->cancel();
  for (auto& c : classes_)
    if (c.flow) c.flow->cancel();
}

// SimGrid's clock is process-wide and keeps running across engines, so the same run started later in a
// process would see times that differ in their last bits. Rounding to the nanosecond makes them identical.
double TransferPool::now_s() const {
  return std::round((sg4::Engine::get_clock() - origin_s_) * 1e9) / 1e9;
}

void TransferPool::sleep_until_clock(double clock) {
  if (clock > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(clock);
}

void TransferPool::sync_clock(double t_s) {
  if (!exhaustive_) {
    bool activated = false;
    for (double a = next_activation_clock(); a - origin_s_ <= t_s; a = next_activation_clock()) {
      sleep_until_clock(a);
      activate(a);
      activated = true;
    }
    if (activated) refresh_bound();
  }
  if (t_s > now_s()) sg4::this_actor::sleep_until(origin_s_ + t_s);
}

void TransferPool::set_rate_factor(double factor) {
  rate_factor_ = factor;
  for (Class& c : classes_)
    if (c.flow) {
      stop_flow(c);
      start_flow(c);
    }
  refresh_bound();
}

uint32_t TransferPool::class_of(const TransferRoute& route, sg4::Host* from, double ceiling, double latency_s,
                                const BulkTwin& bulk) {
  for (size_t k = 0; k < classes_.size(); ++k)  // a handful: one per route and slow variant
    if (classes_[k].from == from && classes_[k].to == route.to && classes_[k].ceiling == ceiling)
      return static_cast<uint32_t>(k);
  Class c;
  c.from = from;
  c.to = route.to;
  c.ceiling = ceiling;
  c.latency_s = latency_s;
  c.shared = route.shared;
  c.bulk = bulk;
  classes_.push_back(std::move(c));
  return static_cast<uint32_t>(classes_.size() - 1);
}

void TransferPool::start(double now_s, double bytes, const TransferRoute& route, uint64_t tag) {
  sync_clock(now_s);
  double ceiling = route.per_connection_bytes_per_s;
  double latency = route.latency_s;
  sg4::Host* from = route.from;
  const BulkTwin* bulk = &route.bulk;
  if (rate_factor_ < 1) {
    // Slow storage: this connection's ceiling is cut for its whole length (its route has more latency).
    for (const auto& v : route.slow)
      if (v.factor == rate_factor_) {
        from = v.from;
        ceiling *= v.factor;
        latency = v.latency_s;
        bulk = &v.bulk;
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
  const auto whole_bytes = static_cast<uint64_t>(bytes);  // SimGrid's payloads are whole bytes
  if (exhaustive_) f.comm = sg4::Comm::sendto_async(from, route.to, whole_bytes);
  f.tag = tag | tag_base_;
  f.seq = seq_++;
  f.bytes = static_cast<double>(whole_bytes);
  f.active_s = now_s + latency;
  f.active_clock = sg4::Engine::get_clock() + latency;
  f.key = 0;
  f.cls = class_of(route, from, ceiling, latency, *bulk);
  Class& c = classes_[f.cls];
  c.pending.push_back(id);
  c.pending_min_bytes = std::min(c.pending_min_bytes, f.bytes);
  ++in_flight_;
  const double bound = f.active_s + f.bytes / ceiling;
  c.bound = std::min(c.bound, bound);
  earliest_s_ = std::min(earliest_s_, bound);
  if (!exhaustive_ && latency <= 0) {
    activate(f.active_clock);
    refresh_bound();
  }
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

// Bytes one transfer of the class has moved since its origin: the flow moves k x flow_member_bytes in
// flow_payload units of SimGrid's remaining bytes.
double TransferPool::virtual_now(const Class& c) const {
  if (!c.flow) return c.v;
  return c.v + (c.flow_payload - c.flow->get_remaining()) * c.flow_member_bytes / c.flow_payload;
}

size_t TransferPool::classes_on(const sg4::Link* shared) const {
  size_t n = 0;
  for (const Class& c : classes_)
    if (c.shared == shared && !c.keyed.empty()) ++n;
  return n;
}

void TransferPool::stop_flow(Class& c) {
  if (!c.flow) return;
  c.v = virtual_now(c);
  c.flow->cancel();
  c.flow = nullptr;
}

// One SimGrid flow for the class's k active transfers, sized to end when its head does (see the header).
void TransferPool::start_flow(Class& c) {
  finish_heads(c);  // a head stopped within SimGrid's precision of its end has ended
  if (c.keyed.empty()) return;
  const auto k = static_cast<double>(c.keyed.size());
  const double member_bytes = flights_[c.keyed.front()].key - c.v;
  const double payload = std::max(1.0, std::ceil(k * member_bytes));
  c.flow_weighted = classes_on(c.shared) > 1;
  sg4::Host* twin = c.flow_weighted ? c.bulk.weighted : c.bulk.exact;
  c.bulk.own->set_latency(c.latency_s / k);
  twin_factors()[twin].bandwidth = payload / (k * member_bytes);
  c.flow_member_bytes = member_bytes;
  c.flow_payload = payload;
  c.flow = sg4::Comm::sendto_async(twin, c.to, static_cast<uint64_t>(payload));
}

// Moves the class's transfers whose virtual finish the clock has reached to ready_. SimGrid ends in one step
// every communication due within its precision (1e-9 s) and the reference pool then hands them out in slot
// order; so does this one, for the transfers within the bytes one of them can move in that time (at most the
// ceiling, at most the link's bandwidth shared by the class).
void TransferPool::finish_heads(Class& c) {
  if (c.keyed.empty()) return;
  const double member_rate =
      std::min(c.ceiling, c.shared->get_bandwidth() / static_cast<double>(c.keyed.size()));
  const double due = c.v + member_rate * kSimultaneousS;
  const size_t before = ready_.size();
  while (!c.keyed.empty() && flights_[c.keyed.front()].key <= due) {
    ready_.push_back(c.keyed.front());
    heap_pop(c);
  }
  if (ready_.size() != before) std::sort(ready_.begin(), ready_.end(), std::greater<>());
}

double TransferPool::next_activation_clock() const {
  double t = kNoCompletion;
  for (const Class& c : classes_)
    if (!c.pending.empty()) t = std::min(t, flights_[c.pending.front()].active_clock);
  return t;
}

// The transfers whose latency has passed by t_s join their class (K = V(now) + bytes); every class whose
// transfers changed, and every class that now shares its link with another, gets a new flow.
void TransferPool::activate(double clock) {
  std::vector<bool>& changed = changed_;
  changed.assign(classes_.size(), false);
  for (size_t k = 0; k < classes_.size(); ++k) {
    Class& c = classes_[k];
    if (c.pending.empty() || flights_[c.pending.front()].active_clock > clock) continue;
    stop_flow(c);
    changed[k] = true;
    while (!c.pending.empty() && flights_[c.pending.front()].active_clock <= clock) {
      const uint32_t id = c.pending.front();
      c.pending.pop_front();
      flights_[id].key = c.v + flights_[id].bytes;
      heap_push(c, id);
    }
    if (c.pending.empty()) c.pending_min_bytes = kNoCompletion;
    finish_heads(c);  // empty transfers
  }
  for (size_t k = 0; k < classes_.size(); ++k) {
    Class& c = classes_[k];
    if (c.flow && !c.flow_weighted && classes_on(c.shared) > 1) {
      stop_flow(c);
      changed[k] = true;
    }
  }
  for (size_t k = 0; k < classes_.size(); ++k)
    if (changed[k]) start_flow(classes_[k]);
}

// The class's earliest possible completion: its head's remaining bytes at the per-connection ceiling, or a
// pending flight's whole size from the end of its latency.
void TransferPool::refresh_bound() {
  const double now = now_s();
  earliest_s_ = ready_.empty() ? kNoCompletion : now;
  if (exhaustive_) {
    for (const auto& f : flights_)
      if (f.comm)
        earliest_s_ = std::min(earliest_s_,
                               std::max(now, f.active_s) + f.comm->get_remaining() / classes_[f.cls].ceiling);
    return;
  }
  for (Class& c : classes_) {
    c.bound = kNoCompletion;
    if (!c.keyed.empty())
      c.bound = now + std::max(0.0, flights_[c.keyed.front()].key - virtual_now(c)) / c.ceiling;
    if (!c.pending.empty())
      c.bound = std::min(c.bound, flights_[c.pending.front()].active_s + c.pending_min_bytes / c.ceiling);
    earliest_s_ = std::min(earliest_s_, c.bound);
  }
}

void TransferPool::release(uint32_t id) {
  flights_[id].comm = nullptr;
  free_.push_back(id);
}

bool TransferPool::advance_exhaustive(double t_s, Done& done) {
  waiting_.clear();
  waiting_ids_.clear();
  for (uint32_t id = 0; id < flights_.size(); ++id)
    if (flights_[id].comm) {
      waiting_ids_.push_back(id);
      waiting_.push_back(flights_[id].comm);
    }
  const double timeout = t_s - now_s();
  const ssize_t i = sg4::Comm::wait_any_for(waiting_, timeout > 0 ? timeout : 0.0);
  if (i < 0) {
    sync_clock(t_s);  // wait_any_for stops at the timeout; make the clock exact
    refresh_bound();
    return false;
  }
  const uint32_t id = waiting_ids_[static_cast<size_t>(i)];
  done = Done{flights_[id].tag, now_s()};
  Class& c = classes_[flights_[id].cls];
  c.pending.erase(std::find(c.pending.begin(), c.pending.end(), id));
  release(id);
  --in_flight_;
  refresh_bound();
  return true;
}

bool TransferPool::advance(double t_s, Done& done) {
  if (in_flight_ == 0) return false;
  if (exhaustive_) return advance_exhaustive(t_s, done);
  for (;;) {
    if (!ready_.empty()) {
      const uint32_t id = ready_.back();
      ready_.pop_back();
      done = Done{flights_[id].tag, now_s()};
      release(id);
      --in_flight_;
      refresh_bound();
      return true;
    }
    const double activation = next_activation_clock();
    const double target = std::min(origin_s_ + t_s, activation);
    waiting_.clear();
    waiting_ids_.clear();
    for (uint32_t k = 0; k < classes_.size(); ++k)
      if (classes_[k].flow) {
        waiting_ids_.push_back(k);
        waiting_.push_back(classes_[k].flow);
      }
    const double timeout = target - sg4::Engine::get_clock();
    const ssize_t i = waiting_.empty() ? -1 : sg4::Comm::wait_any_for(waiting_, timeout > 0 ? timeout : 0.0);
    if (i >= 0) {
      // The flow ends exactly when its head does: the virtual clock is at the head's key.
      Class& c = classes_[waiting_ids_[static_cast<size_t>(i)]];
      c.flow = nullptr;
      c.v = flights_[c.keyed.front()].key;
      finish_heads(c);
      start_flow(c);
      continue;
    }
    if (activation - origin_s_ > t_s) break;
    sleep_until_clock(activation);
    activate(activation);
  }
  sync_clock(t_s);  // wait_any_for stops at the timeout; make the clock exact
  refresh_bound();
  return false;
}

}  // namespace servesim::sim
