#include "sim/event_source.hpp"

#include "core/input_error.hpp"
#include "core/json_fields.hpp"

namespace servesim::sim {

EventSourceSpec parse_event_source(const nlohmann::json& doc, const std::string& file,
                                   const std::string& pointer, const EventSourceSpec& base) {
  core::JsonFields f(doc, file, pointer);
  EventSourceSpec e = base;
  if (base.given)
    f.text("type", "sqs", {"sqs"});
  else
    f.required_text("type", {"sqs"});
  e.given = true;
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
  f.reject_unknown();
  return e;
}

}  // namespace servesim::sim
