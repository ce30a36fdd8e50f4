// A Kinesis stream read by a Lambda event source mapping (scenario "event_source" of type "kinesis",
// docs/events.md), against AWS's documented behaviour: each shard polled once per second, batches by size or
// batching window, one concurrent batch per shard x parallelization factor, the records of a partition key on
// one of them and in order, a failed batch retried (blocking its place in the shard) until it succeeds, its
// retries are used up or its records are too old. Every expected number is worked by hand from those rules
// and the arrival times.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "support/kinesis_scenario.hpp"
#include "support/sim_harness.hpp"

namespace {
using namespace servesim;
using nlohmann::json;
using test::scenario_from;
using test::TempDir;

using test::kinesis_scenario;

std::vector<double> kinesis_times(int n, double every_s, double first_s = 0) {
  std::vector<double> times;
  for (int i = 0; i < n; ++i) times.push_back(first_s + every_s * i);
  return times;
}

void check_records_accounted(const sim::CandidateResult& r) {
  const auto& q = r.requests;
  CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
  CHECK(r.event_source.dead_lettered + r.event_source.expired == q.dropped);
}

}  // namespace

TEST_CASE("platforms::KinesisEventSource: one batch at a time per shard sets the throughput", "[kinesis]") {
  TempDir dir;
  // 4 records/s for 100 s (one every 0.25 s), 2 partition keys in turn: key 0 (shard 0) gets the records
  // put at 0, 0.5, 1.0, ..., key 1 (shard 1) those at 0.25, 0.75, .... Batch size 1, 1 s per record: each
  // shard processes 1 record/s, the stream 2 records/s, and the backlog grows.
  // Shard 0: record j (put at 0.5 j) is sent at j, done at j + 1: delay 1 + 0.5 j (j = 0..199).
  // Shard 1: its first record (0.25) waits for the poll at 1 s; record j (put at 0.25 + 0.5 j) is done at
  // 2 + j: delay 1.75 + 0.5 j. The last is done at 201 s, 101.25 s after it was put; the mean delay is
  // (50.75 + 51.5) / 2 = 51.125 s. The oldest unprocessed record's age grows at 1 - 2/4 = 0.5 s per second
  // (throughput 2 of 4 records/s).
  auto doc = kinesis_scenario(
      dir, kinesis_times(400, 0.25), 1000,
      {{"shards", 2}, {"batch_size", 1}, {"partition_keys", 2}, {"partition_key_assignment", "round_robin"}});
  const auto out = test::simulate(scenario_from(doc));
  const auto& r = out.results.at(0);
  const auto& e = r.event_source;
  CHECK(r.requests.served == 400);
  CHECK(r.simulated_s == Approx(201).epsilon(1e-9));
  CHECK(r.latency.max_s() == Approx(101.25).epsilon(1e-9));
  CHECK(r.latency.mean_s() == Approx(51.125).epsilon(1e-9));
  CHECK(e.batches == 400);
  CHECK(e.concurrent_batches_peak == 2);
  CHECK(e.oldest_age_peak_s == Approx(101.25).epsilon(1e-9));
  // IteratorAge when the last batch of shard 1 is sent at 200 s: its record was put at 99.75 s.
  CHECK(e.iterator_age_peak_s == Approx(100.25).epsilon(1e-9));
  // When the last record is put (99.75 s), shard 0 has done 99 records (at 1, 2, ..., 99 s) and shard 1 98
  // (at 2, ..., 99 s): 400 - 197 = 203 records in the stream, the peak of the interval [90, 100).
  CHECK(out.rows.at(0).at(9).queue_depth_peak == 203);
  // Cost: 2 shards for 201 s, one PUT payload unit per 1 KB record.
  CHECK(e.shard_hours == Approx(2 * 201.0 / 3600).epsilon(1e-9));
  CHECK(e.put_payload_units == 400);
  check_records_accounted(r);
}

TEST_CASE("platforms::KinesisEventSource: a partition key's records stay on one batch, in order",
          "[kinesis]") {
  TempDir dir;
  // 20 records put at 0 on one shard with parallelization factor 10, batch size 1, 1 s each.
  auto doc = kinesis_scenario(dir, std::vector<double>(20, 0.0), 1000,
                              {{"shards", 1},
                               {"parallelization_factor", 10},
                               {"batch_size", 1},
                               {"partition_key_assignment", "round_robin"}});
  SECTION("one key: one batch at a time whatever the factor, the last record done at 20 s") {
    doc["event_source"]["partition_keys"] = 1;
    const auto& r = test::simulate_first(doc);
    CHECK(r.event_source.concurrent_batches_peak == 1);
    CHECK(r.latency.max_s() == Approx(20).epsilon(1e-9));
    CHECK(r.latency.mean_s() == Approx(10.5).epsilon(1e-9));
  }
  SECTION("ten keys: ten concurrent batches, two records each, the last done at 2 s") {
    doc["event_source"]["partition_keys"] = 10;
    const auto& r = test::simulate_first(doc);
    CHECK(r.event_source.concurrent_batches_peak == 10);
    CHECK(r.latency.max_s() == Approx(2).epsilon(1e-9));
    CHECK(r.latency.mean_s() == Approx(1.5).epsilon(1e-9));
  }
  SECTION("a key's shard is the key mod shards, its batch place (key / shards) mod the factor") {
    doc["event_source"]["shards"] = 4;
    doc["event_source"]["parallelization_factor"] = 3;
    doc["event_source"]["partition_keys"] = 12;
    const auto& r = test::simulate_first(doc);
    // 12 keys fill the 4 x 3 places exactly once: 20 records over 12 places, 8 places with 2.
    CHECK(r.event_source.concurrent_batches_peak == 12);
    CHECK(r.latency.max_s() == Approx(2).epsilon(1e-9));
  }
}

TEST_CASE("platforms::KinesisEventSource: batches form by size or when the batching window ends",
          "[kinesis]") {
  TempDir dir;
  SECTION("7 records at 0 s, batch size 100, window 5 s: one batch of 7 when the window ends") {
    auto doc = kinesis_scenario(dir, std::vector<double>(7, 0.0), 100, {{"batching_window_s", 5}});
    const auto& r = test::simulate_first(doc);
    CHECK(r.event_source.batches == 1);
    CHECK(r.event_source.batch_messages == 7);
    // The poll at 0 s finds them; sent at 5 s, 7 x 0.1 s of work: done at 5.7 s.
    CHECK(r.latency.mean_s() == Approx(5.7).epsilon(1e-9));
    CHECK(r.event_source.iterator_age_peak_s == Approx(5).epsilon(1e-9));
  }
  SECTION("12 records, batch size 5, window 20 s: two full batches at once, the last 2 after the window") {
    auto doc = kinesis_scenario(dir, std::vector<double>(12, 0.0), 100,
                                {{"batch_size", 5}, {"batching_window_s", 20}, {"partition_keys", 1}});
    const auto& r = test::simulate_first(doc);
    // 5 sent at 0 (done 0.5), 5 at 0.5 (done 1.0); 2 left gather from 1.0 to 21 s, done at 21.2 s.
    CHECK(r.event_source.batches == 3);
    CHECK(r.latency.max_s() == Approx(21.2).epsilon(1e-9));
  }
}

TEST_CASE("platforms::KinesisEventSource: a failed batch blocks its shard until it is given up",
          "[kinesis]") {
  TempDir dir;
  // The function needs 2 s per record but times out after 1 s: every batch fails. Two records of one key at
  // t = 0, batch size 1; a failed batch is retried at the shard's next poll (each whole second).
  auto doc = kinesis_scenario(dir, {0.0, 0.0}, 2000, {{"batch_size", 1}, {"partition_keys", 1}});
  doc["candidates"][0]["timeout_s"] = 1;
  SECTION("MaximumRetryAttempts 2: tried at 0, 2, 4 s and discarded at 5 s; the second at 5, 7, 9 s") {
    doc["event_source"]["maximum_retry_attempts"] = 2;
    const auto& r = test::simulate_first(doc);
    const auto& e = r.event_source;
    CHECK(e.batches == 6);
    CHECK(e.batches_failed == 6);
    CHECK(e.batch_retries == 4);
    CHECK(r.requests.retries == 4);
    CHECK(e.dead_lettered == 2);
    CHECK(r.simulated_s == Approx(10).epsilon(1e-9));
    // The second record waited behind the first: 10 s old when it was given up.
    CHECK(e.oldest_age_peak_s == Approx(10).epsilon(1e-9));
    check_records_accounted(r);
  }
  SECTION("MaximumRecordAge 60 s: tried at 0, 2, ..., 60 s; at 62 s both records are too old") {
    doc["event_source"]["maximum_record_age_s"] = 60;
    const auto& r = test::simulate_first(doc);
    CHECK(r.event_source.batches == 31);
    CHECK(r.event_source.dead_lettered == 2);
    CHECK(r.simulated_s == Approx(62).epsilon(1e-9));
    check_records_accounted(r);
  }
  SECTION("bisect on function error: 4 records split in 2 + 2, each half given up after its retry") {
    doc = kinesis_scenario(dir, std::vector<double>(4, 0.0), 2000,
                           {{"batch_size", 4},
                            {"batching_window_s", 1},
                            {"partition_keys", 1},
                            {"maximum_retry_attempts", 1},
                            {"bisect_batch_on_function_error", true}});
    doc["candidates"][0]["timeout_s"] = 1;
    const auto& r = test::simulate_first(doc);
    const auto& e = r.event_source;
    // The window gathers the 4 records (sent at 0 s when the batch is full); [ABCD] fails at 1 s and is
    // split; [AB] retried at 2 s fails at 3 s: its second error, discarded; [CD] tried at once, fails at 4 s:
    // discarded.
    CHECK(e.bisections == 1);
    CHECK(e.batches == 3);
    CHECK(e.batch_retries == 2);
    CHECK(e.dead_lettered == 4);
    CHECK(r.simulated_s == Approx(4).epsilon(1e-9));
    check_records_accounted(r);
  }
}

TEST_CASE("platforms::KinesisEventSource: a throttled batch is retried until the throttling ends",
          "[kinesis]") {
  TempDir dir;
  // Concurrency 0 over [0, 60): the record put at 0 is throttled at each poll 0, 1, ..., 59 s, then processed
  // at 60 s in 0.1 s. Throttles do not count against MaximumRetryAttempts (0 here).
  auto doc = kinesis_scenario(dir, {0.0}, 100, {{"maximum_retry_attempts", 0}});
  doc["candidates"][0]["timeout_s"] = 3;
  doc["faults"] = {{{"kind", "throttle"}, {"start_s", 0}, {"duration_s", 60}, {"concurrency_limit", 0}}};
  const auto& r = test::simulate_first(doc);
  CHECK(r.event_source.batches == 61);
  CHECK(r.event_source.batches_failed == 60);
  CHECK(r.requests.served == 1);
  CHECK(r.latency.mean_s() == Approx(60.1).epsilon(1e-9));
  check_records_accounted(r);
}

TEST_CASE("platforms::KinesisEventSource: catching up is paced by the shard's 2 MB/s read limit",
          "[kinesis]") {
  TempDir dir;
  // One shard, records of 1,000 KiB (r = 0.9765625 MiB, under the 1 MiB/s write limit at one per second) put
  // at 0, 1, ..., 59 s while the function is throttled (concurrency 0 over [0, 60)): the batch read at 0 s
  // (record 0) is retried and runs at 60 s (0.1 s); records 1..59 wait in the stream. Batches of up to 5
  // (4.8828125 MiB), 0.1 s per record. The shard's read bucket holds at most 10 MiB and refills at 2 MiB/s
  // (full again at 60.1 s):
  //   batch 1 read at 60.1 (bucket 10 -> 5.1171875), ends 60.6; batch 2 read at 60.6 (6.1171875 ->
  //   1.234375), ends 61.1; batch 3 waits for 4.8828125 MiB: (4.8828125 - 2.234375) / 2 = 1.32421875 s,
  //   read at 62.42421875 (bucket 0); every later batch of 5 is read 4.8828125 / 2 = 2.44140625 s after the
  //   previous: batch 11 at 62.42421875 + 8 x 2.44140625 = 81.95546875; batch 12 (4 records, 3.90625 MiB)
  //   1.953125 s later, at 83.90859375, ends 0.4 s later: 84.30859375 s.
  // Batches 3..12 waited for the read limit: 10. Without it the batches would run back to back and end at
  // 60.1 + 11 x 0.5 + 0.4 = 66.0 s.
  auto doc = kinesis_scenario(dir, kinesis_times(60, 1.0), 100,
                              {{"batch_size", 5}, {"record_kb", 1000}, {"maximum_retry_attempts", 0}});
  doc["faults"] = {{{"kind", "throttle"}, {"start_s", 0}, {"duration_s", 60}, {"concurrency_limit", 0}}};
  const auto& r = test::simulate_first(doc);
  CHECK(r.requests.served == 60);
  CHECK(r.simulated_s == Approx(84.30859375).epsilon(1e-9));
  CHECK(r.event_source.read_limit_waits == 10);
  // Record 0's batch: 60 throttled tries and the one that runs; then 12 batches of records 1..59.
  CHECK(r.event_source.batches == 60 + 1 + 12);
  CHECK(r.latency.max_s() == Approx(60.1).epsilon(1e-9));  // record 0: put at 0, done at 60.1
  check_records_accounted(r);
}

TEST_CASE("platforms::KinesisEventSource: random partition keys are the seed's, and every record ends",
          "[kinesis]") {
  TempDir dir;
  auto doc = kinesis_scenario(dir, kinesis_times(2000, 0.01), 30,
                              {{"shards", 4}, {"parallelization_factor", 2}, {"record_kb", 30}});
  // A shard takes 1 MiB/s, 34 records of 30 KB: the random keys put more than that on a shard in some
  // seconds, and the producer retries what is refused.
  doc["client"] = {{"max_retries", 10}};
  const auto first = test::simulate(scenario_from(doc));
  const auto second = test::simulate(scenario_from(doc));
  const auto& a = first.results.at(0);
  const auto& b = second.results.at(0);
  CHECK(a.latency.mean_s() == b.latency.mean_s());
  CHECK(a.event_source.batches == b.event_source.batches);
  CHECK(a.requests.served == 2000);
  // A 30 KB record is two PUT payload units of 25 KB.
  CHECK(a.event_source.put_payload_units == 4000);
  CHECK(a.event_source.concurrent_batches_peak <= 8);
  check_records_accounted(a);
}

TEST_CASE("platforms::KinesisEventSource: a shard takes 1,000 records and 1 MiB per second", "[kinesis]") {
  TempDir dir;
  // 1,500 records put in the first second (one every 1/1500 s), all on one shard. Kinesis's write limits
  // ("Quotas and limits": 1,000 records/s and 1 MiB/s per shard) take the first 1,000 records of 1 KB; the
  // other 500 are refused (ProvisionedThroughputExceededException). Without retries the producer gives them
  // up: 500 throttled, and only the 1,000 written are billed.
  const auto times = kinesis_times(1500, 1.0 / 1500);
  SECTION("records per second") {
    auto doc = kinesis_scenario(dir, times, 1, {{"batch_size", 100}});
    const auto& r = test::simulate_first(doc);
    CHECK(r.requests.served == 1000);
    CHECK(r.requests.throttled == 500);
    CHECK(r.event_source.put_throttles == 500);
    CHECK(r.event_source.put_payload_units == 1000);
    check_records_accounted(r);
  }
  SECTION("bytes per second") {
    // Records of 3 KB: 1 MiB / 3 KiB = 341.3, so 341 are written in the second and 1,159 refused.
    auto doc = kinesis_scenario(dir, times, 1, {{"batch_size", 100}, {"record_kb", 3}});
    const auto& r = test::simulate_first(doc);
    CHECK(r.requests.served == 341);
    CHECK(r.requests.throttled == 1159);
    check_records_accounted(r);
  }
  SECTION("per shard") {
    // Two shards, keys in turn: 750 records each, under the limit.
    auto doc = kinesis_scenario(dir, times, 1,
                                {{"shards", 2},
                                 {"batch_size", 100},
                                 {"partition_keys", 2},
                                 {"partition_key_assignment", "round_robin"}});
    const auto& r = test::simulate_first(doc);
    CHECK(r.requests.served == 1500);
    CHECK(r.event_source.put_throttles == 0);
  }
  SECTION("the producer retries") {
    // 1,001 records put at 0: the shard takes 1,000 in the second [0, 1) and refuses the last until the
    // producer's retries (full-jitter backoff from 100 ms) reach the next second. It is served, and its delay
    // counts from its first try at 0, so it is at least 1 s (from its write it would be under 1 s plus the
    // 1 ms of processing, the next poll being less than 1 s away).
    auto doc = kinesis_scenario(dir, kinesis_times(1001, 0), 1, {{"batch_size", 100}});
    doc["client"] = {{"max_retries", 20}};
    const auto& r = test::simulate_first(doc);
    CHECK(r.requests.served == 1001);
    CHECK(r.requests.throttled == 0);
    CHECK(r.event_source.put_throttles >= 1);
    CHECK(r.event_source.put_payload_units == 1001);
    CHECK(r.latency.max_s() >= 1.0);
    check_records_accounted(r);
  }
}

TEST_CASE("platforms::KinesisEventSource: bad input", "[kinesis]") {
  TempDir dir;
  auto doc = kinesis_scenario(dir, {0.0}, 100, json::object());
  SECTION("only a Lambda function reads the stream") {
    doc["candidates"] = {{{"name", "run"}, {"platform", "gcp-cloud-run"}}};
    CHECK_THROWS_WITH(test::simulate(scenario_from(doc)),
                      "test-scenario.json: /candidates/0/platform: expected a platform that consumes a "
                      "Kinesis event source (aws-lambda: docs/events.md), got \"gcp-cloud-run\"");
  }
  SECTION("a maximum record age under 60 s") {
    doc["event_source"]["maximum_record_age_s"] = 30;
    CHECK_THROWS_WITH(scenario_from(doc),
                      "test-scenario.json: /event_source/maximum_record_age_s: expected -1 (none) or "
                      "60..604800, got 30");
  }
  SECTION("a candidate may not change the type") {
    doc["candidates"][0]["event_source"] = {{"type", "sqs"}};
    CHECK_THROWS_WITH(scenario_from(doc), Catch::Contains("/candidates/0/event_source/type"));
  }
  SECTION("an SQS key on a Kinesis mapping") {
    doc["event_source"]["visibility_timeout_s"] = 30;
    CHECK_THROWS_WITH(scenario_from(doc), Catch::Contains("/event_source/visibility_timeout_s: unknown key"));
  }
}
