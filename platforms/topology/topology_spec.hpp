#pragma once
// The settings of a serving topology (candidate "platform": "topology"): stages and the edges between them,
// read and checked where they enter. The graph is a Boost.Graph adjacency_list; it must be a DAG with one
// entry stage, and each stage kind has a fixed number of next stages (a split: two or more). See
// docs/topology.md.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platforms/topology/confidence_scores.hpp"
#include "platforms/topology/state_store.hpp"
#include "platforms/topology/traffic_split.hpp"
#include "platforms/topology/training_spec.hpp"
#include "platforms/topology/workflow_spec.hpp"
#include "sim/scenario.hpp"

namespace servesim::platforms {

struct StageSpec {
  enum class Kind : uint8_t {
    edge_cache,
    edge_device,
    select,
    model,
    state_store,
    map,
    split,
    parallel,
    wait
  };
  static const char* kind_name(Kind kind);

  std::string id;
  Kind kind = Kind::model;
  std::string pointer;       // "/candidates/<i>/stages/<k>" for error messages
  std::vector<size_t> next;  // indices of the next stages (from "edges", in the order given)

  // model and edge-device: the platform that serves the stage's requests and its service times.
  sim::CandidateSpec candidate;  // edge-device: a fixed pool built from `servers`
  sim::ServiceSpec service;      // the scenario's "service" with the stage's "service" keys on top
  // model: a request served here finishes with this probability, else goes on to the next stage [0, 1]
  // (default 0 when there is a next stage; a last stage always finishes).
  double stop_probability = 1;
  // model: or a confidence rule instead: the stage's answer carries a score drawn from `confidence`, and the
  // request finishes here when the score is at least confidence_threshold.
  std::optional<ConfidenceScores> confidence;
  double confidence_threshold = 0;

  // edge-cache
  bool keys_from_trace = false;     // "keys": "trace" (the workload's key_column) or "zipf" (default)
  double ttl_s = 300;               // [s] an object is fresh for ttl_s after the miss that cached it
  double hit_s = 0.001;             // [s] response time of a hit ("hit_ms", default 1 ms)
  uint64_t catalogue_items = 0;     // [items] distinct keys, drawn Zipf(zipf_s) (keys "zipf" only)
  double zipf_s = 0.8;              // Zipf exponent (0 = uniform)
  uint64_t capacity_items = 0;      // [items] LRU capacity; 0 = unbounded
  double price_usd_per_lookup = 0;  // "price_usd_per_million" / 10^6

  // edge-device: requests whose complexity score ~ U(0,1) is below the threshold stay on the device.
  uint32_t servers = 1;
  double threshold = 0.5;
  bool adaptive = false;   // "load": threshold x max(0, 1 - queue / queue_limit)
  double queue_limit = 1;  // [requests] waiting on the device at which everything is offloaded
  // The device's uplink to the cloud (uplink_bytes_per_s 0 = not modelled: an offload arrives at once). Each
  // offloaded request uploads request_bytes over one shared SimGrid link, then reaches the next stage.
  double uplink_bytes_per_s = 0;
  double uplink_latency_s = 0.020;
  double request_bytes = 0;
  // "uplink": the threshold rises with the expected upload time (in-flight uploads + 1) x request_bytes /
  // bandwidth + latency, to 1 (keep everything) at upload_budget_s (default: the scenario's p99 SLO).
  bool adapt_to_uplink = false;
  double upload_budget_s = 0;
  double price_usd_per_server_hour = 0;
  uint64_t queue_capacity = 1000000;

  // select: to `small` while `large` has at least in_flight_limit requests in flight, else to `large`.
  size_t large = 0, small = 0;
  uint64_t in_flight_limit = 0;

  // split: the share of requests each next stage gets (edge order), in steps over time (a rollout).
  std::vector<SplitStep> weights;

  // state-store: the store a request reads and writes before it goes on (platforms/topology/state_store.hpp).
  StateStoreSettings store;
  // Workflows (docs/workflows.md). map: each execution fans out to `items` items, each a task of the `body`
  // stage, at most max_concurrency at once (0 = the engine's limit), and goes on (fan-in) once all ended; it
  // fails when more than tolerated_failure_percentage of its items failed.
  size_t body = 0;
  ItemCount items;
  uint32_t max_concurrency = 0;
  double tolerated_failure_percentage = 0;
  MapMode map_mode;  // map: Inline or Distributed, tasks per item
  // model, wait or split: the body of one or more maps, or a later state of its items (reached only through
  // it)
  bool is_body = false;
  // model in a workflow: the engine's retry policy and the task's timeout (TimeoutSeconds; 0 = none); in a
  // training topology: the retry policy of a preprocessing task.
  RetryPolicy retry;
  double timeout_s = 0;
  // parallel: the first stage of each branch (model, wait, split and map stages joined by edges); the
  // execution goes on once every branch has ended, and the state fails when a branch's task or map fails.
  std::vector<size_t> branches;
  bool in_branch =
      false;  // model, wait, split or map: a stage of a parallel's branch (reached only through it)
  // model, map or parallel in a workflow: "catch": where the execution goes when the state fails (a Step
  // Functions Catcher on States.ALL) instead of failing; kNoCatch = none.
  static constexpr size_t kNoCatch = SIZE_MAX;
  size_t catch_stage = kNoCatch;
  bool is_catch_target = false;  // reached by a catch (may have no incoming edge)
  // wait in a workflow (a Step Functions Wait state, a Durable Functions durable timer): the execution waits
  // wait_seconds_s ("seconds"), or a time drawn from wait_delay ("delay", a distribution as service.warm),
  // then goes on; no task runs.
  double wait_seconds_s = 0;
  std::optional<sim::Distribution> wait_delay;
  // "timestamp": until an absolute time, wait_until_s on the run's clock (the timestamp - workload.start_utc;
  // a time already past waits 0 s).
  bool wait_until_timestamp = false;
  double wait_until_s = 0;
};

struct TopologySpec {
  std::string name;  // the candidate's
  std::vector<StageSpec> stages;
  size_t entry = 0;                      // the one stage without an incoming edge
  std::optional<WorkflowSpec> workflow;  // "workflow": the stages are a workflow's states (docs/workflows.md)
  // "training": each arrival is a training job fed by the one model stage's tasks (docs/training.md).
  std::optional<TrainingSpec> training;
};

// Reads a topology candidate's settings ("stages", "edges"). Throws InputError ("<file>: <pointer>:
// expected ..., got ...") for the first problem; each stage's own candidate is checked when its model is
// built (platforms/topology_model.cpp).
TopologySpec parse_topology(const sim::CandidateSpec& candidate, const sim::Scenario& scenario);

}  // namespace servesim::platforms
