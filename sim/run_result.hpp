#pragma once
// What one candidate's run produced: the stable content of summary.json plus the whole-run histogram.
#include <string>
#include <utility>
#include <vector>

#include "sim/client.hpp"
#include "sim/latency_histogram.hpp"
#include "sim/recorder.hpp"

namespace servesim::sim {

// What one stage of a serving topology (platforms/topology_model.hpp) did with the requests it saw.
struct StageCounts {
  std::string id;
  std::string kind;          // edge-cache | edge-device | select | model | state-store | split
  uint64_t arrived = 0;      // requests that reached the stage (a retried request again)
  uint64_t served_here = 0;  // requests whose response came from this stage (cache hits included)
  uint64_t forwarded = 0;    // requests sent on to a next stage (misses, offloads, escalations, routes)
  uint64_t failed = 0;       // requests that ended here timed out, throttled or dropped
  uint64_t hits = 0;         // edge-cache: lookups that found a fresh copy
  uint64_t degraded = 0;     // select: requests routed to the small model because the large one was busy
  uint64_t bypassed = 0;     // edge-cache with trace keys: retries sent past the cache (key lost, see docs)
  // state-store: accesses that completed, throttling errors the store answered (each retried by the SDK or
  // ending the request throttled), and the time the visits spent in the stage, summed [s].
  uint64_t reads = 0, writes = 0, throttles = 0;
  double latency_added_s = 0;
  // state-store with "instance_cache": visits whose serving instance held the session in memory (hits) or
  // not (misses), the store reads the hits did not make, and what those reads would have cost [USD].
  uint64_t instance_cache_hits = 0, instance_cache_misses = 0, reads_avoided = 0;
  double saved_usd = 0;
  // split: the requests sent to each next stage, by its id, in edge order (forwarded is their sum).
  std::vector<std::pair<std::string, uint64_t>> routed;
};

// Where the cold starts' time went (service.cold_start.source given): sums over the cold starts that
// completed their start-up, in seconds; a mean is sum / count.
struct ColdStartParts {
  uint64_t count = 0;
  double allocation_s = 0;  // the platform finding and starting the instance (GPU instance start, node boot)
  double init_s = 0;        // runtime init, or a SnapStart restore
  double pull_s = 0;        // code package or container image fetched (zip, layer, image)
  double download_s = 0;    // model fetched from a store or a mounted volume (efs, object-store, volume)
  double load_s = 0;        // model deserialised into memory
  double fetched_mb = 0;    // bytes fetched by all these cold starts [MB]
  void add(double allocation, double init, double fetch, bool fetch_is_pull, double load, double mb) {
    ++count;
    allocation_s += allocation;
    init_s += init;
    (fetch_is_pull ? pull_s : download_s) += fetch;
    load_s += load;
    fetched_mb += mb;
  }
};

// What a token-level model (service.llm on a GPU platform, platforms/fleet/llm_engine.hpp) measured, for
// summary.json "llm" and the report (present = false for any other candidate).
struct LlmOutcome {
  bool present = false;
  LatencyHistogram ttft;  // time to first token of the served requests [s]
  LatencyHistogram tpot;  // time per output token after the first, of those with 2 tokens or more [s]
  uint64_t input_tokens = 0, output_tokens = 0;  // of the served requests
  uint64_t goodput = 0;  // served within both slo.ttft_ms and slo.tpot_ms (targets not given: any)
  uint64_t preemptions = 0;
  double kv_utilization_mean = 0;  // KV cache in use / capacity, averaged over the iterations' time
  double kv_utilization_peak = 0;
  uint32_t gpus_per_replica = 1;
  // Prefix caching (llm_prefix_caching): of the served requests' input tokens, those found in their
  // replica's prefix cache when first admitted.
  bool prefix_caching = false;
  uint64_t prefix_hit_tokens = 0;
  double gpu_seconds = 0;  // GPU time held by ready replicas [GPU-s]
  std::string basis;       // one line: GPU, precision, tensor parallelism, where the efficiencies come from
};

// What an event source mapping in front of the candidate did (sim/event_source.hpp; present = false without
// one), for summary.json "event_source". Messages are the run's arrivals: each ends served, dead-lettered
// (moved to the DLQ after max_receive_count receives) or expired (older than the retention period).
struct EventSourceOutcome {
  bool present = false;
  std::string type = "sqs";     // sqs | kinesis | pubsub (EventSourceSpec::type_name)
  uint64_t batches = 0;         // invocations of the function
  uint64_t batch_messages = 0;  // messages in them (batch_messages / batches: the mean batch)
  uint64_t batches_failed = 0;  // ended in a function error (crash, timeout) or throttled
  uint64_t redeliveries = 0;    // receives after a message's first
  uint64_t dead_lettered = 0;   // messages moved to the DLQ
  uint64_t expired = 0;         // messages deleted at the end of the retention period
  uint64_t send_requests = 0, receive_requests = 0, delete_requests = 0, empty_receives = 0;
  uint32_t concurrent_batches_peak = 0;
  uint64_t queue_depth_peak = 0;  // messages in the queue, visible or in flight
  double oldest_age_peak_s = 0;   // the oldest message's greatest age
  // Kinesis (a stream: messages are records; dead_lettered counts the records discarded after the retry limit
  // or the maximum record age, sent to the on-failure destination; expired those trimmed by the retention).
  uint32_t shards = 0, parallelization_factor = 0;
  uint64_t batch_retries = 0;      // invocations that retried a failed batch (or one of its halves)
  uint64_t bisections = 0;         // failed batches split in two
  double iterator_age_peak_s = 0;  // Lambda's IteratorAge: the last record's age when its batch was sent
  uint64_t put_payload_units = 0;  // 25 KB units of the records written
  uint64_t put_throttles = 0;      // puts refused by a shard's write limits (each try)
  uint64_t read_limit_waits = 0;   // batches that waited for their shard's read limit (2 MB/s)
  double shard_hours = 0;
  // On-demand capacity mode and enhanced fan-out (shown only when used).
  bool on_demand = false, enhanced_fan_out = false;
  double stream_hours = 0;                         // on-demand stream-hours
  double gb_written = 0, gb_read = 0;              // on-demand data in and out (standard iterator) [GB]
  uint64_t write_capacity_peak_records_per_s = 0;  // on-demand: the stream's largest write capacity
  double consumer_shard_hours = 0;                 // enhanced fan-out consumer-shard-hours
  double gb_fan_out_read = 0;                      // enhanced fan-out data retrieved [GB]
  // Pub/Sub push (one message per push request: batches counts the push requests, batches_failed the nacks,
  // concurrent_batches_peak the most outstanding push requests; send_requests the publishes).
  uint64_t ack_deadline_exceeded = 0;  // push requests unanswered within the ack deadline (nacks)
  uint64_t push_backoffs = 0;          // pauses of the push after a failure
  double push_window_peak = 0;         // the push window's largest value
  double throughput_tib = 0;           // billed throughput, publish and delivery [TiB]
  // Pub/Sub message ordering (shown only when enabled): the ordering keys the publishers use, the most keys
  // with messages not yet gone at once (each is one push at a time), and the most messages of one key.
  bool message_ordering = false;
  uint32_t ordering_keys = 0;
  uint64_t ordering_keys_active_peak = 0;
  uint64_t ordering_key_backlog_peak = 0;
  // Failing records and partial batch responses (SQS and Kinesis; shown only when records can fail or the
  // mapping reports batch item failures): failed tries of failing records, batches the function answered with
  // a partial batch response, and records processed again after an earlier try had processed them.
  bool record_failures_shown = false, report_batch_item_failures = false;
  uint64_t record_failures = 0;
  uint64_t partial_batches = 0;
  uint64_t duplicate_records = 0;
  // SQS FIFO queue (shown only for one): the message groups, the most groups with messages at once (each one
  // batch at a time), and the send limit (refused sends are put_throttles).
  bool fifo = false;
  uint32_t message_groups = 0;
  uint64_t message_groups_active_peak = 0;
  uint32_t send_limit_per_s = 0;
};

// What a workflow topology's engine did (platforms/topology, docs/workflows.md; present = false otherwise),
// for summary.json "workflow". Executions are the run's arrivals: each ends completed (served) or failed
// (counted timed out, throttled or dropped by what failed it).
struct WorkflowStageOutcome {
  std::string id;
  std::string kind;           // model | map | split (a Choice state) | parallel
  uint64_t attempts = 0;      // model: task attempts sent to its platform (retries included)
  uint64_t retries = 0;       // model: attempts that were retries
  uint64_t timeouts = 0;      // model: attempts stopped by the task's timeout_s
  uint64_t tasks_failed = 0;  // model: tasks whose last attempt failed
  uint64_t throttles = 0;     // model: attempts its platform refused (HTTP 429), retried or not
  bool distributed = false;   // map: Distributed mode (each item a child execution)
  uint64_t runs = 0;          // map, split, parallel: executions that entered it
  uint64_t runs_failed = 0;  // map: runs failed (more items failed than tolerated); parallel: a branch failed
  uint64_t items = 0;        // map: items started
  uint64_t items_failed = 0;  // map: items whose task failed
  uint64_t items_waited = 0;  // map: items that waited for a concurrency slot
  double wait_s_sum = 0;      // map: time items waited for a slot, summed over all items started [s]
  double wait_s_max = 0;
  uint32_t concurrency_peak = 0;  // map: most items of one run in flight at once
  uint64_t branches = 0;          // parallel: branches started (runs counts its entries, split's too)
  bool has_catch = false;         // model, map, parallel: a catch takes over when the state fails
  uint64_t caught = 0;            // failures the catch took over (the execution went on there)
  // wait: runs counts its entries, wait_s_sum / wait_s_max the times waited; on Durable Functions the
  // durable timers they took (a wait longer than the timer interval is several).
  uint64_t timers = 0;
};
struct WorkflowOutcome {
  bool present = false;
  std::string engine;
  uint64_t executions = 0, completed = 0, failed = 0;
  uint64_t failed_timed_out = 0, failed_throttled = 0, failed_dropped = 0;
  uint64_t failed_by_map = 0;       // of the failed: a map's tolerance exceeded
  uint64_t failed_by_duration = 0;  // of the failed: the engine's maximum duration reached
  uint64_t transitions = 0;         // Step Functions state transitions (every engine counts them)
  uint64_t child_executions = 0;    // Distributed Maps' child workflow executions
  double storage_transactions = 0;  // Durable Functions (estimated per execution and activity)
  double billed_gb_s = 0;           // Express: billed duration x billed memory
  std::vector<WorkflowStageOutcome> stages;
};

// What a training topology did (platforms/topology, docs/training.md; present = false otherwise), for
// summary.json "training". Jobs are the run's arrivals: each ends completed (served) or failed (counted timed
// out, throttled or dropped by the preprocessing task whose retries ran out). The GPU pool is held from the
// first job's start to the last job's end; held = busy + waiting for data + no job.
struct TrainingOutcome {
  bool present = false;
  uint64_t jobs = 0, completed = 0, failed = 0;
  uint64_t failed_timed_out = 0, failed_throttled = 0, failed_dropped = 0;
  uint64_t steps = 0;             // GPU steps run to their end
  uint64_t shards = 0;            // preprocessing tasks that produced their shard
  uint64_t task_attempts = 0;     // preprocessing attempts sent (retries included)
  uint64_t task_retries = 0;      // of those, retries
  uint64_t task_throttles = 0;    // attempts refused by the platform (HTTP 429)
  uint32_t concurrency_peak = 0;  // most preprocessing tasks of a job outstanding at once
  uint32_t nodes = 0, gpus = 0;   // the pool: nodes, and GPUs in all
  std::string node_type;          // the Kubernetes GPU node type ("" with an explicit price only)
  double price_usd_per_node_hour = 0;
  std::string price_source;
  double held_s = 0, busy_s = 0, waiting_for_data_s = 0, no_job_s = 0;  // pool time [s]
  double gpu_cost_usd = 0;                                              // nodes x price x held time
};

struct CandidateResult {
  std::string name;
  std::string platform;
  std::string latency_source =
      "measured";  // measured | calibrated | estimated (PlatformModel::latency_source)
  Counters requests;
  LatencyHistogram latency;
  double instances_mean = 0;
  uint32_t instances_peak = 0;
  double busy_instance_seconds = 0;
  std::vector<std::pair<std::string, double>> cost_usd;  // breakdown
  double cost_total_usd = 0;
  double simulated_s = 0;  // end of the run [s]
  double wall_s = 0;       // wall time of the simulation [s] (not part of summary.json: not deterministic)
  // Faults (same order as RunOptions::faults; entries of faults that do not apply to it stay zero).
  std::vector<FaultOutcome> faults;
  std::vector<Counters> fault_windows;  // outcomes that happened within each fault's window
  ClientOutcome client;
  std::vector<StageCounts> stages;
  // Cold starts by where the model came from (a layered model cache: "memory", "disk", ..., "store"); empty
  // when the scenario has no cache.
  std::vector<std::pair<std::string, uint64_t>>
      cold_start_sources;  // a serving topology's stages, in the scenario's order (else empty)
  ColdStartParts cold_start_parts;
  // What its cold-start levers did (PlatformModel::lever_outcome): name and value, in the model's order.
  std::vector<std::pair<std::string, double>> levers;
  LlmOutcome llm;
  EventSourceOutcome event_source;
  WorkflowOutcome workflow;
  TrainingOutcome training;
};

}  // namespace servesim::sim
