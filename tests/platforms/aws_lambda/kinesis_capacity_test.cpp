// A Kinesis stream in on-demand capacity mode, and a Lambda event source mapping with enhanced fan-out
// (scenario "event_source" keys "capacity_mode" and "enhanced_fan_out", docs/events.md), against AWS's
// documented behaviour: an on-demand stream writes 4,000 records/s (4 MB/s) at first and up to twice its
// peak of the previous 30 days, a new peak counting after 15 minutes; enhanced fan-out pushes records to the
// mapping ~70 ms after the put instead of leaving them for the next once-a-second poll. Each mode's bill.
// Every expected number is worked by hand.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "support/kinesis_scenario.hpp"
#include "support/sim_harness.hpp"

using servesim::test::cost_line;

namespace {
using namespace servesim;
using nlohmann::json;
using test::scenario_from;
using test::TempDir;

// `n` records spread evenly over the second that starts at `first_s`.
void put_in_second(std::vector<double>& times, int n, double first_s) {
  for (int i = 0; i < n; ++i) times.push_back(first_s + static_cast<double>(i) / n);
}

}  // namespace

TEST_CASE("platforms::KinesisEventSource: an on-demand stream writes up to twice its previous peak",
          "[kinesis]") {
  TempDir dir;
  const json on_demand = {{"capacity_mode", "on_demand"}, {"batch_size", 100}};
  std::vector<double> times;
  SECTION("4,000 records per second at first") {
    // 5,000 records of 1 KB in the first second: the new stream takes 4,000 (4 MB/s, 4,000 records/s) and
    // refuses 1,000, which the producer (no retries) gives up. No shard limit of 1,000 records/s applies.
    put_in_second(times, 5000, 0);
    const auto& r = test::simulate_first(test::kinesis_scenario(dir, times, 1, on_demand));
    CHECK(r.requests.served == 4000);
    CHECK(r.requests.throttled == 1000);
    CHECK(r.event_source.shards == 4);  // the 4 initial shards: 4 lanes
    CHECK(r.event_source.write_capacity_peak_records_per_s == 4000);
  }
  SECTION("twice a peak at least 15 minutes old") {
    // 3,000 records in [0, 1) (all taken), then 7,000 in [1000, 1001): the peak, 3,000 records/s, is more
    // than 15 minutes old, so the stream takes 2 x 3,000 = 6,000 and refuses 1,000.
    put_in_second(times, 3000, 0);
    put_in_second(times, 7000, 1000);
    const auto& r = test::simulate_first(test::kinesis_scenario(dir, times, 1, on_demand));
    CHECK(r.requests.served == 9000);
    CHECK(r.requests.throttled == 1000);
    CHECK(r.event_source.write_capacity_peak_records_per_s == 6000);
  }
  SECTION("a new peak counts only after 15 minutes") {
    // The same 7,000 records in [1, 2): growing to more than double the previous peak (none: the initial
    // 4,000) within 15 minutes is throttled, so 3,000 are refused.
    put_in_second(times, 3000, 0);
    put_in_second(times, 7000, 1);
    const auto& r = test::simulate_first(test::kinesis_scenario(dir, times, 1, on_demand));
    CHECK(r.requests.served == 7000);
    CHECK(r.requests.throttled == 3000);
  }
  SECTION("doubling twice within 15 minutes") {
    // 3,000 in [0, 1); 6,000 in [1000, 1001), all taken (twice the 3,000 peak); 12,000 in [1001, 1002): the
    // 6,000 second is 1 s old, so the capacity is still 6,000 and 6,000 are refused.
    put_in_second(times, 3000, 0);
    put_in_second(times, 6000, 1000);
    put_in_second(times, 12000, 1001);
    const auto& r = test::simulate_first(test::kinesis_scenario(dir, times, 1, on_demand));
    CHECK(r.requests.served == 15000);
    CHECK(r.requests.throttled == 6000);
  }
  SECTION("shards given") {
    put_in_second(times, 10, 0);
    auto doc = test::kinesis_scenario(dir, times, 1, on_demand);
    doc["event_source"]["shards"] = 2;
    CHECK(test::simulate_first(doc).event_source.shards == 2);
  }
}

TEST_CASE("platforms::KinesisEventSource: enhanced fan-out pushes records without the poll", "[kinesis]") {
  TempDir dir;
  const json one_key = {{"partition_keys", 1}, {"batch_size", 10}};
  SECTION("a record put between polls") {
    // The trace starts at its first record: a record of key 0 at 0 s (shard 0, polled at once) anchors it;
    // the record of key 1 is put at 0.3 s on the idle shard 1. 100 ms of work each. Polled: found at the
    // poll at 1 s, done at 1.1 s (delay 0.8 s). Enhanced fan-out: pushed at 0.3 + 0.07 = 0.37 s, done at
    // 0.47 s (delay 0.17 s, as the first record's: 0.07 + 0.1).
    const json two_shards = {{"shards", 2},
                             {"partition_keys", 2},
                             {"partition_key_assignment", "round_robin"},
                             {"batch_size", 10}};
    auto doc = test::kinesis_scenario(dir, {0.0, 0.3}, 100, two_shards);
    CHECK(test::simulate_first(doc).latency.max_s() == Approx(0.8).epsilon(1e-9));
    doc["event_source"]["enhanced_fan_out"] = true;
    const auto& r = test::simulate_first(doc);
    CHECK(r.latency.max_s() == Approx(0.17).epsilon(1e-9));
    CHECK(r.simulated_s == Approx(0.47).epsilon(1e-9));
  }
  SECTION("a record not yet pushed waits for its push") {
    // Two records of one key at 0 and 0.02 s: at 0.07 s only the first is pushed, a batch of 1 done at
    // 0.17 s; the second (pushed at 0.09 s) goes next, done at 0.27 s. Delays 0.17 and 0.25 s.
    auto doc = test::kinesis_scenario(dir, {0.0, 0.02}, 100, one_key);
    doc["event_source"]["enhanced_fan_out"] = true;
    const auto& r = test::simulate_first(doc);
    CHECK(r.event_source.batches == 2);
    CHECK(r.latency.mean_s() == Approx(0.21).epsilon(1e-9));
    CHECK(r.latency.max_s() == Approx(0.25).epsilon(1e-9));
  }
}

TEST_CASE("platforms::KinesisEventSource: each capacity mode and consumer has its own bill", "[kinesis]") {
  TempDir dir;
  // 10 records of 1.5 KB, one at each whole second 0..9, one key, batches of 1, 100 ms each. Data is billed
  // per GB with each record rounded up to 2 KB: 20 KB written, 20 KB read (one batch per record).
  std::vector<double> times;
  for (int i = 0; i < 10; ++i) times.push_back(i);
  const json base = {{"partition_keys", 1}, {"batch_size", 1}, {"record_kb", 1.5}, {"shards", 2}};
  const double gb = 20.0 / (1024.0 * 1024.0);
  SECTION("provisioned: shard-hours and PUT units, as before") {
    // Each record is polled at its put (a whole second) and done 0.1 s later: the run ends at 9.1 s.
    const auto& r = test::simulate_first(test::kinesis_scenario(dir, times, 100, base));
    CHECK(r.simulated_s == Approx(9.1).epsilon(1e-9));
    CHECK(cost_line(r, "kinesis_shard_hours_usd") == Approx(2 * 9.1 / 3600 * 0.015).epsilon(1e-9));
    CHECK(cost_line(r, "kinesis_put_payload_units_usd") == Approx(10 * 0.014 / 1e6).epsilon(1e-9));
    CHECK(cost_line(r, "kinesis_stream_hours_usd") == -1);
    CHECK_FALSE(r.event_source.on_demand);
  }
  SECTION("on-demand: stream-hours and GB written and read") {
    auto doc = test::kinesis_scenario(dir, times, 100, base);
    doc["event_source"]["capacity_mode"] = "on_demand";
    const auto& r = test::simulate_first(doc);
    const auto& e = r.event_source;
    CHECK(r.simulated_s == Approx(9.1).epsilon(1e-9));
    CHECK(e.stream_hours == Approx(9.1 / 3600).epsilon(1e-9));
    CHECK(e.gb_written == Approx(gb).epsilon(1e-9));
    CHECK(e.gb_read == Approx(gb).epsilon(1e-9));
    CHECK(e.shard_hours == 0);
    CHECK(e.put_payload_units == 0);
    CHECK(cost_line(r, "kinesis_stream_hours_usd") == Approx(9.1 / 3600 * 0.04).epsilon(1e-9));
    CHECK(cost_line(r, "kinesis_data_written_usd") == Approx(gb * 0.08).epsilon(1e-9));
    CHECK(cost_line(r, "kinesis_data_read_usd") == Approx(gb * 0.04).epsilon(1e-9));
    CHECK(cost_line(r, "kinesis_shard_hours_usd") == -1);
    CHECK(cost_line(r, "kinesis_put_payload_units_usd") == -1);
  }
  SECTION("enhanced fan-out: consumer-shard-hours and GB retrieved") {
    // Each record is pushed 0.07 s after its put and done 0.1 s later: the run ends at 9.17 s.
    auto doc = test::kinesis_scenario(dir, times, 100, base);
    doc["event_source"]["enhanced_fan_out"] = true;
    const auto& r = test::simulate_first(doc);
    const auto& e = r.event_source;
    CHECK(r.simulated_s == Approx(9.17).epsilon(1e-9));
    CHECK(e.consumer_shard_hours == Approx(2 * 9.17 / 3600).epsilon(1e-9));
    CHECK(e.gb_fan_out_read == Approx(gb).epsilon(1e-9));
    CHECK(cost_line(r, "kinesis_shard_hours_usd") == Approx(2 * 9.17 / 3600 * 0.015).epsilon(1e-9));
    CHECK(cost_line(r, "kinesis_fan_out_consumer_shard_hours_usd") ==
          Approx(2 * 9.17 / 3600 * 0.015).epsilon(1e-9));
    CHECK(cost_line(r, "kinesis_fan_out_data_read_usd") == Approx(gb * 0.013).epsilon(1e-9));
  }
  SECTION("on-demand with enhanced fan-out: the fan-out retrieval replaces the standard read") {
    auto doc = test::kinesis_scenario(dir, times, 100, base);
    doc["event_source"]["capacity_mode"] = "on_demand";
    doc["event_source"]["enhanced_fan_out"] = true;
    const auto& r = test::simulate_first(doc);
    CHECK(cost_line(r, "kinesis_data_read_usd") == -1);
    CHECK(cost_line(r, "kinesis_fan_out_data_read_usd") == Approx(gb * 0.013).epsilon(1e-9));
    CHECK(r.event_source.gb_read == 0);
  }
}

TEST_CASE("platforms::KinesisEventSource: bad capacity mode", "[kinesis]") {
  TempDir dir;
  auto doc = test::kinesis_scenario(dir, {0.0}, 100, {{"capacity_mode", "serverless"}});
  CHECK_THROWS_WITH(scenario_from(doc),
                    "test-scenario.json: /event_source/capacity_mode: expected one of "
                    "provisioned, on_demand, got \"serverless\"");
}
