#pragma once
// A Kinesis data stream read by a Lambda event source mapping with a standard iterator (scenario
// "event_source" of type "kinesis", docs/events.md): the run's arrivals are records put to the stream, each
// with a partition key; the mapping reads each shard and invokes the function (a LambdaModel in event source
// mode, which bills and scales as always) with batches of its records. AWS's documented behaviour, sources in
// docs/events.md:
// - Lambda polls each shard once per second; while records wait it keeps sending batches until it has caught
//   up. A batch is sent when it holds batch_size records or its batching window has passed;
// - each shard runs parallelization_factor concurrent batches at most; records of one partition key always
//   go to the same one of them, so they are processed in order;
// - a failed batch blocks its place in the shard: it is retried (or, with bisect_batch_on_function_error,
//   split in two halves tried one after the other) until it succeeds, its function errors exceed
//   maximum_retry_attempts, or its records pass maximum_record_age_s or the stream's retention;
// - each shard accepts at most 1,000 records and 1 MiB of writes per second; a put beyond them is refused
//   (ProvisionedThroughputExceededException) and the producer retries it with the client's backoff, or gives
//   up (throttled);
// - cost: the stream's shard-hours and one PUT payload unit per 25 KB of each record;
// - a failing record (record_failures.hpp) fails its whole batch, or, with ReportBatchItemFailures, the
//   batch is retried from it: the records before it are checkpointed.
// On-demand capacity mode replaces the shards' write limits by the stream's write capacity (4,000 records/s
// and 4 MiB/s, or twice the peak second of the previous 30 days once 15 minutes old) and bills stream-hours
// and GB written and read; enhanced fan-out pushes each record fan_out_propagation_s after its put instead of
// at the next poll, billed per consumer-shard-hour and GB retrieved. Partition key k lands on shard k mod
// shards and, inside it, on batch place (k / shards) mod the factor.
//   auto model = std::make_unique<KinesisEventSource>(std::move(function), source, scenario.seed);
#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <vector>

#include "platforms/aws_lambda/lambda_event_source.hpp"
#include "platforms/aws_lambda/lambda_model.hpp"
#include "platforms/aws_lambda/record_failures.hpp"
#include "sim/event_source.hpp"
#include "sim/message_ledger.hpp"
#include "sim/platform_model.hpp"
#include "sim/rng.hpp"
#include "sim/timed_queue.hpp"

namespace servesim::platforms {

class KinesisEventSource : public LambdaEventSource, private InvocationObserver {
 public:
  KinesisEventSource(std::unique_ptr<LambdaModel> function, const sim::EventSourceSpec& spec, uint64_t seed);

  void start(sim::ModelContext& ctx) override;
  void on_arrival(double t_s, double origin_s, uint32_t attempt) override;
  double next_event_s() const override;
  void handle_next_event() override;
  bool has_work() const override;
  void finish(double t_end_s) override;

  // The batch place (shard x parallelization_factor + place in the shard) of partition key `key`.
  uint32_t lane_of(uint64_t key) const;

 private:
  struct Record {
    uint64_t seq;            // position in the ledger
    double sent_s;           // put into the stream (the age limits count from here)
    double origin_s;         // the producer's first try (the delay a record's latency counts)
    bool fails = false;      // a failing record: fails on every try
    bool processed = false;  // an earlier try processed it, and its batch failed for another record
  };
  struct Batch {
    std::vector<Record> records;
    uint32_t function_errors = 0;  // failed tries of these records that count against maximum_retry_attempts
  };
  // One concurrent batch of a shard: records of its partition keys, in the order they were put.
  struct Lane {
    std::deque<Record> waiting;  // in the shard, not yet in a batch
    std::deque<Batch> retries;   // failed batches (or halves), tried before any new record
    Batch running;               // the batch the function runs (busy)
    bool busy = false;
    double wake_s = kNever;  // when it acts next: a poll, the end of its batching window, a retry
    double gather_until_s = kNever;
    bool read_blocked = false;  // its next batch waits for the shard's read limit
    uint64_t generation = 0;    // bumped when wake_s changes: older queue entries are stale
  };
  struct Wake {
    double t_s;
    uint32_t lane;
    uint64_t generation;
  };
  struct Later {
    bool operator()(const Wake& a, const Wake& b) const {
      return a.t_s != b.t_s ? a.t_s > b.t_s : a.lane > b.lane;
    }
  };

  // A put refused by a shard's write limits, held until the producer's retry.
  struct HeldPut {
    double origin_s;
    uint32_t attempt;
    uint64_t key;
    bool fails;
  };
  // The writes a shard has taken in the current whole second of the run.
  struct ShardWrites {
    double second = -1;
    uint32_t records = 0;
    double bytes = 0;
  };

  void invocation_ended(uint32_t id, double t_s, End end) override;
  // The producer puts a record with partition key `key` at t_s (attempt `attempt` of the one first tried at
  // origin_s).
  void put(double t_s, double origin_s, uint32_t attempt, uint64_t key, bool fails);
  // A batch that ended ok holds failing records: it fails whole, or with ReportBatchItemFailures from its
  // first failing record (the ones before it served). Returns the batch left to retry (maybe empty).
  Batch split_failed(Batch batch, double t_s, bool& failed);
  // Whether the key's shard takes one more record at t_s (and counts it if so).
  bool shard_takes(uint64_t key, double t_s);
  // On-demand: whether the stream's write capacity takes one more record at t_s (and counts it if so).
  bool stream_takes(double t_s);
  // The lane's waiting records that the mapping can see at t_s: all of them when it polls; with enhanced
  // fan-out those pushed by then (put at least fan_out_propagation_s ago; a prefix, records are in put
  // order).
  size_t ready_records(const Lane& lane, double t_s) const;
  double next_put_s() const { return held_puts_.next_s(); }
  void schedule(uint32_t lane, double t_s);
  // The lane's next batch at t_s, if it may send one: retries first, then new records.
  void act(uint32_t lane, double t_s);
  // Drops the records of `records` too old to process at t_s (maximum record age: discarded; retention:
  // expired).
  void drop_old(std::vector<Record>& records, double t_s);
  bool too_old(const Record& r, double t_s);  // counts and deletes it if so
  double next_poll_s(double t_s, bool strictly_after) const;
  void report_queue(double t_s);
  void prune_wakes() const;

  sim::EventSourceSpec spec_;
  sim::Rng key_rng_;
  RecordFailures failures_;
  sim::Recorder* rec_ = nullptr;
  sim::Client* client_ = nullptr;
  int cost_shards_ = 0, cost_puts_ = 0;
  std::vector<ShardWrites> shard_writes_;
  // A shard's read bucket (bytes it may read now, as of at_s).
  struct ShardReads {
    double bytes, at_s;
  };
  std::vector<ShardReads> shard_reads_;
  // On-demand: the stream's writes in the current second; the finished seconds not yet 15 minutes old
  // (oldest first); and the older seconds that may still be the peak of the last 30 days (records written,
  // decreasing from the front: a sliding-window maximum).
  struct WrittenSecond {
    double second;
    uint32_t records;
  };
  ShardWrites stream_writes_;
  std::deque<WrittenSecond> recent_seconds_;
  std::deque<WrittenSecond> peak_seconds_;
  uint64_t written_records_ = 0;
  int cost_stream_hours_ = 0, cost_written_ = 0, cost_read_ = 0, cost_consumer_ = 0, cost_fan_out_read_ = 0;
  sim::TimedQueue<HeldPut> held_puts_;  // by retry time; ties in the order of the refusals

  std::vector<Lane> lanes_;
  mutable std::priority_queue<Wake, std::vector<Wake>, Later> wakes_;
  uint32_t in_flight_ = 0;
  uint64_t arrivals_ = 0;
  double put_units_per_record_;
  sim::MessageLedger ledger_;  // every record not yet gone (processed, discarded or expired)
};

}  // namespace servesim::platforms
