// A Pub/Sub push subscription in front of a Cloud Run service (scenario "event_source" of type "pubsub",
// docs/events.md), against Google's documented behaviour: one push request per message; an HTTP 429 or 5xx,
// or no answer within the ack deadline, is a nack; a nacked message is redelivered at once (no retry policy)
// or after minimum_backoff_s, doubling up to maximum_backoff_s; after max_delivery_attempts deliveries it
// goes to the dead-letter topic; one older than the message retention expires. The push window starts at 3
// outstanding requests, grows by 1 per success and halves on a failure; each failure pauses pushing for
// 0.1 s, doubling with failures in a row (estimates: docs/events.md). Every expected number is worked by hand
// from those rules and the arrival times.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/pubsub_scenario.hpp"

namespace {
using namespace servesim;
using nlohmann::json;
using test::constant_ms;
using test::scenario_from;
using test::TempDir;

}  // namespace

TEST_CASE("platforms::PubSubPushSource: a message always nacked backs off and goes to the dead-letter topic",
          "[pubsub]") {
  TempDir dir;
  // One message at 0 s needing 2 s; Cloud Run's request timeout of 1 s stops every delivery with HTTP 504
  // (a nack) 1 s after it was pushed. Exponential backoff from 10 s: the k-th failed delivery waits
  // 10 x 2^(k-1) s, so deliveries at 0, 1 + 10 = 11, 12 + 20 = 32, 33 + 40 = 73, 74 + 80 = 154; the fifth
  // nack (155 s) reaches max_delivery_attempts 5: dead-lettered at 155 s, 155 s after it was published.
  auto doc = test::pubsub_scenario(dir, {0.0}, 2000,
                                   {{"retry_policy", "exponential_backoff"}, {"max_delivery_attempts", 5}});
  doc["candidates"][0]["request_timeout_s"] = 1;
  SECTION("HTTP 504: delivered at 0, 11, 32, 73, 154 s, dead-lettered at 155 s") {
    const auto& r = test::simulate_first(doc);
    const auto& e = r.event_source;
    CHECK(e.batches == 5);
    CHECK(e.batches_failed == 5);
    CHECK(e.redeliveries == 4);
    CHECK(r.requests.retries == 4);
    CHECK(e.dead_lettered == 1);
    CHECK(e.ack_deadline_exceeded == 0);
    CHECK(e.oldest_age_peak_s == Approx(155).epsilon(1e-9));
    // Each nack pauses pushing (0.1, 0.2, 0.4, 0.8, 1.6 s: shorter than the backoff, so unseen here).
    CHECK(e.push_backoffs == 5);
    test::check_pubsub_accounted(r);
  }
  SECTION("the ack deadline: a request still running after 10 s is a nack, whatever Cloud Run does later") {
    // 25 s per message, Cloud Run's default request timeout (300 s): each delivery is nacked at its 10 s ack
    // deadline (0 -> 10, 20 -> 30, 50 -> 60, 100 -> 110, 190 -> 200) and redelivered 10, 20, 40, 80 s later;
    // dead-lettered at 200 s although Cloud Run finishes the requests (their answers come too late).
    doc["candidates"][0].erase("request_timeout_s");
    doc["service"]["warm"] = constant_ms(25000);
    const auto& r = test::simulate_first(doc);
    const auto& e = r.event_source;
    CHECK(e.batches == 5);
    CHECK(e.ack_deadline_exceeded == 5);
    CHECK(e.dead_lettered == 1);
    CHECK(e.oldest_age_peak_s == Approx(200).epsilon(1e-9));
    test::check_pubsub_accounted(r);
  }
}

TEST_CASE("platforms::PubSubPushSource: a message older than the retention expires", "[pubsub]") {
  TempDir dir;
  // Always nacked 1 s after each push, no dead-letter topic, a 600 s message retention.
  auto doc = test::pubsub_scenario(dir, {0.0}, 2000, {{"message_retention_s", 600}});
  doc["candidates"][0]["request_timeout_s"] = 1;
  SECTION("no retry policy: redelivered after each push backoff, expired at 600.3 s") {
    // Redelivered as soon as the push backoff after the k-th failure in a row (0.1 x 2^(k-1) s, at most
    // 60 s) ends: pushes at 0, 1.1, 2.3, 3.7, 5.5, 8.1, 12.3, 19.7, 33.5, 60.1, 112.3 (11), then every 61 s
    // from 173.3 to 539.3 (7 more); the nack at 540.3 + 60 s = 600.3 s finds it older than 600 s.
    const auto& r = test::simulate_first(doc);
    const auto& e = r.event_source;
    CHECK(e.batches == 18);
    CHECK(e.redeliveries == 17);
    CHECK(e.expired == 1);
    CHECK(e.oldest_age_peak_s == Approx(600.3).epsilon(1e-9));
    test::check_pubsub_accounted(r);
  }
  SECTION("exponential backoff: pushed at 0, 11, 32, 73, 154, 315 s; the next (636 s) is too late") {
    doc["event_source"]["retry_policy"] = "exponential_backoff";
    const auto& r = test::simulate_first(doc);
    const auto& e = r.event_source;
    CHECK(e.batches == 6);
    CHECK(e.expired == 1);
    CHECK(e.oldest_age_peak_s == Approx(636).epsilon(1e-9));
    test::check_pubsub_accounted(r);
  }
}

TEST_CASE("platforms::PubSubPushSource: successes grow the push window", "[pubsub]") {
  TempDir dir;
  // 20 messages at 0 s, 1 s each, 20 instances ready: only the push window limits them. Window 3: 3 pushed at
  // 0 s; their 3 acks at 1 s make it 6 (6 pushed), their 6 acks at 2 s make it 12 (the 11 left pushed), done
  // at 3 s. Latencies 3 x 1 + 6 x 2 + 11 x 3 = 48 s: mean 2.4 s; the window ends at 3 + 20 = 23.
  const auto doc = test::pubsub_scenario(dir, std::vector<double>(20, 0.0), 1000, json::object(), 20);
  const auto& r = test::simulate_first(doc);
  const auto& e = r.event_source;
  CHECK(r.requests.served == 20);
  CHECK(e.concurrent_batches_peak == 11);
  CHECK(e.push_window_peak == Approx(23).epsilon(1e-9));
  CHECK(r.latency.max_s() == Approx(3).epsilon(1e-9));
  CHECK(r.latency.mean_s() == Approx(2.4).epsilon(1e-9));
  CHECK(e.batches_failed == 0);
  test::check_pubsub_accounted(r);
}

TEST_CASE("platforms::PubSubPushSource: an HTTP 429 shrinks the push window", "[pubsub]") {
  TempDir dir;
  // 3 messages at 0 s, 30 s each, one instance: A runs 0-30 s; B and C wait in Cloud Run's queue and get
  // HTTP 429 at 10 s (queue_timeout_s): the window halves twice, 3 -> 1.5 -> 1, so nothing more is pushed
  // while A runs. A's ack at 30 s makes it 2: B and C pushed; B runs 30-60 s, C gets 429 at 40 s (window 1);
  // B's ack at 60 s: C pushed, done at 90 s. 6 push requests, 3 nacks; latencies 30, 60, 90 s.
  auto doc = test::pubsub_scenario(dir, {0.0, 0.0, 0.0}, 30000, {{"ack_deadline_s", 60}});
  SECTION("window halved on each failure") {
    const auto& r = test::simulate_first(doc);
    const auto& e = r.event_source;
    CHECK(e.batches == 6);
    CHECK(e.batches_failed == 3);
    CHECK(r.requests.served == 3);
    CHECK(r.latency.mean_s() == Approx(60).epsilon(1e-9));
    CHECK(r.latency.max_s() == Approx(90).epsilon(1e-9));
    test::check_pubsub_accounted(r);
  }
  SECTION("a window that does not shrink keeps pushing into the full queue") {
    // Window 3 throughout: B and C are pushed again at each push backoff's end and refused 10 s later, so
    // more push requests fail (the counts follow from the same rules; here only that there are more).
    doc["event_source"]["push_window_shrink"] = 1;
    const auto& r = test::simulate_first(doc);
    CHECK(r.event_source.batches_failed > 3);
    CHECK(r.requests.served == 3);
    test::check_pubsub_accounted(r);
  }
}

TEST_CASE("platforms::PubSubPushSource: throughput is billed per TiB, at least 1 KB a request", "[pubsub]") {
  TempDir dir;
  // 10 messages, each one publish and one push request: 20 requests of max(1,000 bytes, the message).
  auto doc = test::pubsub_scenario(dir, std::vector<double>(10, 0.0), 10, {{"message_kb", 3}}, 10);
  const double tib = 1099511627776.0;
  SECTION("3 KB messages: 20 x 3,000 bytes at $40 per TiB") {
    const auto& r = test::simulate_first(doc);
    CHECK(r.event_source.throughput_tib == Approx(20 * 3000 / tib).epsilon(1e-9));
    double usd = 0;
    for (const auto& [name, value] : r.cost_usd)
      if (name == "pubsub_throughput_usd") usd = value;
    CHECK(usd == Approx(20 * 3000 / tib * 40).epsilon(1e-9));
  }
  SECTION("0.2 KB messages are billed as 1 KB") {
    doc["event_source"]["message_kb"] = 0.2;
    const auto& r = test::simulate_first(doc);
    CHECK(r.event_source.throughput_tib == Approx(20 * 1000 / tib).epsilon(1e-9));
  }
}

TEST_CASE("platforms::PubSubPushSource: every message ends, and the same seed gives the same run",
          "[pubsub]") {
  TempDir dir;
  // 2,000 messages over 20 s (100/s) into two instances of 4 requests at most, 30 ms to 3 s each: the
  // queue, 429s, request timeouts and the dead-letter topic all happen.
  std::vector<double> times;
  for (int i = 0; i < 2000; ++i) times.push_back(0.01 * i);
  auto doc = test::pubsub_scenario(
      dir, times, 0,
      {{"retry_policy", "exponential_backoff"}, {"minimum_backoff_s", 1}, {"max_delivery_attempts", 5}});
  doc["service"]["warm"] = {{"type", "lognormal"}, {"mean_ms", 300}, {"p99_ms", 3000}};
  doc["candidates"][0]["max_instances"] = 2;
  doc["candidates"][0]["min_instances"] = 0;
  doc["candidates"][0]["concurrency"] = 4;
  doc["candidates"][0]["request_timeout_s"] = 2;
  const auto first = test::simulate(scenario_from(doc));
  const auto second = test::simulate(scenario_from(doc));
  const auto& a = first.results.at(0);
  const auto& b = second.results.at(0);
  CHECK(a.requests.arrived == 2000);
  CHECK(a.requests.served == b.requests.served);
  CHECK(a.latency.mean_s() == b.latency.mean_s());
  CHECK(a.event_source.batches == b.event_source.batches);
  CHECK(a.event_source.batches_failed > 0);
  test::check_pubsub_accounted(a);
}

TEST_CASE("platforms::PubSubPushSource: Google's defaults, refined by a candidate", "[pubsub]") {
  TempDir dir;
  auto doc = test::pubsub_scenario(dir, {0.0}, 100, json::object());
  doc["candidates"][0]["event_source"] = {{"retry_policy", "exponential_backoff"}, {"maximum_backoff_s", 60}};
  const auto sc = scenario_from(doc);
  // The subscription's documented defaults: 10 s ack deadline, immediate redelivery, no dead-letter topic,
  // 7 days of retention; 1 KB messages at $40 per TiB; the push window's estimates.
  const auto& e = sc.event_source;
  CHECK(e.type == sim::EventSourceSpec::Type::pubsub);
  CHECK(e.ack_deadline_s == 10);
  CHECK_FALSE(e.exponential_backoff);
  CHECK(e.max_delivery_attempts == 0);
  CHECK(e.retention_s == 604800);
  CHECK(e.message_kb == 1);
  CHECK(e.price_usd_per_tib == 40);
  CHECK(e.push_window_initial == 3);
  CHECK(e.push_backoff_max_s == 60);
  // The candidate's keys over the scenario's: exponential backoff from the default 10 s up to 60 s.
  const auto& c = sc.candidates.at(0).event_source;
  CHECK(c.type == sim::EventSourceSpec::Type::pubsub);
  CHECK(c.exponential_backoff);
  CHECK(c.minimum_backoff_s == 10);
  CHECK(c.maximum_backoff_s == 60);
  CHECK(c.retention_s == 604800);
}

TEST_CASE("platforms::PubSubPushSource: bad input", "[pubsub]") {
  TempDir dir;
  auto doc = test::pubsub_scenario(dir, {0.0}, 100, json::object());
  SECTION("only a Cloud Run service takes the push subscription") {
    doc["candidates"] = {{{"name", "fn"}, {"platform", "aws-lambda"}}};
    CHECK_THROWS_WITH(test::simulate(scenario_from(doc)),
                      "test-scenario.json: /candidates/0/platform: expected a platform that consumes a "
                      "Pub/Sub event source (gcp-cloud-run: docs/events.md), got \"aws-lambda\"");
  }
  SECTION("a backoff without the exponential retry policy") {
    doc["event_source"]["minimum_backoff_s"] = 5;
    CHECK_THROWS_WITH(scenario_from(doc), Catch::Contains("/event_source/minimum_backoff_s: unexpected"));
  }
  SECTION("a maximum backoff below the minimum") {
    doc["event_source"]["retry_policy"] = "exponential_backoff";
    doc["event_source"]["minimum_backoff_s"] = 60;
    doc["event_source"]["maximum_backoff_s"] = 30;
    CHECK_THROWS_WITH(scenario_from(doc),
                      "test-scenario.json: /event_source/maximum_backoff_s: expected at "
                      "least minimum_backoff_s (60), got 30");
  }
  SECTION("max_delivery_attempts under Pub/Sub's 5") {
    doc["event_source"]["max_delivery_attempts"] = 3;
    CHECK_THROWS_WITH(scenario_from(doc),
                      "test-scenario.json: /event_source/max_delivery_attempts: expected "
                      "0 (no dead-letter topic) or a whole number 5..100, got 3");
  }
  SECTION("an ack deadline under 10 s") {
    doc["event_source"]["ack_deadline_s"] = 5;
    CHECK_THROWS_WITH(scenario_from(doc), Catch::Contains("/event_source/ack_deadline_s"));
  }
  SECTION("an SQS key on a Pub/Sub subscription") {
    doc["event_source"]["visibility_timeout_s"] = 30;
    CHECK_THROWS_WITH(scenario_from(doc), Catch::Contains("/event_source/visibility_timeout_s: unknown key"));
  }
}
