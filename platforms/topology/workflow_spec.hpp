#pragma once
// The settings of a workflow topology (a topology candidate with "workflow": docs/workflows.md): the engine
// that orchestrates it (Step Functions Standard or Express, Durable Functions) with its prices and limits
// from platforms/topology/workflow-engines.json, a task's retry policy (a Step Functions Retrier) and the
// number of items a map stage fans out to.
//
//   WorkflowSpec w = parse_workflow(candidate.settings["workflow"], file, "/candidates/0/workflow");
//   RetryPolicy r = parse_retry(stage["retry"], file, pointer);  r.delay_s(1) == r.interval_s
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "sim/rng.hpp"

namespace servesim::core {
class JsonFields;
}

namespace servesim::platforms {

struct WorkflowSpec {
  enum class Engine : uint8_t { step_functions_standard, step_functions_express, durable_functions };
  static const char* engine_name(Engine engine);

  Engine engine = Engine::step_functions_standard;
  // Standard: each state entered, each Map iteration's state and each retry is a transition.
  double price_usd_per_transition = 0;
  // Express: per execution started, and per GB-s of its duration (rounded up to billing_granularity_s) at
  // its memory (rounded up to memory_chunk_mb).
  double price_usd_per_request = 0;
  double price_usd_per_gb_s = 0;
  double billing_granularity_s = 0.1;
  double memory_chunk_mb = 64;
  double memory_mb = 64;
  // Durable Functions: Azure Storage transactions, per execution and per activity call (estimated counts).
  double price_usd_per_transaction = 0;
  double transactions_per_execution = 0;
  double transactions_per_activity = 0;
  // Durable Functions: a durable timer (a wait stage) costs transactions_per_timer per timer message, a wait
  // longer than timer_max_interval_s being several timers (estimated count; the interval is documented).
  double transactions_per_timer = 0;
  double timer_max_interval_s = 0;
  double max_duration_s = 0;            // an execution still running then fails (timed out)
  uint32_t inline_map_concurrency = 0;  // a map's limit when max_concurrency is 0 (0 = unbounded)
  bool caps_map_concurrency = false;    // Step Functions Inline Map: max_concurrency may not exceed it
  // Step Functions Distributed Map: its MaxConcurrency at most and by default (10,000); 0 = no Distributed
  // mode (Durable Functions). Its child executions of type EXPRESS are billed as Express executions.
  uint32_t distributed_map_concurrency = 0;
  double child_price_usd_per_transition = 0;  // STANDARD children (Standard's price, also under Express)
  double child_price_usd_per_request = 0;
  double child_price_usd_per_gb_s = 0;
  double child_memory_mb = 64;
};

// A map's processing mode (docs/workflows.md): Inline (iterations in the parent execution) or Distributed
// (each item a child workflow execution of type STANDARD or EXPRESS), and how many tasks of its body each
// item runs one after another (a trial's epochs, each one invocation resumed from a checkpoint).
struct MapMode {
  bool distributed = false;
  bool express_children = false;  // ExecutionType EXPRESS (distributed only)
  uint32_t tasks_per_item = 1;
};

// A Step Functions Retrier (States.ALL): retry r (1, 2, ...) of a failed task attempt starts
// interval_s x backoff_rate^(r-1) after the failure, capped at max_delay_s, for at most max_attempts
// retries. Without "retry" a task is not retried (max_attempts 0).
struct RetryPolicy {
  double interval_s = 1;      // IntervalSeconds, default 1
  uint32_t max_attempts = 0;  // MaxAttempts (retries after the first attempt), default 3 inside "retry"
  double backoff_rate = 2;    // BackoffRate, default 2.0
  double max_delay_s = 0;     // MaxDelaySeconds (0 = none)
  double delay_s(uint32_t retry) const;
};

// A map's item count: {"type": "constant", "value": N} | {"type": "uniform", "min": A, "max": B} (whole
// numbers, both ends included) | a bare whole number N.
struct ItemCount {
  uint64_t min = 1, max = 1;
  uint64_t sample(sim::Rng& rng) const;
};

// Reads "workflow": {"engine": ..., price and limit overrides}. Throws InputError with the pointer.
WorkflowSpec parse_workflow(const nlohmann::json& j, const std::string& file, const std::string& pointer);
RetryPolicy parse_retry(const nlohmann::json& j, const std::string& file, const std::string& pointer);
ItemCount parse_items(const nlohmann::json& j, const std::string& file, const std::string& pointer);
// Reads a map stage's "mode", "execution_type" and "tasks_per_item" (JsonFields of the stage).
MapMode parse_map_mode(core::JsonFields& f);

}  // namespace servesim::platforms
