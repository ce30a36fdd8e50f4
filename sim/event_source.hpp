#pragma once
// The scenario's "event_source" section: the workload's arrivals are messages sent to a queue or a stream
// that the candidates consume through an event source mapping (docs/events.md), instead of requests sent to
// them. Checked here, where it enters; the platform that consumes it runs it (SQS and Kinesis:
// platforms/aws_lambda/{sqs,kinesis}_event_source.hpp; Pub/Sub push:
// platforms/gcp_cloud_run/pubsub_push_source.hpp). Every default is the provider's documented one, or
// labelled estimated, with its source in docs/events.md.
//   "event_source": {"type": "sqs", "batch_size": 10, "batching_window_s": 0, "visibility_timeout_s": 30,
//                    "max_receive_count": 5}
//   "event_source": {"type": "kinesis", "shards": 4, "parallelization_factor": 2, "batch_size": 100}
//   "event_source": {"type": "pubsub", "ack_deadline_s": 60, "retry_policy": "exponential_backoff",
//                    "max_delivery_attempts": 5, "enable_message_ordering": true, "ordering_keys": 100}
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace servesim::sim {

struct EventSourceSpec {
  enum class Type : uint8_t { sqs, kinesis, pubsub };
  bool given = false;  // false: no event source, arrivals are requests
  Type type = Type::sqs;
  // The type's name in the scenario ("sqs", "kinesis", "pubsub").
  const char* type_name() const {
    return type == Type::sqs ? "sqs" : type == Type::kinesis ? "kinesis" : "pubsub";
  }
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
  // Records that fail (SQS and Kinesis; docs/events.md "Failing records and partial batch responses"): a
  // failing record fails on every try (a poison record: a payload the function cannot process). Drawn once
  // per arrival from the seed's own stream with record_failure_probability, and/or listed by arrival index (0
  // = the first). Off by default.
  double record_failure_probability = 0;  // share of records that fail [fraction]; 0..1
  std::vector<uint64_t> failing_records;  // arrival indices that fail, besides the drawn ones
  // FunctionResponseTypes ["ReportBatchItemFailures"]: the function reports its failed records instead of
  // failing the whole batch. SQS: only those return after the visibility timeout; Kinesis: the batch is
  // retried from the first failed record (the records before it are checkpointed).
  bool report_batch_item_failures = false;
  // SQS FIFO queue ("queue_type": "fifo"): each message carries one of `partition_keys` message group IDs
  // (keys "message_groups", default 1000, and "message_group_assignment", drawn from the seed or round robin,
  // as Kinesis's partition keys); a group's messages are delivered in order, one batch of a group at a time;
  // BatchSize at most 10 and no batching window (Lambda's rules); requests at the FIFO price.
  bool fifo = false;
  uint32_t send_limit_per_s = 300;  // FIFO: SendMessage requests a second (300 without batching); 1..1e6

  // Kinesis Data Streams -> Lambda event source mapping (standard iterator). batch_size (default 100 for
  // Kinesis), batching_window_s and retention_s (default 86400 for Kinesis) above apply too.
  uint32_t shards = 1;                  // shards of the stream (provisioned mode); 1..10000
  uint32_t parallelization_factor = 1;  // concurrent batches per shard (ParallelizationFactor); 1..10
  int32_t maximum_retry_attempts = -1;  // retries of a failed batch (-1: until its records expire); -1..10000
  bool bisect_batch_on_function_error = false;  // a batch that fails with a function error is split in two
  double maximum_record_age_s = -1;  // a record older than this is discarded (-1: none); -1, 60..604800
  double poll_interval_s = 1;        // Lambda polls each shard this often while it is caught up [s]
  uint32_t partition_keys = 1000;    // distinct partition keys of the producers; 1..10^9
  bool round_robin_keys = false;     // arrival i gets key i mod partition_keys (else a seeded random key)
  double record_kb = 1;              // size of one record [KB] (PUT payload units of 25 KB); 0..1024
  double price_usd_per_shard_hour = 0.015;         // provisioned shard-hour (us-east-1; unconfirmed)
  double price_usd_per_million_put_units = 0.014;  // per million PUT payload units (us-east-1; unconfirmed)
  // Capacity mode (StreamModeDetails): on-demand replaces the shards' write limits by the stream's write
  // capacity, 4,000 records/s and 4 MiB/s at first, then twice the peak second of the previous 30 days (a
  // second counting once 15 minutes old); `shards` is then the initial 4 shards (the lanes), unless given.
  // Billed per stream-hour and per GB written and read instead of shard-hours and PUT units (unconfirmed).
  bool on_demand = false;                   // "capacity_mode": "provisioned" (false) | "on_demand"
  double price_usd_per_stream_hour = 0.04;  // on-demand stream-hour (us-east-1; unconfirmed)
  double price_usd_per_gb_written = 0.08;   // on-demand data in per GB (us-east-1; unconfirmed)
  double price_usd_per_gb_read = 0.04;      // on-demand data out per GB, standard iterator (unconfirmed)
  // Enhanced fan-out: the mapping is a dedicated-throughput consumer (SubscribeToShard): records are pushed
  // fan_out_propagation_s after the put instead of waiting for a poll; billed per consumer-shard-hour and per
  // GB retrieved (amounts unconfirmed).
  bool enhanced_fan_out = false;
  double fan_out_propagation_s = 0.07;  // put to delivery [s] (AWS's "average" ~70 ms; figure unconfirmed)
  double price_usd_per_consumer_shard_hour = 0.015;  // enhanced fan-out (us-east-1; unconfirmed)
  double price_usd_per_gb_fan_out_read = 0.013;  // enhanced fan-out data retrieval (us-east-1; unconfirmed)

  // Pub/Sub push subscription -> Cloud Run service (Subscription: ackDeadlineSeconds, retryPolicy,
  // deadLetterPolicy.maxDeliveryAttempts, messageRetentionDuration). retention_s above is the message
  // retention (key message_retention_s, default 604800 for Pub/Sub).
  double ack_deadline_s = 10;        // a push request unanswered this long is a nack [s]; 10..600
  bool exponential_backoff = false;  // retry policy: exponential backoff (false: immediate redelivery)
  double minimum_backoff_s = 10;     // the first redelivery delay with exponential backoff [s]; 0..600
  double maximum_backoff_s = 600;    // the longest redelivery delay [s]; 0..600, >= minimum_backoff_s
  // Deliveries before the message goes to the dead-letter topic (0: no dead-letter policy); 5..100.
  uint32_t max_delivery_attempts = 0;
  double message_kb = 1;          // size of one message [KB]; billed at least 1 KB per publish and push
  double price_usd_per_tib = 40;  // throughput (publish and delivery) per TiB
  // Push flow control: the push window (outstanding push requests at most) starts small, grows on each
  // success and shrinks on each failure; after a failure pushing pauses (push backoff, 0.1 s..60 s,
  // doubling while failures follow each other). The window's numbers are estimated (Google gives none).
  double push_window_initial = 3;   // outstanding push requests at first ("single-digit": estimated)
  double push_window_growth = 1;    // added per success (slow start: doubles per round trip; estimated)
  double push_window_shrink = 0.5;  // factor per failure, at least 1 request (estimated)
  double push_backoff_min_s = 0.1;  // pause after a failure [s] (Google's range 0.1..60 s: unconfirmed)
  double push_backoff_max_s = 60;   // longest pause [s]
  // Message ordering (enable_message_ordering): each message carries one of `partition_keys` ordering keys
  // (keys "ordering_keys", default 1000, and "ordering_key_assignment": drawn from the seed or round robin,
  // as Kinesis's partition keys); a key's messages are pushed in publish order, one outstanding at a time,
  // the next after the previous one is acked, dead-lettered or expired (docs/events.md).
  bool message_ordering = false;
};

// Reads `doc`, the section at JSON `pointer` of `file` ("/event_source"); throws InputError. A candidate's
// own "event_source" keys are read over the scenario's section: `base` gives the values it does not (its type
// then need not be repeated, and may not differ). A key of another type's mapping is refused as unknown.
EventSourceSpec parse_event_source(const nlohmann::json& doc, const std::string& file,
                                   const std::string& pointer = "/event_source",
                                   const EventSourceSpec& base = {});

}  // namespace servesim::sim
