// Failing records and partial batch responses (ReportBatchItemFailures) on the SQS and Kinesis event source
// mappings (docs/events.md). A failing record fails on every try; without partial batch responses it fails
// its whole batch, with them SQS deletes the batch's other messages and Kinesis checkpoints the records
// before it and retries from it. Every expected number is worked by hand from those rules and the arrival
// times.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "support/kinesis_scenario.hpp"
#include "support/sim_harness.hpp"
#include "support/sqs_scenario.hpp"

namespace {
using namespace servesim;
using nlohmann::json;
using test::scenario_from;
using test::TempDir;

const sim::CandidateResult& only_result(const test::Simulated& out) {
  return out.results.at(0);
}

void check_settled(const sim::CandidateResult& r) {
  const auto& q = r.requests;
  CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
  CHECK(r.event_source.dead_lettered + r.event_source.expired == q.dropped);
}

}  // namespace

TEST_CASE(
    "platforms::SqsEventSource: a failing message fails its batch, or only itself with partial batch "
    "responses",
    "[sqs][partial]") {
  TempDir dir;
  // 10 messages of 100 ms in one batch at t = 0 (a 1 s batching window: the batch is full when the 10th is
  // sent); the 10th (index 9) fails on every try; the redrive policy moves a message to the DLQ when it
  // reappears after 2 receives.
  const json keys = {{"failing_records", {9}}, {"max_receive_count", 2}, {"batching_window_s", 1}};
  SECTION("whole batch: 10 + 10 messages processed, all 10 dead-lettered") {
    const auto out = test::simulate(scenario_from(test::sqs_scenario(dir, 10, 100, keys)));
    const auto& r = only_result(out);
    const auto& e = r.event_source;
    // Received at 0 s, failed at 1.0 s, visible again at 900 s; received again, failed at 901 s, visible at
    // 1,800 s after its 2nd receive: the DLQ takes all 10, the 9 good messages with the failing one.
    CHECK(e.batches == 2);
    CHECK(e.batch_messages == 20);
    CHECK(e.batches_failed == 2);
    CHECK(e.redeliveries == 10);
    CHECK(e.dead_lettered == 10);
    CHECK(r.requests.served == 0);
    CHECK(e.record_failures == 2);
    CHECK(e.partial_batches == 0);
    // The 9 good messages were processed at 0..0.9 s and processed again at 900 s.
    CHECK(e.duplicate_records == 9);
    CHECK(e.delete_requests == 0);
    check_settled(r);
  }
  SECTION("partial batch responses: 10 + 1 processed, 9 served at 1.0 s, 1 dead-lettered") {
    // The failing message is visible again at 900 s, sent alone when its 1 s window ends (901 s), fails at
    // 901.1 s and reaches the DLQ when visible again at 1,801 s.
    json with = keys;
    with["report_batch_item_failures"] = true;
    const auto out = test::simulate(scenario_from(test::sqs_scenario(dir, 10, 100, with)));
    const auto& r = only_result(out);
    const auto& e = r.event_source;
    CHECK(e.batches == 2);
    CHECK(e.batch_messages == 11);
    CHECK(e.batches_failed == 0);
    CHECK(e.partial_batches == 2);
    CHECK(e.redeliveries == 1);
    CHECK(e.dead_lettered == 1);
    CHECK(r.requests.served == 9);
    CHECK(r.latency.max_s() == Approx(1.0).epsilon(1e-9));
    CHECK(e.duplicate_records == 0);
    // One DeleteMessageBatch for the 9 (none for the second batch, whose only message failed); two receives.
    CHECK(e.delete_requests == 1);
    CHECK(e.receive_requests == 2);
    check_settled(r);
  }
  SECTION("a function timeout still fails the whole batch") {
    json with = keys;
    with["report_batch_item_failures"] = true;
    with.erase("failing_records");
    // 10 messages of 200 ms against a 1 s function timeout: timed out at 1 s and at 901 s, then the DLQ.
    auto doc = test::sqs_scenario(dir, 10, 200, with);
    doc["candidates"][0]["timeout_s"] = 1;
    const auto out = test::simulate(scenario_from(doc));
    CHECK(only_result(out).event_source.dead_lettered == 10);
    CHECK(only_result(out).event_source.partial_batches == 0);
    CHECK(only_result(out).requests.served == 0);
  }
}

TEST_CASE(
    "platforms::KinesisEventSource: a failing record fails its batch, or the batch is retried from it "
    "with partial batch responses",
    "[kinesis][partial]") {
  TempDir dir;
  // 10 records of 125 ms put at t = 0 on one shard, one partition key, batch size 10 with a 1 s window: the
  // poll at 0 s finds the first record and the batch is sent when the 10th fills it, at 0 s. The 4th record
  // (index 3) fails on every try; one retry (MaximumRetryAttempts 1), then the records are discarded.
  const std::vector<double> times(10, 0.0);
  const json keys = {{"failing_records", {3}},
                     {"maximum_retry_attempts", 1},
                     {"partition_keys", 1},
                     {"batch_size", 10},
                     {"batching_window_s", 1}};
  SECTION("whole batch: records 1..10 sent twice, all discarded") {
    const auto out = test::simulate(scenario_from(test::kinesis_scenario(dir, times, 125, keys)));
    const auto& r = only_result(out);
    const auto& e = r.event_source;
    // Sent at 0 s, failed at 1.25 s, retried at the next poll (2 s), failed at 3.25 s: retries used up.
    CHECK(e.batches == 2);
    CHECK(e.batch_messages == 20);
    CHECK(e.dead_lettered == 10);
    CHECK(r.requests.served == 0);
    CHECK(e.duplicate_records == 9);
    check_settled(r);
  }
  SECTION("partial batch responses: records 1..3 checkpointed, 4..10 re-sent") {
    json with = keys;
    with["report_batch_item_failures"] = true;
    const auto out = test::simulate(scenario_from(test::kinesis_scenario(dir, times, 125, with)));
    const auto& r = only_result(out);
    const auto& e = r.event_source;
    // Records 1..3 are served when the batch ends at 1.25 s; records 4..10 are retried at 2 s (0.875 s of
    // work), fail again at record 4 and are discarded.
    CHECK(e.batches == 2);
    CHECK(e.batch_messages == 17);
    CHECK(e.partial_batches == 2);
    CHECK(r.requests.served == 3);
    CHECK(r.latency.max_s() == Approx(1.25).epsilon(1e-9));
    CHECK(e.dead_lettered == 7);
    // Records 5..10 were processed on the first try and again on the retry.
    CHECK(e.duplicate_records == 6);
    check_settled(r);
  }
  SECTION("bisect on function error: the half without the failing record is served") {
    json with = keys;
    with["bisect_batch_on_function_error"] = true;
    const auto out = test::simulate(scenario_from(test::kinesis_scenario(dir, times, 125, with)));
    const auto& r = only_result(out);
    // Fails at 1.25 s and is split: records 1..5 (the failing 4th among them) are retried at 2 s and fail at
    // 2.625 s, their retries used up (discarded); records 6..10 follow at once and are served at 3.25 s.
    CHECK(r.event_source.bisections == 1);
    CHECK(r.requests.served == 5);
    CHECK(r.event_source.dead_lettered == 5);
    CHECK(r.latency.max_s() == Approx(3.25).epsilon(1e-9));
  }
}

TEST_CASE("platforms::SqsEventSource: failing records drawn from the seed", "[sqs][partial]") {
  TempDir dir;
  // 200 messages, each failing with probability 0.1: with partial batch responses and one receive before the
  // DLQ, each failing message is dead-lettered and every other one served on its first receive.
  const json keys = {
      {"record_failure_probability", 0.1}, {"max_receive_count", 1}, {"report_batch_item_failures", true}};
  const auto a = test::simulate(scenario_from(test::sqs_scenario(dir, 200, 10, keys)));
  const auto b = test::simulate(scenario_from(test::sqs_scenario(dir, 200, 10, keys)));
  const auto& r = only_result(a);
  CHECK(r.requests.served + r.event_source.dead_lettered == 200);
  CHECK(r.event_source.record_failures == r.event_source.dead_lettered);
  CHECK(r.event_source.redeliveries == 0);
  CHECK(r.event_source.duplicate_records == 0);
  // About 20 failing messages (binomial: sd ~4.2); the same seed, the same ones.
  CHECK(r.event_source.dead_lettered > 5);
  CHECK(r.event_source.dead_lettered < 40);
  CHECK(only_result(b).event_source.dead_lettered == r.event_source.dead_lettered);
  CHECK(only_result(b).latency.mean_s() == r.latency.mean_s());
  check_settled(r);
}

TEST_CASE("sim::parse_event_source: failing records and partial batch responses are checked", "[partial]") {
  TempDir dir;
  auto doc = test::sqs_scenario(dir, 1, 10, {{"record_failure_probability", 1.5}});
  CHECK_THROWS_WITH(scenario_from(doc),
                    "test-scenario.json: /event_source/record_failure_probability: expected 0..1, got 1.5");
  doc = test::sqs_scenario(dir, 1, 10, {{"failing_records", {1, -2}}});
  CHECK_THROWS_WITH(scenario_from(doc),
                    "test-scenario.json: /event_source/failing_records: expected an array of arrival indices "
                    "(whole numbers from 0), got [1,-2]");
}
