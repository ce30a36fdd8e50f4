// An SQS queue read by a Lambda event source mapping (scenario "event_source", docs/events.md), against AWS's
// documented behaviour: batches by size or by batching window, 5 concurrent batches at first and 300 more per
// minute up to 1,000 (or MaximumConcurrency), failed messages back after the visibility timeout and to the
// DLQ after maxReceiveCount receives, one request per 10 messages received or deleted. Every expected number
// is worked by hand from those rules and the arrival times.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "support/sim_harness.hpp"
#include "support/sqs_scenario.hpp"

namespace {
using namespace servesim;
using nlohmann::json;
using test::scenario_from;
using test::sqs_scenario;
using test::TempDir;

test::Simulated run(const json& doc) {
  return test::simulate(scenario_from(doc));
}

void check_conservation(const sim::CandidateResult& r) {
  const auto& q = r.requests;
  CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
  CHECK(r.event_source.dead_lettered + r.event_source.expired == q.dropped);
}

}  // namespace

TEST_CASE("platforms::SqsEventSource: batches form by size or when the batching window ends", "[sqs]") {
  TempDir dir;
  SECTION("100 messages, batch size 10: ten full batches, none waits for its 20 s window") {
    const auto out = run(sqs_scenario(
        dir, 100, 100, {{"type", "sqs"}, {"batching_window_s", 20}, {"visibility_timeout_s", 900}}));
    const auto& r = out.results.at(0);
    const auto& e = r.event_source;
    CHECK(e.batches == 10);
    CHECK(e.batch_messages == 100);
    // 5 batches at t = 0, then one per 0.2 s as the mapping scales (300 per minute): the last at 1.0 s,
    // done 10 x 0.1 s later.
    CHECK(r.latency.max_s() == Approx(2.0).epsilon(1e-9));
    CHECK(r.requests.served == 100);
    // One SendMessage per message; one ReceiveMessage and one DeleteMessageBatch per batch of 10.
    CHECK(e.send_requests == 100);
    CHECK(e.receive_requests == 10);
    CHECK(e.delete_requests == 10);
    check_conservation(r);
  }
  SECTION("7 messages, batch size 10: one batch of 7 when the 20 s window ends") {
    const auto out = run(sqs_scenario(
        dir, 7, 100, {{"type", "sqs"}, {"batching_window_s", 20}, {"visibility_timeout_s", 900}}));
    const auto& r = out.results.at(0);
    CHECK(r.event_source.batches == 1);
    CHECK(r.event_source.batch_messages == 7);
    // Sent at 20 s, processed in 7 x 0.1 s: every message waited 20.7 s from enqueue to processed.
    CHECK(r.latency.mean_s() == Approx(20.7).epsilon(1e-9));
    CHECK(r.event_source.oldest_age_peak_s == Approx(20.7).epsilon(1e-9));
    CHECK(r.event_source.queue_depth_peak == 7);
    check_conservation(r);
  }
  SECTION("a batch size above 10 needs a window of at least 1 s") {
    auto doc = sqs_scenario(dir, 7, 100, {{"type", "sqs"}, {"batch_size", 100}});
    CHECK_THROWS_WITH(
        scenario_from(doc),
        "test-scenario.json: /event_source/batching_window_s: expected at least 1 when batch_size "
        "is above 10 (100), got 0");
  }
}

TEST_CASE("platforms::SqsEventSource: concurrent batches start at 5 and grow by 300 per minute", "[sqs]") {
  TempDir dir;
  // 2,000 messages of 600 s each, one per batch: no batch ends in the first 10 minutes, so the batches
  // running are exactly those the mapping allows: 5 + floor(5 t) at time t (one more every 0.2 s), at most
  // 1,000.
  auto doc =
      sqs_scenario(dir, 2000, 600000, {{"type", "sqs"}, {"batch_size", 1}, {"visibility_timeout_s", 900}});
  SECTION("per minute: 304, 604, 904, then the 1,000 cap") {
    const auto out = run(doc);
    const auto& rows = out.rows.at(0);
    REQUIRE(rows.size() >= 4);
    // The peak of each 60 s interval is reached at its last step, 0.2 s before its end.
    CHECK(rows[0].instances_peak == 5 + 299);
    CHECK(rows[1].instances_peak == 5 + 599);
    CHECK(rows[2].instances_peak == 5 + 899);
    CHECK(rows[3].instances_peak == 1000);
    CHECK(out.results.at(0).event_source.concurrent_batches_peak == 1000);
    check_conservation(out.results.at(0));
  }
  SECTION("MaximumConcurrency 50 caps it") {
    doc["event_source"]["maximum_concurrency"] = 50;
    const auto out = run(doc);
    CHECK(out.rows.at(0)[0].instances_peak == 50);
    CHECK(out.results.at(0).event_source.concurrent_batches_peak == 50);
  }
}

TEST_CASE("platforms::SqsEventSource: failed messages return after the visibility timeout, then the DLQ",
          "[sqs]") {
  TempDir dir;
  // The function needs 2 s per message but times out after 1 s: every batch fails. One message at t = 0,
  // visibility timeout 30 s: received at 0, 30, 60, ... s.
  auto doc = sqs_scenario(dir, 1, 2000, {{"type", "sqs"}, {"visibility_timeout_s", 30}});
  doc["candidates"][0]["timeout_s"] = 1;
  SECTION("maxReceiveCount 3: received at 0, 30 and 60 s, moved to the DLQ when it reappears at 90 s") {
    doc["event_source"]["max_receive_count"] = 3;
    const auto out = run(doc);
    const auto& r = out.results.at(0);
    CHECK(r.event_source.batches == 3);
    CHECK(r.event_source.batches_failed == 3);
    CHECK(r.event_source.redeliveries == 2);
    CHECK(r.requests.retries == 2);
    CHECK(r.event_source.dead_lettered == 1);
    CHECK(r.requests.dropped == 1);
    CHECK(r.simulated_s == Approx(90).epsilon(1e-9));
    check_conservation(r);
  }
  SECTION("no redrive policy: received every 30 s until it is older than the 1-hour retention") {
    doc["event_source"]["retention_s"] = 3600;
    const auto out = run(doc);
    const auto& r = out.results.at(0);
    // Received at 0, 30, ..., 3600 s (121 times); at 3630 s it is 3630 s old and deleted unread.
    CHECK(r.event_source.batches == 121);
    CHECK(r.event_source.expired == 1);
    CHECK(r.event_source.dead_lettered == 0);
    check_conservation(r);
  }
  SECTION("Lambda refuses a visibility timeout shorter than the function timeout") {
    doc["candidates"][0]["timeout_s"] = 60;
    CHECK_THROWS_WITH(
        test::simulate(scenario_from(doc)),
        "test-scenario.json: /event_source/visibility_timeout_s: expected at least the function "
        "timeout of candidate \"fn\" (60 s), got 30");
  }
}

TEST_CASE(
    "platforms::SqsEventSource: a throttled batch is a failed receive, back after the visibility timeout",
    "[sqs]") {
  TempDir dir;
  // Concurrency 0 over [0, 60): the message sent at 0 is received and throttled at 0 and at 30 s (visibility
  // timeout 30 s), received again at 60 s when the storm is over and processed in 0.1 s.
  auto doc = sqs_scenario(dir, 1, 100, {{"type", "sqs"}, {"visibility_timeout_s", 30}});
  doc["candidates"][0]["timeout_s"] = 3;
  doc["faults"] = {{{"kind", "throttle"}, {"start_s", 0}, {"duration_s", 60}, {"concurrency_limit", 0}}};
  const auto out = run(doc);
  const auto& r = out.results.at(0);
  CHECK(r.event_source.batches == 3);
  CHECK(r.event_source.batches_failed == 2);
  CHECK(r.event_source.redeliveries == 2);
  CHECK(r.requests.served == 1);
  CHECK(r.latency.mean_s() == Approx(60.1).epsilon(1e-9));
  CHECK(r.faults.at(0).attempts_failed == 2);
  check_conservation(r);
}

TEST_CASE("platforms::SqsEventSource: only a Lambda function consumes the queue", "[sqs]") {
  TempDir dir;
  auto doc = sqs_scenario(dir, 1, 100, {{"type", "sqs"}});
  doc["candidates"] = {{{"name", "run"}, {"platform", "gcp-cloud-run"}}};
  CHECK_THROWS_WITH(
      test::simulate(scenario_from(doc)),
      "test-scenario.json: /candidates/0/platform: expected a platform that consumes an SQS event "
      "source (aws-lambda: docs/events.md), got \"gcp-cloud-run\"");
}

TEST_CASE("platforms::SqsEventSource: a candidate's event_source refines the scenario's", "[sqs]") {
  TempDir dir;
  auto doc = sqs_scenario(dir, 7, 100, {{"type", "sqs"}, {"visibility_timeout_s", 900}});
  doc["candidates"][0]["event_source"] = {{"batching_window_s", 20}};
  const auto out = run(doc);
  CHECK(out.results.at(0).event_source.batches == 1);
  CHECK(out.results.at(0).latency.mean_s() == Approx(20.7).epsilon(1e-9));
}
