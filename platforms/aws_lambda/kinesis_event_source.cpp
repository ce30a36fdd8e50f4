#include "platforms/aws_lambda/kinesis_event_source.hpp"

#include <algorithm>
#include <cmath>

namespace servesim::platforms {

namespace {
// The partition keys' random stream (sim/rng.hpp tags 1..6 are the arrivals' and the run's).
constexpr uint64_t kPartitionKeyStream = 7;
// A PUT payload unit covers 25 KB of a record (Kinesis pricing).
constexpr double kPutPayloadUnitKb = 25;
// A shard's write limits: 1,000 records and 1 MiB per second, whichever comes first (Kinesis Data Streams
// Developer Guide, "Quotas and limits").
constexpr uint32_t kShardWriteRecordsPerS = 1000;
constexpr double kShardWriteBytesPerS = 1024.0 * 1024.0;
// A shard's read limit: 2 MB per second ("each shard can read up to 2 MB per second", the GetRecords API
// reference; an enhanced fan-out consumer has its own 2 MB/s per shard). An average, not a per-second cap: a
// GetRecords call may return up to 10 MB, after which the shard's next calls within 5 seconds are throttled.
// Our reading: a token bucket per shard, refilled at 2 MiB/s and holding at most 10 MiB (one call's most:
// reading 10 MiB empties it for 5 s); a batch read of S bytes waits until the bucket holds S.
constexpr double kShardReadBytesPerS = 2.0 * 1024.0 * 1024.0;
constexpr double kShardReadBurstBytes = 10.0 * 1024.0 * 1024.0;
// On-demand mode: the stream's write capacity starts at 4 MB/s and 4,000 records/s (4 shards' worth); it
// accommodates up to double the peak write throughput of the previous 30 days, but traffic that grows to more
// than double the previous peak within 15 minutes may be throttled (Kinesis Data Streams Developer Guide,
// "Choose the data stream capacity mode"). Our reading: a second's writes count towards the peak once 15
// minutes have passed, and for 30 days.
constexpr uint32_t kOnDemandInitialRecordsPerS = 4 * kShardWriteRecordsPerS;
constexpr double kOnDemandInitialBytesPerS = 4 * kShardWriteBytesPerS;
constexpr double kOnDemandPeakDelayS = 15 * 60;
constexpr double kOnDemandPeakMemoryS = 30 * 86400;
// On-demand data in and out are billed per GB, each record rounded up to 1 KB (pricing page; unconfirmed).
constexpr double kKbPerGb = 1024.0 * 1024.0;
}  // namespace

KinesisEventSource::KinesisEventSource(std::unique_ptr<LambdaModel> function,
                                       const sim::EventSourceSpec& spec, uint64_t seed)
    : LambdaEventSource(std::move(function)),
      spec_(spec),
      key_rng_(sim::Rng::derive(seed, kPartitionKeyStream)),
      failures_(spec_, seed),
      shard_writes_(spec_.shards),
      shard_reads_(spec_.shards, ShardReads{kShardReadBurstBytes, 0.0}),
      lanes_(static_cast<size_t>(spec_.shards) * spec_.parallelization_factor),
      put_units_per_record_(std::max(1.0, std::ceil(spec_.record_kb / kPutPayloadUnitKb))) {}

void KinesisEventSource::start(sim::ModelContext& ctx) {
  rec_ = &ctx.recorder;
  client_ = &ctx.client;
  inner_->start(ctx);
  inner_->set_observer(this);
  if (spec_.on_demand) {
    cost_stream_hours_ = rec_->cost_category("kinesis_stream_hours_usd");
    cost_written_ = rec_->cost_category("kinesis_data_written_usd");
    if (!spec_.enhanced_fan_out) cost_read_ = rec_->cost_category("kinesis_data_read_usd");
  } else {
    cost_shards_ = rec_->cost_category("kinesis_shard_hours_usd");
    cost_puts_ = rec_->cost_category("kinesis_put_payload_units_usd");
  }
  if (spec_.enhanced_fan_out) {
    cost_consumer_ = rec_->cost_category("kinesis_fan_out_consumer_shard_hours_usd");
    cost_fan_out_read_ = rec_->cost_category("kinesis_fan_out_data_read_usd");
  }
  outcome_.on_demand = spec_.on_demand;
  outcome_.enhanced_fan_out = spec_.enhanced_fan_out;
  outcome_.present = true;
  outcome_.type = "kinesis";
  outcome_.shards = spec_.shards;
  outcome_.parallelization_factor = spec_.parallelization_factor;
  outcome_.record_failures_shown = failures_.in_use() || spec_.report_batch_item_failures;
  outcome_.report_batch_item_failures = spec_.report_batch_item_failures;
}

uint32_t KinesisEventSource::lane_of(uint64_t key) const {
  const uint64_t shard = key % spec_.shards;
  const uint64_t place = (key / spec_.shards) % spec_.parallelization_factor;
  return static_cast<uint32_t>(shard * spec_.parallelization_factor + place);
}

double KinesisEventSource::next_poll_s(double t_s, bool strictly_after) const {
  const double polls = t_s / spec_.poll_interval_s;
  const double k = strictly_after ? std::floor(polls) + 1 : std::ceil(polls);
  return k * spec_.poll_interval_s;
}

void KinesisEventSource::schedule(uint32_t lane, double t_s) {
  Lane& l = lanes_[lane];
  ++l.generation;
  l.wake_s = t_s;
  if (t_s != kNever) wakes_.push(Wake{t_s, lane, l.generation});
}

void KinesisEventSource::prune_wakes() const {
  while (!wakes_.empty()) {
    const Wake& w = wakes_.top();
    if (lanes_[w.lane].generation == w.generation && lanes_[w.lane].wake_s == w.t_s) return;
    wakes_.pop();
  }
}

void KinesisEventSource::report_queue(double t_s) {
  ledger_.report_queue(t_s, *rec_, outcome_);
}

bool KinesisEventSource::too_old(const Record& r, double t_s) {
  const double age_s = t_s - r.sent_s;
  if (age_s > spec_.retention_s) {  // trimmed from the stream by its retention period
    ++outcome_.expired;
  } else if (spec_.maximum_record_age_s >= 0 && age_s > spec_.maximum_record_age_s) {
    ++outcome_.dead_lettered;  // skipped: its metadata goes to the on-failure destination
  } else {
    return false;
  }
  rec_->dropped(t_s);
  ledger_.remove(r.seq);
  return true;
}

void KinesisEventSource::drop_old(std::vector<Record>& records, double t_s) {
  records.erase(
      std::remove_if(records.begin(), records.end(), [&](const Record& r) { return too_old(r, t_s); }),
      records.end());
}

void KinesisEventSource::on_arrival(double t_s, double origin_s, uint32_t attempt) {
  // The producer's partition key: round robin over the keys, or drawn from the seed's own stream.
  const uint64_t key =
      spec_.round_robin_keys ? arrivals_ % spec_.partition_keys : key_rng_.next_u64() % spec_.partition_keys;
  ++arrivals_;
  put(t_s, origin_s, attempt, key, failures_.next());
}

bool KinesisEventSource::shard_takes(uint64_t key, double t_s) {
  ShardWrites& w = shard_writes_[key % spec_.shards];
  const double second = std::floor(t_s);
  if (w.second != second) w = ShardWrites{second, 0, 0};
  const double bytes = spec_.record_kb * 1024.0;
  if (w.records + 1 > kShardWriteRecordsPerS || w.bytes + bytes > kShardWriteBytesPerS) return false;
  ++w.records;
  w.bytes += bytes;
  return true;
}

bool KinesisEventSource::stream_takes(double t_s) {
  ShardWrites& w = stream_writes_;
  const double second = std::floor(t_s);
  if (w.second != second) {
    if (w.second >= 0) recent_seconds_.push_back(WrittenSecond{w.second, w.records});
    w = ShardWrites{second, 0, 0};
  }
  // Seconds 15 minutes old join the peak's window; seconds they outdo can no longer be the peak.
  while (!recent_seconds_.empty() && recent_seconds_.front().second <= second - kOnDemandPeakDelayS) {
    const WrittenSecond old = recent_seconds_.front();
    recent_seconds_.pop_front();
    while (!peak_seconds_.empty() && peak_seconds_.back().records <= old.records) peak_seconds_.pop_back();
    peak_seconds_.push_back(old);
  }
  while (!peak_seconds_.empty() && peak_seconds_.front().second < second - kOnDemandPeakMemoryS)
    peak_seconds_.pop_front();
  const uint32_t peak_records = peak_seconds_.empty() ? 0 : peak_seconds_.front().records;
  const double bytes = spec_.record_kb * 1024.0;
  const uint32_t capacity_records = std::max(kOnDemandInitialRecordsPerS, 2 * peak_records);
  const double capacity_bytes = std::max(kOnDemandInitialBytesPerS, 2.0 * peak_records * bytes);
  outcome_.write_capacity_peak_records_per_s =
      std::max<uint64_t>(outcome_.write_capacity_peak_records_per_s, capacity_records);
  if (w.records + 1 > capacity_records || w.bytes + bytes > capacity_bytes) return false;
  ++w.records;
  w.bytes += bytes;
  return true;
}

size_t KinesisEventSource::ready_records(const Lane& lane, double t_s) const {
  if (!spec_.enhanced_fan_out) return lane.waiting.size();
  size_t ready = 0;
  while (ready < lane.waiting.size() && lane.waiting[ready].sent_s + spec_.fan_out_propagation_s <= t_s)
    ++ready;
  return ready;
}

void KinesisEventSource::put(double t_s, double origin_s, uint32_t attempt, uint64_t key, bool fails) {
  ledger_.note_age(t_s, outcome_);
  outcome_.send_requests += 1;
  if (spec_.on_demand ? !stream_takes(t_s) : !shard_takes(key, t_s)) {
    // ProvisionedThroughputExceededException: not written, not billed; the producer backs off and retries.
    refused(*client_, *rec_, held_puts_, t_s, origin_s, attempt, HeldPut{origin_s, attempt, key, fails});
    return;
  }
  ++written_records_;
  if (!spec_.on_demand) {
    outcome_.put_payload_units += static_cast<uint64_t>(put_units_per_record_);
    rec_->add_cost(cost_puts_, put_units_per_record_ * spec_.price_usd_per_million_put_units / 1e6);
  }
  const uint32_t lane = lane_of(key);
  Lane& l = lanes_[lane];
  l.waiting.push_back(Record{ledger_.add(t_s), t_s, origin_s, fails});
  if (!l.busy && l.retries.empty()) {
    const double pushed_s = t_s + spec_.fan_out_propagation_s;  // enhanced fan-out: pushed to the mapping
    if (l.gather_until_s != kNever) {
      if (l.waiting.size() >= spec_.batch_size) {
        // The gathering batch is full (with enhanced fan-out, once the record that fills it is pushed).
        if (spec_.enhanced_fan_out)
          schedule(lane, std::min(l.wake_s, pushed_s));
        else
          act(lane, t_s);
      }
    } else if (l.wake_s == kNever) {
      // The shard's next poll finds it, or enhanced fan-out pushes it.
      schedule(lane, spec_.enhanced_fan_out ? pushed_s : next_poll_s(t_s, false));
    }
  }
  report_queue(t_s);
}

void KinesisEventSource::act(uint32_t lane, double t_s) {
  Lane& l = lanes_[lane];
  if (l.busy) return;
  schedule(lane, kNever);
  Batch batch;
  bool retry = false;
  while (!l.retries.empty() && batch.records.empty()) {
    batch = std::move(l.retries.front());
    l.retries.pop_front();
    drop_old(batch.records, t_s);
    retry = true;
  }
  if (batch.records.empty()) {
    retry = false;
    while (!l.waiting.empty() && too_old(l.waiting.front(), t_s)) l.waiting.pop_front();
    if (l.waiting.empty()) {
      l.gather_until_s = kNever;
      return;  // caught up: the next record's arrival schedules the next poll
    }
    const size_t ready = ready_records(l, t_s);
    if (ready == 0) {  // enhanced fan-out: the first record is not pushed yet
      schedule(lane, l.waiting.front().sent_s + spec_.fan_out_propagation_s);
      return;
    }
    if (ready < spec_.batch_size && spec_.batching_window_s > 0) {
      // The batch gathers for the batching window from the poll that first found records.
      if (l.gather_until_s == kNever) l.gather_until_s = t_s + spec_.batching_window_s;
      if (t_s < l.gather_until_s) {
        schedule(lane, l.gather_until_s);
        return;
      }
    }
    const size_t n = std::min<size_t>(spec_.batch_size, ready);
    // The shard's read limit: the read waits until the shard's bucket holds its bytes.
    ShardReads& reads = shard_reads_[lane / spec_.parallelization_factor];
    reads.bytes = std::min(kShardReadBurstBytes, reads.bytes + (t_s - reads.at_s) * kShardReadBytesPerS);
    reads.at_s = t_s;
    const double bytes = static_cast<double>(n) * spec_.record_kb * 1024.0;
    // A read larger than the bucket waits for a full one and leaves it in debt (as a 10 MB call does).
    const double need = std::min(bytes, kShardReadBurstBytes);
    if (reads.bytes < need * (1 - 1e-12)) {
      l.read_blocked = true;
      const double wake_s = t_s + (need - reads.bytes) / kShardReadBytesPerS;
      schedule(lane, std::max(wake_s, std::nextafter(t_s, kNever)));
      return;
    }
    reads.bytes -= bytes;
    if (l.read_blocked) ++outcome_.read_limit_waits;
    l.read_blocked = false;
    l.gather_until_s = kNever;
    batch.records.assign(l.waiting.begin(), l.waiting.begin() + static_cast<std::ptrdiff_t>(n));
    l.waiting.erase(l.waiting.begin(), l.waiting.begin() + static_cast<std::ptrdiff_t>(n));
  }
  if (retry) {
    ++outcome_.batch_retries;
    for (size_t i = 0; i < batch.records.size(); ++i) {
      ++outcome_.redeliveries;
      rec_->retry(t_s);
    }
  }
  for (const Record& r : batch.records) outcome_.duplicate_records += r.processed ? 1 : 0;
  // Lambda's IteratorAge: the age of the batch's last record when the batch is sent.
  outcome_.iterator_age_peak_s = std::max(outcome_.iterator_age_peak_s, t_s - batch.records.back().sent_s);
  ++outcome_.batches;
  outcome_.batch_messages += batch.records.size();
  ++in_flight_;
  outcome_.concurrent_batches_peak = std::max(outcome_.concurrent_batches_peak, in_flight_);
  const auto items = static_cast<uint32_t>(batch.records.size());
  l.running = std::move(batch);
  l.busy = true;
  inner_->invoke(t_s, lane, items);  // may end at once (throttled)
}

void KinesisEventSource::invocation_ended(uint32_t id, double t_s, End end) {
  ledger_.note_age(t_s, outcome_);
  Lane& l = lanes_[id];
  Batch batch = std::move(l.running);
  l.running = Batch{};
  l.busy = false;
  --in_flight_;
  // With ReportBatchItemFailures the batch is already cut at its first failed record: it is not bisected
  // ("the batch is bisected at the returned sequence number", Lambda developer guide).
  const bool cut = end == End::ok && spec_.report_batch_item_failures;
  if (end == End::ok) {
    bool failed = false;
    batch = split_failed(std::move(batch), t_s, failed);
    if (!failed) {
      act(id, t_s);  // records wait: the next batch at once, until the lane has caught up
      report_queue(t_s);
      return;
    }
    end = End::function_error;
  }
  ++outcome_.batches_failed;
  // A function error counts against maximum_retry_attempts; a throttle is retried until the records are too
  // old (docs/events.md).
  if (end == End::function_error) ++batch.function_errors;
  const bool exhausted = end == End::function_error && spec_.maximum_retry_attempts >= 0 &&
                         batch.function_errors > static_cast<uint32_t>(spec_.maximum_retry_attempts);
  if (exhausted) {
    // Retries used up: the records are skipped (to the on-failure destination) and the lane goes on.
    for (const Record& r : batch.records) {
      ++outcome_.dead_lettered;
      rec_->dropped(t_s);
      ledger_.remove(r.seq);
    }
    act(id, t_s);
    report_queue(t_s);
    return;
  }
  if (end == End::function_error && !cut && spec_.bisect_batch_on_function_error &&
      batch.records.size() > 1) {
    // Split in two halves, each retried on its own, the first half first (order kept).
    ++outcome_.bisections;
    const auto half = static_cast<std::ptrdiff_t>(batch.records.size() / 2);
    Batch second{std::vector<Record>(batch.records.begin() + half, batch.records.end()),
                 batch.function_errors};
    batch.records.resize(static_cast<size_t>(half));
    l.retries.push_front(std::move(second));
  }
  l.retries.push_front(std::move(batch));
  // The failed batch blocks its lane; it is retried at the shard's next poll (AWS gives no delay).
  schedule(id, next_poll_s(t_s, true));
  report_queue(t_s);
}

KinesisEventSource::Batch KinesisEventSource::split_failed(Batch batch, double t_s, bool& failed) {
  // The function ran every record (it reports failures after processing the batch: our reading).
  auto first =
      std::find_if(batch.records.begin(), batch.records.end(), [](const Record& r) { return r.fails; });
  failed = first != batch.records.end();
  if (!failed) {
    for (const Record& r : batch.records) {
      rec_->served(t_s, t_s - r.origin_s);
      ledger_.remove(r.seq);
    }
    return batch;
  }
  for (const Record& r : batch.records) outcome_.record_failures += r.fails ? 1 : 0;
  if (spec_.report_batch_item_failures) {
    // The function returns the first failed record's sequence number: Lambda checkpoints the records before
    // it and retries the batch from it ("Lambda retries all records starting from that checkpoint").
    ++outcome_.partial_batches;
    for (auto it = batch.records.begin(); it != first; ++it) {
      rec_->served(t_s, t_s - it->origin_s);
      ledger_.remove(it->seq);
    }
    batch.records.erase(batch.records.begin(), first);
  }
  // The retried records after a failing one were processed all the same: their next try is duplicate work.
  for (Record& r : batch.records) r.processed = r.processed || !r.fails;
  return batch;
}

double KinesisEventSource::next_event_s() const {
  prune_wakes();
  const double own_s = wakes_.empty() ? kNever : wakes_.top().t_s;
  return std::min({inner_->next_event_s(), own_s, next_put_s()});
}

void KinesisEventSource::handle_next_event() {
  prune_wakes();
  const double own_s = wakes_.empty() ? kNever : wakes_.top().t_s;
  const double put_s = next_put_s();
  if (inner_->next_event_s() <= std::min(own_s, put_s)) {
    inner_->handle_next_event();
    return;
  }
  if (put_s < own_s) {
    const HeldPut p = held_puts_.pop();
    put(put_s, p.origin_s, p.attempt, p.key, p.fails);
    return;
  }
  const Wake w = wakes_.top();
  wakes_.pop();
  ledger_.note_age(w.t_s, outcome_);
  lanes_[w.lane].wake_s = kNever;
  act(w.lane, w.t_s);
  report_queue(w.t_s);
}

bool KinesisEventSource::has_work() const {
  return inner_->has_work() || in_flight_ > 0 || ledger_.alive() > 0 || !held_puts_.empty();
}

void KinesisEventSource::finish(double t_end_s) {
  const double run_hours = t_end_s / 3600.0;
  // Data billed per GB: each record rounded up to a whole KB; records read once per batch sent (retries too).
  const double billed_kb = std::max(1.0, std::ceil(spec_.record_kb));
  const double gb_sent = static_cast<double>(outcome_.batch_messages) * billed_kb / kKbPerGb;
  if (spec_.on_demand) {
    // The stream for the whole run, prorated to the second, and the data written and read.
    outcome_.stream_hours = run_hours;
    rec_->add_cost(cost_stream_hours_, run_hours * spec_.price_usd_per_stream_hour);
    outcome_.gb_written = static_cast<double>(written_records_) * billed_kb / kKbPerGb;
    rec_->add_cost(cost_written_, outcome_.gb_written * spec_.price_usd_per_gb_written);
    if (!spec_.enhanced_fan_out) {
      outcome_.gb_read = gb_sent;
      rec_->add_cost(cost_read_, gb_sent * spec_.price_usd_per_gb_read);
    }
  } else {
    // The stream's shards for the whole run, prorated to the second.
    outcome_.shard_hours = static_cast<double>(spec_.shards) * run_hours;
    rec_->add_cost(cost_shards_, outcome_.shard_hours * spec_.price_usd_per_shard_hour);
  }
  if (spec_.enhanced_fan_out) {
    // The consumer subscribed to every shard for the whole run, and the data it retrieved.
    outcome_.consumer_shard_hours = static_cast<double>(spec_.shards) * run_hours;
    rec_->add_cost(cost_consumer_, outcome_.consumer_shard_hours * spec_.price_usd_per_consumer_shard_hour);
    outcome_.gb_fan_out_read = gb_sent;
    rec_->add_cost(cost_fan_out_read_, gb_sent * spec_.price_usd_per_gb_fan_out_read);
  }
  inner_->finish(t_end_s);
}

}  // namespace servesim::platforms
