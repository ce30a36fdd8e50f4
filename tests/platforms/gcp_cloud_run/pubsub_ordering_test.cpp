// Pub/Sub message ordering on a push subscription (event_source "pubsub" with "enable_message_ordering",
// docs/events.md), against Google's documented behaviour: messages with the same ordering key are delivered
// in publish order; a redelivered message brings its key's later messages back with it; forwarding to a
// dead-letter topic lets them go on. ServeSim's reading for a push endpoint: one push request outstanding per
// key, the next pushed when the previous is acked, dead-lettered or expired, so one key serves at most
// 1 / service time messages per second. Every expected number is worked by hand from those rules.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/pubsub_scenario.hpp"

namespace {
using namespace servesim;
using nlohmann::json;
using test::constant_ms;
using test::TempDir;

// `count` messages published at 0 s, each taking `service_ms` on its own 1-vCPU Cloud Run instance;
// `instances` ready from the start (min = max: no cold start), one request each; a push window of 1,000 so
// that only the ordering keys limit the pushes.
json ordered_scenario(const TempDir& dir, int count, double service_ms, const json& event_source,
                      int instances) {
  json source = {{"push_window_initial", 1000}};
  for (const auto& [key, value] : event_source.items()) source[key] = value;
  return test::pubsub_scenario(dir, std::vector<double>(count, 0.0), service_ms, source, instances);
}

}  // namespace

TEST_CASE("platforms::PubSubPushSource: one push at a time per ordering key", "[pubsub][ordering]") {
  TempDir dir;
  SECTION("1 key, 10 messages of 1 s at 0 s on 10 instances: one after the other, the last done at 10 s") {
    // The key's messages are pushed at 0, 1, ..., 9 s, each after the previous one's ack: done at 1..10 s,
    // mean delay 5.5 s, although 10 instances wait. All 10 are the key's backlog at 0 s.
    const auto doc =
        ordered_scenario(dir, 10, 1000, {{"enable_message_ordering", true}, {"ordering_keys", 1}}, 10);
    const auto& r = test::simulate_first(doc);
    const auto& e = r.event_source;
    CHECK(r.requests.served == 10);
    CHECK(r.latency.max_s() == Approx(10).epsilon(1e-9));
    CHECK(r.latency.mean_s() == Approx(5.5).epsilon(1e-9));
    CHECK(e.concurrent_batches_peak == 1);
    CHECK(e.message_ordering);
    CHECK(e.ordering_keys == 1);
    CHECK(e.ordering_keys_active_peak == 1);
    CHECK(e.ordering_key_backlog_peak == 10);
    CHECK(e.queue_depth_peak == 10);
    CHECK(e.oldest_age_peak_s == Approx(10).epsilon(1e-9));
    test::check_pubsub_accounted(r);
  }
  SECTION("10 keys in turn: all 10 pushed at once, done at 1 s, as without ordering") {
    const auto doc = ordered_scenario(dir, 10, 1000,
                                      {{"enable_message_ordering", true},
                                       {"ordering_keys", 10},
                                       {"ordering_key_assignment", "round_robin"}},
                                      10);
    const auto& r = test::simulate_first(doc);
    CHECK(r.requests.served == 10);
    CHECK(r.latency.max_s() == Approx(1).epsilon(1e-9));
    CHECK(r.event_source.concurrent_batches_peak == 10);
    CHECK(r.event_source.ordering_keys_active_peak == 10);
    CHECK(r.event_source.ordering_key_backlog_peak == 1);
    test::check_pubsub_accounted(r);
  }
  SECTION("100 messages, 2 keys in turn: each key serves 1 message/s, the last done at 50 s") {
    // Per key at most 1 / (1 s) messages per second: 50 messages per key take 50 s (mean delay 25.5 s),
    // whatever the 100 instances could do.
    const auto doc = ordered_scenario(
        dir, 100, 1000,
        {{"enable_message_ordering", true}, {"ordering_keys", 2}, {"ordering_key_assignment", "round_robin"}},
        100);
    const auto& r = test::simulate_first(doc);
    CHECK(r.requests.served == 100);
    CHECK(r.latency.max_s() == Approx(50).epsilon(1e-9));
    CHECK(r.latency.mean_s() == Approx(25.5).epsilon(1e-9));
    CHECK(r.event_source.concurrent_batches_peak == 2);
    CHECK(r.event_source.ordering_key_backlog_peak == 50);
    test::check_pubsub_accounted(r);
  }
  SECTION("ordering keys without enable_message_ordering change nothing: 10 messages of 1 key done at 1 s") {
    const auto doc = ordered_scenario(dir, 10, 1000, {{"ordering_keys", 1}}, 10);
    const auto& r = test::simulate_first(doc);
    CHECK(r.latency.max_s() == Approx(1).epsilon(1e-9));
    CHECK_FALSE(r.event_source.message_ordering);
    CHECK(r.event_source.ordering_keys == 0);
  }
}

TEST_CASE("platforms::PubSubPushSource: with cold starts, distinct keys change nothing",
          "[pubsub][ordering]") {
  TempDir dir;
  // Scaled to zero with a 2 s cold start: each instance cold-starts as Cloud Run models it. With one key per
  // message the pushes are the unordered ones, so the delays are the same to the last digit.
  auto unordered = ordered_scenario(dir, 10, 1000, json::object(), 10);
  unordered["candidates"][0]["min_instances"] = 0;
  unordered["service"]["cold_start"] = {{"runtime_init", constant_ms(2000)}};
  auto ordered = unordered;
  ordered["event_source"]["enable_message_ordering"] = true;
  ordered["event_source"]["ordering_keys"] = 10;
  ordered["event_source"]["ordering_key_assignment"] = "round_robin";
  const auto plain = test::simulate(test::scenario_from(unordered));
  const auto keyed = test::simulate(test::scenario_from(ordered));
  const auto& a = plain.results.at(0);
  const auto& b = keyed.results.at(0);
  CHECK(a.latency.max_s() > 1);  // the cold starts
  CHECK(b.latency.max_s() == a.latency.max_s());
  CHECK(b.latency.mean_s() == a.latency.mean_s());
  CHECK(b.event_source.batches == a.event_source.batches);
}

TEST_CASE("platforms::PubSubPushSource: a nacked message holds its key's followers", "[pubsub][ordering]") {
  TempDir dir;
  // 2 messages at 0 s needing 2 s; Cloud Run's 1 s request timeout nacks every delivery 1 s after its push
  // (HTTP 504). Exponential backoff from 10 s, 5 delivery attempts, no push backoff (0 s) so that only the
  // retry policy spaces the pushes: a message is pushed at 0, 11, 32, 73 and 154 s after it entered the push
  // line and dead-lettered 155 s after.
  auto doc = ordered_scenario(dir, 2, 2000,
                              {{"retry_policy", "exponential_backoff"},
                               {"max_delivery_attempts", 5},
                               {"push_backoff_min_s", 0},
                               {"push_backoff_max_s", 0}},
                              2);
  doc["candidates"][0]["request_timeout_s"] = 1;
  SECTION("one key: the second waits for the first's dead-lettering at 155 s, and goes at 310 s") {
    doc["event_source"]["enable_message_ordering"] = true;
    doc["event_source"]["ordering_keys"] = 1;
    const auto& r = test::simulate_first(doc);
    const auto& e = r.event_source;
    CHECK(e.batches == 10);
    CHECK(e.dead_lettered == 2);
    CHECK(e.concurrent_batches_peak == 1);
    // The second message, published at 0 s, is the oldest from 155 s to its dead-lettering at 310 s.
    CHECK(e.oldest_age_peak_s == Approx(310).epsilon(1e-9));
    CHECK(e.ordering_key_backlog_peak == 2);
    test::check_pubsub_accounted(r);
  }
  SECTION("without ordering both are pushed together and dead-lettered at 155 s") {
    const auto& r = test::simulate_first(doc);
    const auto& e = r.event_source;
    CHECK(e.batches == 10);
    CHECK(e.dead_lettered == 2);
    CHECK(e.concurrent_batches_peak == 2);
    CHECK(e.oldest_age_peak_s == Approx(155).epsilon(1e-9));
    test::check_pubsub_accounted(r);
  }
}

TEST_CASE("platforms::PubSubPushSource: drawn ordering keys are the seed's", "[pubsub][ordering]") {
  TempDir dir;
  // 500 messages of 100 ms on 5 instances, 5 keys drawn from the seed: at most 5 keys active, every message
  // served, and the same seed gives the same run.
  const auto doc =
      ordered_scenario(dir, 500, 100, {{"enable_message_ordering", true}, {"ordering_keys", 5}}, 5);
  const auto first = test::simulate(test::scenario_from(doc));
  const auto second = test::simulate(test::scenario_from(doc));
  const auto& a = first.results.at(0);
  const auto& b = second.results.at(0);
  CHECK(a.requests.served == 500);
  CHECK(a.event_source.ordering_keys_active_peak == 5);
  // The busiest key holds at least its even share of 100, and the last message waits for it: the run lasts
  // that key's backlog x 0.1 s.
  CHECK(a.event_source.ordering_key_backlog_peak >= 100);
  CHECK(a.latency.max_s() ==
        Approx(0.1 * static_cast<double>(a.event_source.ordering_key_backlog_peak)).epsilon(1e-9));
  CHECK(a.latency.mean_s() == b.latency.mean_s());
  CHECK(a.event_source.ordering_key_backlog_peak == b.event_source.ordering_key_backlog_peak);
  test::check_pubsub_accounted(a);
}

TEST_CASE("platforms::PubSubPushSource: a key's followers expire behind a failing first message",
          "[pubsub][ordering]") {
  TempDir dir;
  // 2 messages at 0 s, always nacked 1 s after each push (1 s request timeout, 2 s of work), exponential
  // backoff from 10 s, no dead-letter topic, a 600 s retention, no push backoff. The first is pushed at 0,
  // 11, 32, 73, 154 and 315 s; its next redelivery (636 s) finds it older than 600 s: expired. Its follower,
  // also published at 0 s, then reaches the push line at 636 s and expires at once, never pushed: 6 push
  // requests. Without ordering each is pushed 6 times: 12.
  auto doc = ordered_scenario(dir, 2, 2000,
                              {{"retry_policy", "exponential_backoff"},
                               {"message_retention_s", 600},
                               {"push_backoff_min_s", 0},
                               {"push_backoff_max_s", 0}},
                              2);
  doc["candidates"][0]["request_timeout_s"] = 1;
  SECTION("one key") {
    doc["event_source"]["enable_message_ordering"] = true;
    doc["event_source"]["ordering_keys"] = 1;
    const auto& r = test::simulate_first(doc);
    CHECK(r.event_source.batches == 6);
    CHECK(r.event_source.expired == 2);
    CHECK(r.event_source.oldest_age_peak_s == Approx(636).epsilon(1e-9));
    test::check_pubsub_accounted(r);
  }
  SECTION("no ordering") {
    const auto& r = test::simulate_first(doc);
    CHECK(r.event_source.batches == 12);
    CHECK(r.event_source.expired == 2);
    test::check_pubsub_accounted(r);
  }
}
