#include "platforms/topology/workflow_spec.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"

namespace servesim::platforms {

// Generated at build time from platforms/topology/workflow-engines.json.
const std::string& embedded_workflow_engines();

const char* WorkflowSpec::engine_name(Engine engine) {
  switch (engine) {
    case Engine::step_functions_standard:
      return "step-functions-standard";
    case Engine::step_functions_express:
      return "step-functions-express";
    case Engine::durable_functions:
      return "durable-functions";
  }
  return "?";
}

double RetryPolicy::delay_s(uint32_t retry) const {
  const double delay = interval_s * std::pow(backoff_rate, static_cast<double>(retry) - 1);
  return max_delay_s > 0 ? std::min(delay, max_delay_s) : delay;
}

uint64_t ItemCount::sample(sim::Rng& rng) const {
  if (min == max) return min;
  const auto span = static_cast<double>(max - min + 1);
  return min + std::min(max - min, static_cast<uint64_t>(rng.uniform() * span));
}

namespace {

using core::JsonFields;

// The catalogue's value of `key` for the engine (its "value").
double engine_number(const nlohmann::json& engine, const std::string& key) {
  return engine.at(key).at("value").get<double>();
}

}  // namespace

WorkflowSpec parse_workflow(const nlohmann::json& j, const std::string& file, const std::string& pointer) {
  if (!j.is_object())
    throw input_error(file, pointer,
                      "expected {\"engine\": \"step-functions-standard\" | \"step-functions-express\" | "
                      "\"durable-functions\"}, got " +
                          core::quote_json(j));
  JsonFields f(j, file, pointer);
  const std::string engine =
      f.required_text("engine", {"step-functions-standard", "step-functions-express", "durable-functions"});
  static const nlohmann::json catalogue = nlohmann::json::parse(embedded_workflow_engines());
  const nlohmann::json& e = catalogue.at("engines").at(engine);
  WorkflowSpec w;
  w.max_duration_s = f.number("max_duration_s", engine_number(e, "max_duration_s"), 1.0, 1e9);
  w.inline_map_concurrency = static_cast<uint32_t>(engine_number(e, "inline_map_concurrency"));
  w.distributed_map_concurrency = static_cast<uint32_t>(engine_number(e, "distributed_map_concurrency"));
  const nlohmann::json& express = catalogue.at("engines").at("step-functions-express");
  w.child_price_usd_per_transition =
      engine_number(catalogue.at("engines").at("step-functions-standard"), "price_usd_per_transition");
  w.child_price_usd_per_request = engine_number(express, "price_usd_per_request");
  w.child_price_usd_per_gb_s = engine_number(express, "price_usd_per_gb_s");
  w.child_memory_mb = engine_number(express, "memory_mb");
  w.billing_granularity_s = engine_number(express, "billing_granularity_s");
  w.memory_chunk_mb = engine_number(express, "memory_chunk_mb");
  if (engine == "step-functions-standard") {
    w.engine = WorkflowSpec::Engine::step_functions_standard;
    w.price_usd_per_transition =
        f.number("price_usd_per_transition", engine_number(e, "price_usd_per_transition"), 0.0, 1.0);
    w.caps_map_concurrency = true;
    w.child_price_usd_per_transition = w.price_usd_per_transition;
  } else if (engine == "step-functions-express") {
    w.engine = WorkflowSpec::Engine::step_functions_express;
    w.price_usd_per_request =
        f.number("price_usd_per_request", engine_number(e, "price_usd_per_request"), 0.0, 1.0);
    w.price_usd_per_gb_s = f.number("price_usd_per_gb_s", engine_number(e, "price_usd_per_gb_s"), 0.0, 1.0);
    w.memory_mb = f.number("memory_mb", engine_number(e, "memory_mb"), 1.0, 1e6);
    w.caps_map_concurrency = true;
  } else {
    w.engine = WorkflowSpec::Engine::durable_functions;
    w.price_usd_per_transaction = f.number("price_usd_per_10k_transactions",
                                           engine_number(e, "price_usd_per_10k_transactions"), 0.0, 1e3) /
                                  1e4;
    w.transactions_per_execution =
        f.number("transactions_per_execution", engine_number(e, "transactions_per_execution"), 0.0, 1e6);
    w.transactions_per_activity =
        f.number("transactions_per_activity", engine_number(e, "transactions_per_activity"), 0.0, 1e6);
    w.transactions_per_timer =
        f.number("transactions_per_timer", engine_number(e, "transactions_per_timer"), 0.0, 1e6);
    w.timer_max_interval_s = engine_number(e, "timer_max_interval_s");
  }
  f.reject_unknown();
  return w;
}

RetryPolicy parse_retry(const nlohmann::json& j, const std::string& file, const std::string& pointer) {
  if (!j.is_object())
    throw input_error(
        file, pointer,
        "expected {\"interval_s\": 1, \"max_attempts\": 3, \"backoff_rate\": 2}, got " + core::quote_json(j));
  JsonFields f(j, file, pointer);
  RetryPolicy r;
  // Step Functions Retrier defaults: IntervalSeconds 1, MaxAttempts 3, BackoffRate 2.0, no MaxDelaySeconds.
  r.interval_s = f.number("interval_s", 1.0, 0.0, 1e8);
  r.max_attempts = static_cast<uint32_t>(f.integer("max_attempts", 3, 0, 1000));
  r.backoff_rate = f.number("backoff_rate", 2.0, 1.0, 1e3);
  r.max_delay_s = f.number("max_delay_s", 0.0, 0.0, 1e8);
  f.reject_unknown();
  return r;
}

ItemCount parse_items(const nlohmann::json& j, const std::string& file, const std::string& pointer) {
  constexpr uint64_t kMaxItems = 1000000;
  const std::string expected =
      "expected a whole number of items in 0..1000000, {\"type\": \"constant\", \"value\": N} or "
      "{\"type\": \"uniform\", \"min\": A, \"max\": B}";
  ItemCount c;
  if (j.is_number()) {
    const double n = j.get<double>();
    if (n < 0 || n > kMaxItems || n != std::floor(n))
      throw input_error(file, pointer, expected + ", got " + core::quote_json(j));
    c.min = c.max = static_cast<uint64_t>(n);
    return c;
  }
  if (!j.is_object()) throw input_error(file, pointer, expected + ", got " + core::quote_json(j));
  JsonFields f(j, file, pointer);
  const std::string type = f.required_text("type", {"constant", "uniform"});
  if (type == "constant") {
    if (!f.has("value")) throw f.error("value", "missing (the number of items, 0..1000000)");
    c.min = c.max = f.integer("value", 0, 0, kMaxItems);
  } else {
    if (!f.has("min") || !f.has("max"))
      throw f.error(f.has("min") ? "max" : "min", "missing (uniform needs whole numbers min <= max)");
    c.min = f.integer("min", 0, 0, kMaxItems);
    c.max = f.integer("max", 0, 0, kMaxItems);
    if (c.max < c.min)
      throw f.error("max",
                    "expected at least min (" + std::to_string(c.min) + "), got " + std::to_string(c.max));
  }
  f.reject_unknown();
  return c;
}

MapMode parse_map_mode(core::JsonFields& f) {
  MapMode m;
  m.distributed = f.text("mode", "inline", {"inline", "distributed"}) == "distributed";
  if (!m.distributed && f.has("execution_type"))
    throw f.error("execution_type",
                  "used only with \"mode\": \"distributed\" (the type of its child executions)");
  m.express_children = f.text("execution_type", "standard", {"standard", "express"}) == "express";
  m.tasks_per_item = static_cast<uint32_t>(f.integer("tasks_per_item", 1, 1, 1000000));
  return m;
}

}  // namespace servesim::platforms
