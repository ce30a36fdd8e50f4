#pragma once
// Pieces of the session-affinity and instance-cache tests: a request trace whose key column names each
// request's session, and a DynamoDB on-demand stage with an instance cache (one read and one write of 4 ms
// each per request) to put behind a serving stage.
//
//   auto trace = test::session_trace(dir, {{0, "A"}, {0.5, "B"}});
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "support/sim_harness.hpp"

namespace servesim::test {

// One request per (time [s], session) pair, the session in column "session".
inline nlohmann::json session_trace(const TempDir& dir,
                                    const std::vector<std::pair<double, std::string>>& rows) {
  std::string csv = "TIMESTAMP,session\n";
  for (const auto& [t, session] : rows) csv += std::to_string(t) + "," + session + "\n";
  return {{"type", "request_trace"},
          {"path", dir.write("sessions.csv", csv)},
          {"timestamp_unit", "s"},
          {"key_column", "session"}};
}

// The topology stage "session": DynamoDB on demand behind an instance cache, 4 ms per read and per write.
inline nlohmann::json cached_session_store() {
  return {{"id", "session"},
          {"kind", "state-store"},
          {"service", "dynamodb-on-demand"},
          {"instance_cache", true},
          {"read_latency_median_ms", 4},
          {"read_latency_p99_ms", 4},
          {"write_latency_median_ms", 4},
          {"write_latency_p99_ms", 4}};
}

}  // namespace servesim::test
