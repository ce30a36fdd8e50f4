#pragma once
// A scenario whose arrivals are `n` messages sent at t = 0 to an SQS queue read by one Lambda function
// (1,769 MB: one vCPU, no cold-start time; function timeout 900 s, so a visibility timeout of 900 s), for the
// tests of the SQS event source mapping's failures and FIFO queues.
//
//   auto doc = test::sqs_scenario(dir, 10, 100, {{"queue_type", "fifo"}});
#include <nlohmann/json.hpp>
#include <vector>

#include "support/sim_harness.hpp"

namespace servesim::test {

// Each message takes `message_ms` on the function; `keys` refine the event source (type sqs).
inline nlohmann::json sqs_scenario(const TempDir& dir, int n, double message_ms, const nlohmann::json& keys) {
  nlohmann::json source = {{"type", "sqs"}, {"visibility_timeout_s", 900}};
  source.update(keys);
  return {{"seed", 5},
          {"workload", trace_at(dir, std::vector<double>(static_cast<size_t>(n), 0.0))},
          {"service", {{"warm", constant_ms(message_ms)}}},
          {"slo", {{"p99_ms", 1e6}, {"timeout_s", 1e6}}},
          {"event_source", source},
          {"metrics", {{"interval_s", 60}}},
          {"candidates",
           {{{"name", "fn"}, {"platform", "aws-lambda"}, {"memory_mb", 1769}, {"timeout_s", 900}}}}};
}

}  // namespace servesim::test
