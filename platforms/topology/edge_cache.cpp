#include "platforms/topology/edge_cache.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace servesim::platforms {

EdgeCache::EdgeCache(uint64_t catalogue_items, double zipf_s, double ttl_s, uint64_t capacity_items)
    : ttl_s_(ttl_s), capacity_(capacity_items) {
  cdf_.resize(catalogue_items);
  double sum = 0;
  for (uint64_t k = 0; k < catalogue_items; ++k) {
    sum += std::pow(static_cast<double>(k + 1), -zipf_s);
    cdf_[k] = sum;
  }
  expires_s_.assign(catalogue_items, -std::numeric_limits<double>::infinity());
  if (capacity_ > 0) {
    prev_.assign(catalogue_items, kNone);
    next_.assign(catalogue_items, kNone);
  }
}

uint32_t EdgeCache::sample(sim::Rng& rng) const {
  const double x = rng.uniform() * cdf_.back();
  const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), x);
  return static_cast<uint32_t>(std::min<size_t>(static_cast<size_t>(it - cdf_.begin()), cdf_.size() - 1));
}

double EdgeCache::probability(uint32_t key) const {
  return (cdf_[key] - (key ? cdf_[key - 1] : 0.0)) / cdf_.back();
}

void EdgeCache::unlink(uint32_t key) {
  const uint32_t p = prev_[key], n = next_[key];
  (p == kNone ? head_ : next_[p]) = n;
  (n == kNone ? tail_ : prev_[n]) = p;
  prev_[key] = next_[key] = kNone;
}

void EdgeCache::push_front(uint32_t key) {
  prev_[key] = kNone;
  next_[key] = head_;
  if (head_ != kNone) prev_[head_] = key;
  head_ = key;
  if (tail_ == kNone) tail_ = key;
}

bool EdgeCache::lookup_trace_key(uint64_t key, double t_s) {
  const auto [it, is_new] = slots_.try_emplace(key, static_cast<uint32_t>(expires_s_.size()));
  if (is_new) {
    expires_s_.push_back(-std::numeric_limits<double>::infinity());
    if (capacity_ > 0) {
      prev_.push_back(kNone);
      next_.push_back(kNone);
    }
  }
  return lookup(it->second, t_s);
}

bool EdgeCache::lookup(uint32_t key, double t_s) {
  double& expires = expires_s_[key];
  const bool cached = expires != -std::numeric_limits<double>::infinity();
  const bool hit = expires > t_s;
  if (!hit) expires = t_s + ttl_s_;  // the miss fetches the object and caches it from now
  if (capacity_ == 0) return hit;
  if (cached) {
    unlink(key);  // a hit, or a stale copy refreshed by this miss: most recently used either way
  } else if (++size_ > capacity_) {
    const uint32_t victim = tail_;
    unlink(victim);
    expires_s_[victim] = -std::numeric_limits<double>::infinity();
    --size_;
  }
  push_front(key);
  return hit;
}

}  // namespace servesim::platforms
