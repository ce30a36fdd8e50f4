// IndexedMinHeap: the instance fleet's queue of next completions. Checked against a brute-force minimum over
// 20,000 random insertions, key changes and removals, and on the hand cases a fleet produces.
#include "platforms/fleet/indexed_min_heap.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <vector>

using servesim::platforms::IndexedMinHeap;

TEST_CASE(
    "platforms::IndexedMinHeap: the top is always the smallest key; keys change and leave in O(log n)") {
  SECTION("hand cases: insert, change, remove, re-insert") {
    IndexedMinHeap heap;
    CHECK(heap.empty());
    heap.set(7, 12.5);
    heap.set(3, 4.0);
    heap.set(9, 8.0);
    CHECK(heap.top() == 3);
    heap.set(3, 20.0);  // instance 3's next completion moves later
    CHECK(heap.top() == 9);
    heap.set(9, IndexedMinHeap::kInfinity);  // instance 9 became idle
    CHECK_FALSE(heap.contains(9));
    CHECK(heap.top() == 7);
    CHECK(heap.size() == 2);
    heap.set(9, 1.0);
    CHECK(heap.top() == 9);
    heap.set(42, IndexedMinHeap::kInfinity);  // removing an id never inserted is a no-op
    CHECK(heap.size() == 3);
  }
  SECTION("random operations agree with a brute-force minimum") {
    std::mt19937_64 rng(20261206);
    const uint32_t ids = 200;
    std::vector<double> key(ids, IndexedMinHeap::kInfinity);
    IndexedMinHeap heap;
    for (int step = 0; step < 20000; ++step) {
      const uint32_t id = static_cast<uint32_t>(rng() % ids);
      const bool remove = rng() % 4 == 0;
      key[id] = remove ? IndexedMinHeap::kInfinity : static_cast<double>(rng() % 1000);
      heap.set(id, key[id]);
      double smallest = IndexedMinHeap::kInfinity;
      size_t present = 0;
      for (uint32_t k = 0; k < ids; ++k) {
        if (key[k] < smallest) smallest = key[k];
        if (key[k] != IndexedMinHeap::kInfinity) ++present;
      }
      REQUIRE(heap.size() == present);
      if (present > 0) {
        REQUIRE(heap.top_key() == smallest);
        REQUIRE(key[heap.top()] == smallest);
      }
    }
  }
}
