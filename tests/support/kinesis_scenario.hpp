#pragma once
// A scenario whose arrivals are records put to a Kinesis stream read by one Lambda function (1,769 MB: one
// vCPU, no cold-start time), for the tests of the Kinesis event source mapping.
//
//   auto doc = test::kinesis_scenario(dir, {0.0, 0.5}, 100, {{"shards", 2}});
#include <nlohmann/json.hpp>
#include <vector>

#include "support/sim_harness.hpp"

namespace servesim::test {

// Records put at `times`, each taking `record_ms` on the function; `event_source` is the section's keys (its
// type is set to kinesis).
inline nlohmann::json kinesis_scenario(const TempDir& dir, const std::vector<double>& times, double record_ms,
                                       const nlohmann::json& event_source) {
  nlohmann::json source = event_source;
  source["type"] = "kinesis";
  return {{"seed", 5},
          {"workload", trace_at(dir, times)},
          {"service", {{"warm", constant_ms(record_ms)}}},
          {"slo", {{"p99_ms", 1e6}, {"timeout_s", 1e6}}},
          {"event_source", source},
          {"metrics", {{"interval_s", 10}}},
          {"candidates",
           {{{"name", "fn"}, {"platform", "aws-lambda"}, {"memory_mb", 1769}, {"timeout_s", 900}}}}};
}

}  // namespace servesim::test
