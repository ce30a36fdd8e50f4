#pragma once
// The scenario's "event_source" section: the workload's arrivals are messages sent to a queue that the
// candidates consume through an event source mapping (docs/events.md), instead of requests sent to them.
// Checked here, where it enters; the platform that consumes the queue (platforms/aws_lambda/
// sqs_event_source.hpp) runs it. Every default is AWS's documented one, with its source in docs/events.md.
//   "event_source": {"type": "sqs", "batch_size": 10, "batching_window_s": 0, "visibility_timeout_s": 30,
//                    "max_receive_count": 5}
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace servesim::sim {

struct EventSourceSpec {
  bool given = false;  // false: no event source, arrivals are requests
  // SQS standard queue -> Lambda event source mapping (BatchSize, MaximumBatchingWindowInSeconds,
  // ScalingConfig.MaximumConcurrency; queue attributes VisibilityTimeout, RedrivePolicy.maxReceiveCount,
  // MessageRetentionPeriod).
  uint32_t batch_size = 10;          // messages per invocation at most; 1..10000, > 10 needs a window >= 1 s
  double batching_window_s = 0;      // how long a batch gathers before it is sent [s]; 0..300
  uint32_t maximum_concurrency = 0;  // concurrent batches at most (0: not set); 2..1000
  uint32_t initial_batches = 5;      // concurrent batches when messages first arrive
  double scale_up_per_minute = 300;  // concurrent batches added per minute while messages wait
  uint32_t max_batches = 1000;       // concurrent batches an event source mapping can process
  double visibility_timeout_s = 30;  // a received message reappears this long after the receive [s]
  uint32_t max_receive_count = 0;    // receives before the message moves to the DLQ (0: no redrive policy)
  double retention_s = 345600;       // a message older than this is deleted unprocessed [s] (4 days)
  // Cost: SendMessage, ReceiveMessage and DeleteMessageBatch requests (a receive or a delete covers up to 10
  // messages, a message up to 64 KB), and the long polls that come back empty while the queue is idle.
  double price_usd_per_million_requests = 0.40;
  uint32_t idle_pollers = 5;  // pollers long-polling an empty queue (estimated)
  double long_poll_s = 20;    // the wait of one empty long poll [s] (ReceiveMessage maximum)
};

// Reads `doc`, the section at JSON `pointer` of `file` ("/event_source"); throws InputError. A candidate's
// own "event_source" keys are read over the scenario's section: `base` gives the values it does not (its type
// then need not be repeated).
EventSourceSpec parse_event_source(const nlohmann::json& doc, const std::string& file,
                                   const std::string& pointer = "/event_source",
                                   const EventSourceSpec& base = {});

}  // namespace servesim::sim
