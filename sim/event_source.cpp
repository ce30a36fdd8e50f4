#include "sim/event_source.hpp"

#include <algorithm>
#include <cmath>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"

namespace servesim::sim {

namespace {

// An on-demand stream's initial write capacity, 4 MB/s and 4,000 records/s, is 4 shards' worth (Kinesis Data
// Streams Developer Guide, "Choose the data stream capacity mode").
constexpr uint32_t kOnDemandInitialShards = 4;
// SQS request prices per million, us-east-1: standard $0.40, FIFO $0.50 (SQS pricing; the FIFO figure is
// quoted by third-party summaries, unconfirmed here).
constexpr double kStandardPriceUsdPerMillion = 0.40;
constexpr double kFifoPriceUsdPerMillion = 0.50;

// Failing records and partial batch responses, shared by SQS and Kinesis (docs/events.md).
void parse_record_failures(core::JsonFields& f, EventSourceSpec& e) {
  e.record_failure_probability =
      f.number("record_failure_probability", e.record_failure_probability, 0.0, 1.0);
  if (f.has("failing_records")) {
    const nlohmann::json& list = f.child("failing_records");
    std::vector<uint64_t> indices;
    if (list.is_array())
      for (const nlohmann::json& v : list) {
        if (!v.is_number_integer() || v.get<int64_t>() < 0) {
          indices.clear();
          break;
        }
        indices.push_back(v.get<uint64_t>());
      }
    if (!list.is_array() || indices.size() != list.size())
      throw f.error("failing_records", "expected an array of arrival indices (whole numbers from 0), got " +
                                           core::quote_json(list));
    std::sort(indices.begin(), indices.end());
    e.failing_records = std::move(indices);
  }
  e.report_batch_item_failures = f.boolean("report_batch_item_failures", e.report_batch_item_failures);
}

// SQS standard queue -> Lambda: BatchSize, batching window, scaling, visibility timeout, redrive, retention.
void parse_sqs(core::JsonFields& f, EventSourceSpec& e) {
  const bool was_fifo = e.fifo;
  e.fifo = f.text("queue_type", e.fifo ? "fifo" : "standard", {"standard", "fifo"}) == "fifo";
  // FIFO requests cost more than standard ones (SQS pricing: $0.50 against $0.40 per million, unconfirmed).
  if (e.fifo != was_fifo)
    e.price_usd_per_million_requests = e.fifo ? kFifoPriceUsdPerMillion : kStandardPriceUsdPerMillion;
  e.batch_size = static_cast<uint32_t>(f.integer("batch_size", e.batch_size, 1, 10000));
  e.batching_window_s = f.number("batching_window_s", e.batching_window_s, 0.0, 300.0);
  if (e.fifo) {
    // Lambda: "For FIFO queues, the maximum is 10"; "Batching window is not supported for FIFO queues".
    if (e.batch_size > 10)
      throw f.error("batch_size", "expected at most 10 on a FIFO queue, got " + std::to_string(e.batch_size));
    if (e.batching_window_s > 0)
      throw f.error("batching_window_s", "expected 0 on a FIFO queue (no batching window), got " +
                                             core::quote_number(e.batching_window_s));
  }
  for (const char* key : {"message_groups", "message_group_assignment", "send_limit_per_s"})
    if (f.has(key) && !e.fifo)
      throw f.error(
          key, std::string("unexpected: ") + key +
                   " belongs to a FIFO queue (queue_type \"fifo\"); a standard queue has no message groups");
  e.partition_keys = static_cast<uint32_t>(f.integer("message_groups", e.partition_keys, 1, 1000000000));
  e.round_robin_keys = f.text("message_group_assignment", e.round_robin_keys ? "round_robin" : "random",
                              {"random", "round_robin"}) == "round_robin";
  e.send_limit_per_s = static_cast<uint32_t>(f.integer("send_limit_per_s", e.send_limit_per_s, 1, 1000000));
  // Lambda refuses a batch size above 10 without a batching window of at least 1 s.
  if (e.batch_size > 10 && e.batching_window_s < 1)
    throw f.error("batching_window_s", "expected at least 1 when batch_size is above 10 (" +
                                           std::to_string(e.batch_size) + "), got " +
                                           core::quote_number(e.batching_window_s));
  e.max_batches = static_cast<uint32_t>(f.integer("max_batches", e.max_batches, 1, 100000));
  if (f.has("maximum_concurrency"))
    e.maximum_concurrency = static_cast<uint32_t>(f.integer("maximum_concurrency", 2, 2, 1000));
  e.initial_batches =
      static_cast<uint32_t>(f.integer("initial_batches", e.initial_batches, 1, e.max_batches));
  e.scale_up_per_minute = f.number("scale_up_per_minute", e.scale_up_per_minute, 0.0, 1e6);
  e.visibility_timeout_s = f.number("visibility_timeout_s", e.visibility_timeout_s, 0.0, 43200.0);
  e.max_receive_count = static_cast<uint32_t>(f.integer("max_receive_count", e.max_receive_count, 0, 1000));
  e.retention_s = f.number("retention_s", e.retention_s, 60.0, 1209600.0);
  e.price_usd_per_million_requests =
      f.number("price_usd_per_million_requests", e.price_usd_per_million_requests, 0.0, 1e6);
  e.idle_pollers = static_cast<uint32_t>(f.integer("idle_pollers", e.idle_pollers, 0, 1000));
  e.long_poll_s = f.number("long_poll_s", e.long_poll_s, 1.0, 20.0);
  parse_record_failures(f, e);
}

// Kinesis Data Streams -> Lambda (CreateEventSourceMapping's ranges; the stream's retention and shards).
void parse_kinesis(core::JsonFields& f, EventSourceSpec& e) {
  const bool was_on_demand = e.on_demand;
  e.on_demand = f.text("capacity_mode", e.on_demand ? "on_demand" : "provisioned",
                       {"provisioned", "on_demand"}) == "on_demand";
  // An on-demand stream starts with 4 shards' worth of write capacity: 4 shards (lanes) unless given.
  if (e.on_demand && !was_on_demand) e.shards = kOnDemandInitialShards;
  e.shards = static_cast<uint32_t>(f.integer("shards", e.shards, 1, 10000));
  e.parallelization_factor =
      static_cast<uint32_t>(f.integer("parallelization_factor", e.parallelization_factor, 1, 10));
  e.batch_size = static_cast<uint32_t>(f.integer("batch_size", e.batch_size, 1, 10000));
  e.batching_window_s = f.number("batching_window_s", e.batching_window_s, 0.0, 300.0);
  if (f.has("maximum_retry_attempts")) {
    const double retries = f.number("maximum_retry_attempts", -1, -1, 10000);
    if (retries != std::floor(retries))
      throw f.error("maximum_retry_attempts",
                    "expected a whole number -1..10000, got " + core::quote_number(retries));
    e.maximum_retry_attempts = static_cast<int32_t>(retries);
  }
  e.bisect_batch_on_function_error =
      f.boolean("bisect_batch_on_function_error", e.bisect_batch_on_function_error);
  if (f.has("maximum_record_age_s")) {
    const double age_s = f.number("maximum_record_age_s", -1, -1, 604800);
    if (age_s != -1 && age_s < 60)
      throw f.error("maximum_record_age_s",
                    "expected -1 (none) or 60..604800, got " + core::quote_number(age_s));
    e.maximum_record_age_s = age_s;
  }
  e.retention_s = f.number("retention_s", e.retention_s, 86400.0, 31536000.0);
  e.poll_interval_s = f.number("poll_interval_s", e.poll_interval_s, 0.001, 60.0);
  e.partition_keys = static_cast<uint32_t>(f.integer("partition_keys", e.partition_keys, 1, 1000000000));
  e.round_robin_keys = f.text("partition_key_assignment", e.round_robin_keys ? "round_robin" : "random",
                              {"random", "round_robin"}) == "round_robin";
  e.record_kb = f.number("record_kb", e.record_kb, 0.001, 1024.0);
  e.price_usd_per_shard_hour = f.number("price_usd_per_shard_hour", e.price_usd_per_shard_hour, 0.0, 1e6);
  e.price_usd_per_million_put_units =
      f.number("price_usd_per_million_put_units", e.price_usd_per_million_put_units, 0.0, 1e6);
  e.price_usd_per_stream_hour = f.number("price_usd_per_stream_hour", e.price_usd_per_stream_hour, 0.0, 1e6);
  e.price_usd_per_gb_written = f.number("price_usd_per_gb_written", e.price_usd_per_gb_written, 0.0, 1e6);
  e.price_usd_per_gb_read = f.number("price_usd_per_gb_read", e.price_usd_per_gb_read, 0.0, 1e6);
  e.enhanced_fan_out = f.boolean("enhanced_fan_out", e.enhanced_fan_out);
  e.fan_out_propagation_s = f.number("fan_out_propagation_s", e.fan_out_propagation_s, 0.0, 60.0);
  e.price_usd_per_consumer_shard_hour =
      f.number("price_usd_per_consumer_shard_hour", e.price_usd_per_consumer_shard_hour, 0.0, 1e6);
  e.price_usd_per_gb_fan_out_read =
      f.number("price_usd_per_gb_fan_out_read", e.price_usd_per_gb_fan_out_read, 0.0, 1e6);
  parse_record_failures(f, e);
}

// A bound that may not be below its pair (a backoff's maximum and minimum).
void require_at_least(core::JsonFields& f, const char* key, double value, const char* floor_key,
                      double floor) {
  if (value < floor)
    throw f.error(key, std::string("expected at least ") + floor_key + " (" + core::quote_number(floor) +
                           "), got " + core::quote_number(value));
}

// Pub/Sub push subscription -> Cloud Run (the Subscription resource's ranges; the push window's estimates).
void parse_pubsub(core::JsonFields& f, EventSourceSpec& e) {
  e.ack_deadline_s = f.number("ack_deadline_s", e.ack_deadline_s, 10.0, 600.0);
  e.exponential_backoff = f.text("retry_policy", e.exponential_backoff ? "exponential_backoff" : "immediate",
                                 {"immediate", "exponential_backoff"}) == "exponential_backoff";
  for (const char* key : {"minimum_backoff_s", "maximum_backoff_s"})
    if (f.has(key) && !e.exponential_backoff)
      throw f.error(key, std::string("unexpected: ") + key +
                             " belongs to the exponential backoff retry policy (retry_policy "
                             "\"exponential_backoff\"); \"immediate\" redelivers at once");
  e.minimum_backoff_s = f.number("minimum_backoff_s", e.minimum_backoff_s, 0.0, 600.0);
  e.maximum_backoff_s = f.number("maximum_backoff_s", e.maximum_backoff_s, 0.0, 600.0);
  require_at_least(f, "maximum_backoff_s", e.maximum_backoff_s, "minimum_backoff_s", e.minimum_backoff_s);
  if (f.has("max_delivery_attempts")) {
    const double attempts = f.number("max_delivery_attempts", 0, 0, 100);
    if (attempts != std::floor(attempts) || (attempts != 0 && attempts < 5))
      throw f.error(
          "max_delivery_attempts",
          "expected 0 (no dead-letter topic) or a whole number 5..100, got " + core::quote_number(attempts));
    e.max_delivery_attempts = static_cast<uint32_t>(attempts);
  }
  e.retention_s = f.number("message_retention_s", e.retention_s, 600.0, 2678400.0);
  e.message_kb = f.number("message_kb", e.message_kb, 0.001, 10240.0);
  e.price_usd_per_tib = f.number("price_usd_per_tib", e.price_usd_per_tib, 0.0, 1e6);
  e.push_window_initial = f.number("push_window_initial", e.push_window_initial, 1.0, 1e6);
  e.push_window_growth = f.number("push_window_growth", e.push_window_growth, 0.0, 1e6);
  e.push_window_shrink = f.number("push_window_shrink", e.push_window_shrink, 0.0, 1.0);
  e.push_backoff_min_s = f.number("push_backoff_min_s", e.push_backoff_min_s, 0.0, 600.0);
  e.push_backoff_max_s = f.number("push_backoff_max_s", e.push_backoff_max_s, 0.0, 600.0);
  require_at_least(f, "push_backoff_max_s", e.push_backoff_max_s, "push_backoff_min_s", e.push_backoff_min_s);
  // Ordering keys are the publishers' (as Kinesis's partition keys); a subscription without message ordering
  // ignores them, so a scenario may give them and let one candidate enable ordering.
  e.message_ordering = f.boolean("enable_message_ordering", e.message_ordering);
  e.partition_keys = static_cast<uint32_t>(f.integer("ordering_keys", e.partition_keys, 1, 1000000000));
  e.round_robin_keys = f.text("ordering_key_assignment", e.round_robin_keys ? "round_robin" : "random",
                              {"random", "round_robin"}) == "round_robin";
}

}  // namespace

EventSourceSpec parse_event_source(const nlohmann::json& doc, const std::string& file,
                                   const std::string& pointer, const EventSourceSpec& base) {
  core::JsonFields f(doc, file, pointer);
  EventSourceSpec e = base;
  if (base.given) {
    // A candidate's keys refine the scenario's mapping: the same type.
    f.text("type", base.type_name(), {base.type_name()});
  } else {
    const std::string type = f.required_text("type", {"sqs", "kinesis", "pubsub"});
    if (type == "kinesis") {
      // Kinesis's own defaults where they differ from SQS's: BatchSize 100, a 24-hour retention period.
      e.type = EventSourceSpec::Type::kinesis;
      e.batch_size = 100;
      e.retention_s = 86400;
    } else if (type == "pubsub") {
      e.type = EventSourceSpec::Type::pubsub;
      e.retention_s = 604800;  // messageRetentionDuration: 7 days
    }
  }
  e.given = true;
  if (e.type == EventSourceSpec::Type::kinesis)
    parse_kinesis(f, e);
  else if (e.type == EventSourceSpec::Type::pubsub)
    parse_pubsub(f, e);
  else
    parse_sqs(f, e);
  f.reject_unknown();
  return e;
}

}  // namespace servesim::sim
