// reports/event_source_summary: the failing-records and FIFO blocks of summary.json's "event_source" appear
// only when a run uses them, so a run without them writes exactly what it wrote before (docs/events.md).
#include "reports/event_source_summary.hpp"

#include <catch2/catch.hpp>

TEST_CASE("reports::event_source_summary: record failures and FIFO blocks only when used") {
  servesim::sim::EventSourceOutcome e;
  e.present = true;
  e.type = "sqs";
  servesim::sim::Counters q{};
  q.arrived = 10;
  q.served = 9;
  SECTION("a standard queue without failing records: neither block") {
    const auto block = servesim::reports::event_source_summary(e, q);
    CHECK_FALSE(block.contains("record_failures"));
    CHECK_FALSE(block.contains("fifo"));
  }
  SECTION("a FIFO queue with partial batch responses: both blocks, with their counts") {
    e.record_failures_shown = true;
    e.report_batch_item_failures = true;
    e.record_failures = 2;
    e.partial_batches = 2;
    e.duplicate_records = 0;
    e.fifo = true;
    e.message_groups = 4;
    e.message_groups_active_peak = 3;
    e.send_limit_per_s = 300;
    e.put_throttles = 7;
    const auto block = servesim::reports::event_source_summary(e, q);
    CHECK(block["record_failures"]["report_batch_item_failures"] == true);
    CHECK(block["record_failures"]["failed_tries"] == 2);
    CHECK(block["record_failures"]["partial_batch_responses"] == 2);
    CHECK(block["record_failures"]["duplicate_records"] == 0);
    CHECK(block["fifo"]["message_groups"] == 4);
    CHECK(block["fifo"]["groups_active_peak"] == 3);
    CHECK(block["fifo"]["send_limit_per_s"] == 300);
    CHECK(block["fifo"]["sends_refused"] == 7);
  }
  SECTION("a Kinesis stream with failing records: the record_failures block") {
    e.type = "kinesis";
    e.record_failures_shown = true;
    e.duplicate_records = 6;
    const auto block = servesim::reports::event_source_summary(e, q);
    CHECK(block["record_failures"]["duplicate_records"] == 6);
    CHECK_FALSE(block.contains("fifo"));
  }
}
