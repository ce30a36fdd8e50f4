// InstanceLists: the ready instances of a fleet by tier and requests bound. Routing's rules, checked on small
// hand-built fleets: the fewest requests first, a reserved idle instance before a dynamic one, the most
// recently used on ties, and the idle lists ordered so that the tail is the instance idle the longest.
#include "platforms/fleet/instance_lists.hpp"

#include <catch2/catch.hpp>

using servesim::platforms::InstanceLists;

namespace {
constexpr uint32_t kActive = 0, kStandby = 1;
}  // namespace

TEST_CASE("platforms::InstanceLists: routing finds the instance with the fewest requests") {
  InstanceLists lists(/*concurrency=*/2);

  SECTION("the fewest requests bound, then none once every instance is full") {
    lists.link(1, 1, false, false, 0.0);
    lists.link(2, 0, false, false, 5.0);
    CHECK(lists.find_slot(kActive) == 2);
    lists.unlink(2);
    CHECK(lists.find_slot(kActive) == 1);
    lists.link(3, 2, false, false, 0.0);  // full: 2 requests of concurrency 2
    lists.unlink(1);
    CHECK(lists.find_slot(kActive) == InstanceLists::kNone);
    // An instance that drains to one request is found again (the lowest bucket is lowered on link).
    lists.unlink(3);
    lists.link(3, 1, false, false, 0.0);
    CHECK(lists.find_slot(kActive) == 3);
  }
  SECTION("a reserved idle instance before a dynamic idle one; the most recently linked on ties") {
    lists.link(5, 0, false, false, 2.0);
    lists.link(4, 0, false, true, 1.0);
    CHECK(lists.find_slot(kActive) == 4);
    lists.unlink(4);
    lists.unlink(5);
    lists.link(6, 1, false, false, 0.0);
    lists.link(7, 1, false, false, 0.0);
    CHECK(lists.find_slot(kActive) == 7);
  }
  SECTION("standby instances are a tier of their own") {
    lists.link(9, 0, true, false, 3.0);
    CHECK(lists.find_slot(kActive) == InstanceLists::kNone);
    CHECK(lists.find_slot(kStandby) == 9);
    CHECK(lists.head(kStandby, 0) == 9);
    CHECK(lists.tail(kActive, 0) == InstanceLists::kNone);
  }
}

TEST_CASE("platforms::InstanceLists: an idle list's tail is the instance idle the longest") {
  InstanceLists lists(/*concurrency=*/4);
  // Idle since 1 s, then 3 s; then one idle since 2 s comes back from standby (older than the head): order
  // from the head 3, 2, 1 s, so removals take the 1 s one first, then the 2 s one.
  lists.link(10, 0, false, false, 1.0);
  lists.link(30, 0, false, false, 3.0);
  lists.link(20, 0, false, false, 2.0);
  CHECK(lists.head(kActive, 0) == 30);
  CHECK(lists.tail(kActive, 0) == 10);
  CHECK(lists.prev(10) == 20);
  CHECK(lists.prev(20) == 30);
  CHECK(lists.prev(30) == InstanceLists::kNone);
  lists.unlink(10);
  CHECK(lists.tail(kActive, 0) == 20);
  // Busy lists keep the order of use: the newest at the head whatever its idle time.
  lists.link(40, 2, false, false, 0.5);
  lists.link(50, 2, false, false, 9.0);
  lists.link(60, 2, false, false, 4.0);
  CHECK(lists.head(kActive, 2) == 60);
  CHECK(lists.tail(kActive, 2) == 40);
}

TEST_CASE(
    "platforms::InstanceLists: an instance older than the head lands in idle-time order from either end") {
  // 1,000 instances idle since 1..1,000 s (head 1,000 s, tail 1 s). One idle since 999.5 s belongs next to
  // the head, one since 1.5 s next to the tail, one since 500 s (equal to a linked one) after that one: the
  // list read from the tail must stay in idle-time order.
  InstanceLists lists(/*concurrency=*/1);
  for (uint32_t k = 1; k <= 1000; ++k) lists.link(k, 0, false, false, k);
  lists.link(2001, 0, false, false, 999.5);
  lists.link(2002, 0, false, false, 1.5);
  lists.link(2003, 0, false, false, 500.0);
  CHECK(lists.prev(2001) == 1000);
  CHECK(lists.prev(999) == 2001);
  CHECK(lists.prev(2002) == 2);
  CHECK(lists.prev(1) == 2002);
  CHECK(lists.prev(2003) == 500);
  CHECK(lists.prev(499) == 2003);
  uint32_t count = 0;
  for (uint32_t id = lists.tail(kActive, 0); id != InstanceLists::kNone; id = lists.prev(id)) ++count;
  CHECK(count == 1003);
}
