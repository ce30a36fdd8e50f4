#pragma once
// Deterministic random numbers with our own distributions: the standard library's distributions differ
// between implementations, and results must be byte-identical for the same seed on every machine.
#include <cmath>
#include <cstdint>

namespace servesim::sim {

// xoshiro256** (Blackman & Vigna 2018), seeded through splitmix64.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& word : state_) word = splitmix64(seed);
  }

  uint64_t next_u64() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1]: safe for log().
  double uniform_open0() { return 1.0 - uniform(); }
  double exponential(double mean) { return -mean * std::log(uniform_open0()); }
  // Standard normal by Box-Muller (one value per call; the second is discarded to keep the stream simple).
  double normal() {
    const double u1 = uniform_open0();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }
  // Poisson-distributed count with the given mean (inversion for small means, normal approximation above
  // 500).
  uint64_t poisson(double mean);

  // Independent stream for a named purpose, derived from a seed (same seed + same tag => same stream).
  static Rng derive(uint64_t seed, uint64_t tag) { return Rng(seed ^ (0x9E3779B97F4A7C15ULL * (tag + 1))); }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t splitmix64(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t state_[4];
};

inline uint64_t Rng::poisson(double mean) {
  if (mean <= 0) return 0;
  if (mean > 500) {
    const double x = std::floor(mean + std::sqrt(mean) * normal() + 0.5);
    return x < 0 ? 0 : static_cast<uint64_t>(x);
  }
  // Knuth's multiplication method in log space, split into chunks to avoid underflow.
  uint64_t count = 0;
  double remaining = mean;
  while (remaining > 0) {
    const double step = remaining > 30 ? 30 : remaining;
    remaining -= step;
    const double limit = std::exp(-step);
    double product = uniform_open0();
    while (product > limit) {
      ++count;
      product *= uniform_open0();
    }
  }
  return count;
}

}  // namespace servesim::sim
