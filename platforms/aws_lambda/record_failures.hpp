#pragma once
// Which records of an event source fail (docs/events.md, "Failing records and partial batch responses"): a
// failing record fails on every try, as a payload the function cannot process does (a "poison pill"). Each
// arrival is drawn once, in arrival order, from the seed's own stream (so every candidate of a scenario gets
// the same failing records), with record_failure_probability; the arrivals listed in failing_records fail
// too.
//   RecordFailures failures(spec, seed);
//   const bool fails = failures.next();  // for the next arrival
#include <algorithm>
#include <cstdint>
#include <vector>

#include "sim/event_source.hpp"
#include "sim/rng.hpp"

namespace servesim::platforms {

class RecordFailures {
 public:
  RecordFailures(const sim::EventSourceSpec& spec, uint64_t seed)
      : probability_(spec.record_failure_probability),
        listed_(spec.failing_records),
        rng_(sim::Rng::derive(seed, kRecordFailureStream)) {}

  // Whether the next arrival (in arrival order) fails on every try.
  bool next() {
    const uint64_t index = index_++;
    // The draw is made only when the probability is set, so a run without it uses no random number.
    const bool drawn = probability_ > 0 && rng_.uniform() < probability_;
    return drawn || std::binary_search(listed_.begin(), listed_.end(), index);
  }

  // Whether any record can fail (the feature is in use).
  bool in_use() const { return probability_ > 0 || !listed_.empty(); }

 private:
  // The failures' random stream (sim/rng.hpp tags 1..6 are the arrivals' and the run's, 7 the partition
  // keys).
  static constexpr uint64_t kRecordFailureStream = 8;
  double probability_;
  std::vector<uint64_t> listed_;  // sorted
  sim::Rng rng_;
  uint64_t index_ = 0;
};

}  // namespace servesim::platforms
