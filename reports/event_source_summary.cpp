#include "reports/event_source_summary.hpp"

#include "reports/run_report.hpp"

namespace servesim::reports {

namespace {
// Failing records and partial batch responses (SQS and Kinesis), only when records can fail or the mapping
// reports batch item failures (docs/events.md).
void add_record_failures(nlohmann::ordered_json& summary, const sim::EventSourceOutcome& e) {
  if (!e.record_failures_shown) return;
  summary["record_failures"] = {{"report_batch_item_failures", e.report_batch_item_failures},
                                {"failed_tries", e.record_failures},
                                {"partial_batch_responses", e.partial_batches},
                                {"duplicate_records", e.duplicate_records}};
}
}  // namespace

nlohmann::ordered_json event_source_summary(const sim::EventSourceOutcome& e, const sim::Counters& q) {
  if (e.type == "kinesis") {
    // A Kinesis stream read by a Lambda event source mapping (docs/events.md).
    const uint64_t settled = q.served + e.dead_lettered + e.expired + q.throttled;
    nlohmann::ordered_json summary = {
        {"type", "kinesis"},
        {"records",
         {{"sent", q.arrived},
          {"served", q.served},
          {"discarded", e.dead_lettered},
          {"expired", e.expired},
          {"put_refused", q.throttled},
          {"still_in_stream", q.arrived > settled ? q.arrived - settled : 0},
          {"retried", e.redeliveries}}},
        {"batches",
         {{"invocations", e.batches},
          {"failed", e.batches_failed},
          {"retries", e.batch_retries},
          {"bisections", e.bisections},
          {"mean_size",
           round_significant(
               e.batches ? static_cast<double>(e.batch_messages) / static_cast<double>(e.batches) : 0.0)},
          {"concurrent_peak", e.concurrent_batches_peak},
          {"concurrent_max", e.shards * e.parallelization_factor}}},
        {"stream",
         {{"shards", e.shards},
          {"parallelization_factor", e.parallelization_factor},
          {"depth_peak", e.queue_depth_peak},
          {"put_throttles", e.put_throttles},
          {"read_limit_waits", e.read_limit_waits},
          {"iterator_age_peak_s", round_significant(e.iterator_age_peak_s)},
          {"oldest_record_age_peak_s", round_significant(e.oldest_age_peak_s)}}},
    };
    // Usage as billed: provisioned shard-hours and PUT units, or on-demand stream-hours and data; the
    // capacity mode and enhanced fan-out are named only when used (docs/events.md).
    nlohmann::ordered_json usage;
    if (e.on_demand) {
      usage = {{"capacity_mode", "on_demand"},
               {"stream_hours", round_significant(e.stream_hours)},
               {"write_capacity_peak_records_per_s", e.write_capacity_peak_records_per_s},
               {"gb_written", round_significant(e.gb_written)}};
      if (!e.enhanced_fan_out) usage["gb_read"] = round_significant(e.gb_read);
    } else {
      usage = {{"shard_hours", round_significant(e.shard_hours)}, {"put_payload_units", e.put_payload_units}};
    }
    if (e.enhanced_fan_out) {
      usage["enhanced_fan_out"] = true;
      usage["consumer_shard_hours"] = round_significant(e.consumer_shard_hours);
      usage["gb_fan_out_read"] = round_significant(e.gb_fan_out_read);
    }
    summary["kinesis_usage"] = std::move(usage);
    add_record_failures(summary, e);
    return summary;
  }
  if (e.type == "sqs") {
    // An SQS queue read by a Lambda event source mapping (docs/events.md).
    const uint64_t requests = e.send_requests + e.receive_requests + e.delete_requests + e.empty_receives;
    nlohmann::ordered_json summary = {
        {"type", "sqs"},
        {"messages",
         {{"sent", q.arrived},
          {"served", q.served},
          {"dead_lettered", e.dead_lettered},
          {"expired", e.expired},
          {"redeliveries", e.redeliveries}}},
        {"batches",
         {{"invocations", e.batches},
          {"failed", e.batches_failed},
          {"mean_size",
           round_significant(
               e.batches ? static_cast<double>(e.batch_messages) / static_cast<double>(e.batches) : 0.0)},
          {"concurrent_peak", e.concurrent_batches_peak}}},
        {"queue",
         {{"depth_peak", e.queue_depth_peak},
          {"oldest_message_age_peak_s", round_significant(e.oldest_age_peak_s)}}},
        {"sqs_requests",
         {{"send", e.send_requests},
          {"receive", e.receive_requests},
          {"delete", e.delete_requests},
          {"empty_receive", e.empty_receives},
          {"total", requests}}},
    };
    add_record_failures(summary, e);
    // A FIFO queue: its message groups and its send limit, only when the queue is one.
    if (e.fifo)
      summary["fifo"] = {{"message_groups", e.message_groups},
                         {"groups_active_peak", e.message_groups_active_peak},
                         {"send_limit_per_s", e.send_limit_per_s},
                         {"sends_refused", e.put_throttles}};
    return summary;
  }
  // A Pub/Sub push subscription in front of a Cloud Run service: one message per push request.
  const uint64_t settled = q.served + e.dead_lettered + e.expired;
  nlohmann::ordered_json block = {
      {"type", "pubsub"},
      {"messages",
       {{"sent", q.arrived},
        {"served", q.served},
        {"dead_lettered", e.dead_lettered},
        {"expired", e.expired},
        {"still_in_subscription", q.arrived > settled ? q.arrived - settled : 0},
        {"redeliveries", e.redeliveries}}},
      {"push",
       {{"requests", e.batches},
        {"nacks", e.batches_failed},
        {"ack_deadline_exceeded", e.ack_deadline_exceeded},
        {"outstanding_peak", e.concurrent_batches_peak},
        {"window_peak", round_significant(e.push_window_peak)},
        {"backoffs", e.push_backoffs}}},
      {"queue",
       {{"depth_peak", e.queue_depth_peak},
        {"oldest_message_age_peak_s", round_significant(e.oldest_age_peak_s)}}},
      {"pubsub_usage",
       {{"publish_requests", e.send_requests},
        {"push_requests", e.receive_requests},
        {"throughput_gib", round_significant(e.throughput_tib * 1024)}}},
  };
  // Message ordering, only when the subscription enables it (one push at a time per key).
  if (e.message_ordering)
    block["ordering"] = {{"ordering_keys", e.ordering_keys},
                         {"keys_active_peak", e.ordering_keys_active_peak},
                         {"key_backlog_peak", e.ordering_key_backlog_peak}};
  return block;
}

}  // namespace servesim::reports
