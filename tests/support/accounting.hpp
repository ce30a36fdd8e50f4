#pragma once
// Checks that every arrival of a run is accounted for exactly once (Catch2 CHECKs, for tests that simulate).
#include <catch2/catch.hpp>

#include "sim/run_result.hpp"

namespace servesim::test {

// Asynchronous invocation: every event ends exactly once (served, timed out, throttled or dropped), and the
// dropped ones are the events dead-lettered after their retries or expired by age (docs/faults.md,
// "Clients").
inline void check_async_accounted(const sim::CandidateResult& r) {
  const auto& q = r.requests;
  CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
  CHECK(r.client.dead_lettered + r.client.expired_by_age == q.dropped);
}

}  // namespace servesim::test
