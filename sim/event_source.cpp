#include "sim/event_source.hpp"

#include <cmath>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"

namespace servesim::sim {

namespace {

// SQS standard queue -> Lambda: BatchSize, batching window, scaling, visibility timeout, redrive, retention.
void parse_sqs(core::JsonFields& f, EventSourceSpec& e) {
  e.batch_size = static_cast<uint32_t>(f.integer("batch_size", e.batch_size, 1, 10000));
  e.batching_window_s = f.number("batching_window_s", e.batching_window_s, 0.0, 300.0);
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
}

// Kinesis Data Streams -> Lambda (CreateEventSourceMapping's ranges; the stream's retention and shards).
void parse_kinesis(core::JsonFields& f, EventSourceSpec& e) {
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
}

}  // namespace

EventSourceSpec parse_event_source(const nlohmann::json& doc, const std::string& file,
                                   const std::string& pointer, const EventSourceSpec& base) {
  core::JsonFields f(doc, file, pointer);
  EventSourceSpec e = base;
  if (base.given) {
    // A candidate's keys refine the scenario's mapping: the same type.
    f.text("type", base.type_name(), {base.type_name()});
  } else if (f.required_text("type", {"sqs", "kinesis"}) == "kinesis") {
    // Kinesis's own defaults where they differ from SQS's: BatchSize 100, a 24-hour retention period.
    e.type = EventSourceSpec::Type::kinesis;
    e.batch_size = 100;
    e.retention_s = 86400;
  }
  e.given = true;
  if (e.type == EventSourceSpec::Type::kinesis)
    parse_kinesis(f, e);
  else
    parse_sqs(f, e);
  f.reject_unknown();
  return e;
}

}  // namespace servesim::sim
