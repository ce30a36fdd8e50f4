#pragma once
// A scenario whose arrivals are messages published to a Pub/Sub topic pushed to one Cloud Run service, for
// the tests of the push subscription (docs/events.md), and the accounting every such run must keep.
//
//   auto doc = test::pubsub_scenario(dir, {0.0, 0.5}, 1000, {{"max_delivery_attempts", 5}});
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <vector>

#include "support/sim_harness.hpp"

namespace servesim::test {

// Messages published at `times`, each taking `service_ms` alone on a 1-vCPU Cloud Run instance; `instances`
// minimum = maximum instances (ready at 0: no cold start), one request each at a time. `event_source` is the
// section's keys (its type is set to pubsub).
inline nlohmann::json pubsub_scenario(const TempDir& dir, const std::vector<double>& times, double service_ms,
                                      const nlohmann::json& event_source, int instances = 1) {
  nlohmann::json source = event_source;
  source["type"] = "pubsub";
  nlohmann::json doc = one_candidate_scenario(
      {"gcp-cloud-run", "svc", 5, 10}, trace_at(dir, times), {{"warm", constant_ms(service_ms)}},
      {{"min_instances", instances}, {"max_instances", instances}, {"concurrency", 1}});
  doc["event_source"] = source;
  return doc;
}

// Every message ends served, dead-lettered or expired.
inline void check_pubsub_accounted(const sim::CandidateResult& r) {
  const auto& q = r.requests;
  CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
  CHECK(q.timed_out + q.throttled == 0);
  CHECK(r.event_source.dead_lettered + r.event_source.expired == q.dropped);
}

}  // namespace servesim::test
