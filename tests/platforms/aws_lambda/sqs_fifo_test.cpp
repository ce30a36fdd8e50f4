// An SQS FIFO queue read by a Lambda event source mapping (docs/events.md, "SQS FIFO queues"): message groups
// delivered in order, one batch of a group at a time, a receive filled from the oldest groups first, a failed
// batch blocking its group until it is visible again or dead-lettered, the 300 SendMessage a second limit and
// Lambda's FIFO rules (BatchSize at most 10, no batching window). Every expected number is worked by hand.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "sim/rng.hpp"
#include "support/sim_harness.hpp"
#include "support/sqs_scenario.hpp"

namespace {
using namespace servesim;
using nlohmann::json;
using test::scenario_from;
using test::TempDir;

// `n` messages sent at t = 0 to a FIFO queue (tests/support/sqs_scenario.hpp); `keys` refine the source.
json fifo_scenario(const TempDir& dir, int n, double message_ms, const json& keys) {
  json source = {{"queue_type", "fifo"}};
  source.update(keys);
  return test::sqs_scenario(dir, n, message_ms, source);
}

const sim::CandidateResult& fifo_result(const test::Simulated& out) {
  return out.results.at(0);
}

}  // namespace

TEST_CASE("platforms::SqsEventSource: a FIFO queue delivers each message group in order, one batch at a time",
          "[sqs][fifo]") {
  TempDir dir;
  SECTION("one group: 20 messages of 1 s one after the other") {
    const auto out = test::simulate(
        scenario_from(fifo_scenario(dir, 20, 1000, {{"message_groups", 1}, {"batch_size", 1}})));
    const auto& r = fifo_result(out);
    // Done at 1, 2, ..., 20 s: mean delay 10.5 s, one batch at a time.
    CHECK(r.requests.served == 20);
    CHECK(r.latency.mean_s() == Approx(10.5).epsilon(1e-9));
    CHECK(r.event_source.concurrent_batches_peak == 1);
    CHECK(r.event_source.message_groups_active_peak == 1);
  }
  SECTION("ten groups in turn: ten batches at once, no ramp") {
    const auto out = test::simulate(scenario_from(fifo_scenario(
        dir, 20, 1000,
        {{"message_groups", 10}, {"message_group_assignment", "round_robin"}, {"batch_size", 1}})));
    const auto& r = fifo_result(out);
    // Each group's first message at 0 s (done at 1 s), its second at 1 s (done at 2 s): mean 1.5 s.
    CHECK(r.latency.mean_s() == Approx(1.5).epsilon(1e-9));
    CHECK(r.event_source.concurrent_batches_peak == 10);
    CHECK(r.event_source.message_groups_active_peak == 10);
  }
  SECTION("a receive fills its batch from several groups, oldest group first") {
    // At most 2 concurrent batches: messages 0 and 1 go alone at 0 s (each arrives to an empty queue); when
    // they end at 1 s, one receive takes groups 2..6 (2 messages each: 10, done at 11 s) and the next groups
    // 7, 8, 9 (2 each), then 0 and 1 (1 each): 8 messages, done at 9 s.
    const auto out = test::simulate(scenario_from(fifo_scenario(
        dir, 20, 1000,
        {{"message_groups", 10}, {"message_group_assignment", "round_robin"}, {"maximum_concurrency", 2}})));
    const auto& r = fifo_result(out);
    CHECK(r.event_source.batches == 4);
    CHECK(r.event_source.batch_messages == 20);
    CHECK(r.event_source.concurrent_batches_peak == 2);
    CHECK(r.latency.max_s() == Approx(11.0).epsilon(1e-9));
    CHECK(r.latency.mean_s() == Approx((1 + 1 + 10 * 11 + 8 * 9) / 20.0).epsilon(1e-9));
  }
}

TEST_CASE("platforms::SqsEventSource: a failed FIFO batch blocks its group", "[sqs][fifo]") {
  TempDir dir;
  // Two groups in turn (group 0: messages 0 and 2; group 1: messages 1 and 3), 1 s each, batch size 1;
  // message 0 fails on every try; the DLQ takes a message reappearing after 2 receives.
  const json keys = {{"message_groups", 2},
                     {"message_group_assignment", "round_robin"},
                     {"batch_size", 1},
                     {"failing_records", {0}},
                     {"max_receive_count", 2}};
  SECTION("message 2 waits until message 0 is dead-lettered") {
    const auto out = test::simulate(scenario_from(fifo_scenario(dir, 4, 1000, keys)));
    const auto& r = fifo_result(out);
    // Message 0 fails at 1 s and at 901 s (visible again at 900 s) and goes to the DLQ at 1,800 s; only then
    // is message 2 received: done at 1,801 s. Group 1 is not held up: messages 1 and 3 done at 1 and 2 s.
    CHECK(r.requests.served == 3);
    CHECK(r.event_source.dead_lettered == 1);
    CHECK(r.latency.max_s() == Approx(1801.0).epsilon(1e-9));
  }
  SECTION("a standard queue does not wait: messages 0..3 go at once, message 2 done at 1 s") {
    json standard = keys;
    standard.erase("message_groups");
    standard.erase("message_group_assignment");
    standard["queue_type"] = "standard";
    const auto out = test::simulate(scenario_from(fifo_scenario(dir, 4, 1000, standard)));
    CHECK(fifo_result(out).requests.served == 3);
    CHECK(fifo_result(out).latency.max_s() == Approx(1.0).epsilon(1e-9));
  }
  SECTION("partial batch responses return the failed message and every one after it") {
    // One group, 10 messages of 100 ms: message 1 goes alone at 0 s (done at 0.1 s), messages 2..10 next;
    // the 4th fails: messages 2 and 3 are deleted, 4..10 back at 900.1 s; they fail again and all 7 reach
    // the DLQ at 1,800.1 s (1 + 9 + 7 messages processed).
    const auto out = test::simulate(scenario_from(fifo_scenario(dir, 10, 100,
                                                                {{"message_groups", 1},
                                                                 {"failing_records", {3}},
                                                                 {"max_receive_count", 2},
                                                                 {"report_batch_item_failures", true}})));
    const auto& r = fifo_result(out);
    CHECK(r.requests.served == 3);
    CHECK(r.event_source.dead_lettered == 7);
    CHECK(r.event_source.batch_messages == 17);
    CHECK(r.event_source.partial_batches == 2);
  }
}

TEST_CASE("platforms::SqsEventSource: FIFO message groups drawn from the seed", "[sqs][fifo]") {
  TempDir dir;
  // 500 messages of 10 ms at t = 0 on 5 groups drawn from the seed (the partition keys' stream, tag 7), batch
  // size 1: each group's messages go one after the other, so the last is done after the busiest group's
  // count x 10 ms, with 5 batches at most. Sends batched by the producer: 1,000 a second, none refused.
  const json keys = {{"message_groups", 5}, {"batch_size", 1}, {"send_limit_per_s", 1000}};
  const auto a = test::simulate(scenario_from(fifo_scenario(dir, 500, 10, keys)));
  const auto b = test::simulate(scenario_from(fifo_scenario(dir, 500, 10, keys)));
  sim::Rng draws = sim::Rng::derive(5, 7);
  std::vector<int> per_group(5, 0);
  for (int i = 0; i < 500; ++i) ++per_group[draws.next_u64() % 5];
  const int busiest = *std::max_element(per_group.begin(), per_group.end());
  const auto& r = fifo_result(a);
  CHECK(r.requests.served == 500);
  CHECK(r.event_source.concurrent_batches_peak == 5);
  CHECK(r.event_source.message_groups_active_peak == 5);
  CHECK(r.latency.max_s() == Approx(busiest * 0.010).epsilon(1e-6));
  CHECK(fifo_result(b).latency.mean_s() == r.latency.mean_s());
}

TEST_CASE("platforms::SqsEventSource: a FIFO queue takes 300 SendMessage requests a second", "[sqs][fifo]") {
  TempDir dir;
  // 400 messages sent in the same second: 300 taken, 100 refused and, without producer retries, throttled.
  const auto out = test::simulate(scenario_from(fifo_scenario(dir, 400, 1, json::object())));
  const auto& r = fifo_result(out);
  CHECK(r.requests.throttled == 100);
  CHECK(r.requests.served == 300);
  CHECK(r.event_source.put_throttles == 100);
  CHECK(r.event_source.send_requests == 300);
  CHECK(r.requests.served + r.requests.throttled + r.requests.dropped == r.requests.arrived);
}

TEST_CASE("sim::parse_event_source: FIFO queues follow Lambda's rules", "[sqs][fifo]") {
  TempDir dir;
  CHECK_THROWS_WITH(
      scenario_from(fifo_scenario(dir, 1, 10, {{"batch_size", 20}, {"batching_window_s", 0}})),
      "test-scenario.json: /event_source/batch_size: expected at most 10 on a FIFO queue, got 20");
  CHECK_THROWS_WITH(
      scenario_from(fifo_scenario(dir, 1, 10, {{"batching_window_s", 5}})),
      "test-scenario.json: /event_source/batching_window_s: expected 0 on a FIFO queue (no batching "
      "window), got 5");
  CHECK_THROWS_WITH(
      scenario_from(fifo_scenario(dir, 1, 10, {{"queue_type", "standard"}, {"message_groups", 4}})),
      "test-scenario.json: /event_source/message_groups: unexpected: message_groups belongs to a FIFO queue "
      "(queue_type \"fifo\"); a standard queue has no message groups");
}
