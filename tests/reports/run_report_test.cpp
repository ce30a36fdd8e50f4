// reports/run_report: the time-series CSV comes out candidate by candidate whatever order the simulation
// delivers rows in, also when rows spill from memory to part files.
#include "reports/run_report.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "support/sim_harness.hpp"

using servesim::test::read_file;
using servesim::test::TempDir;

namespace {

servesim::sim::IntervalRow row_at(double start_s, uint64_t arrivals) {
  servesim::sim::IntervalRow row{};
  row.start_s = start_s;
  row.end_s = start_s + 60;
  row.counts.arrived = arrivals;
  row.counts.served = arrivals;
  row.p99_ms = 12.5;
  return row;
}

}  // namespace

TEST_CASE("reports::TimeseriesWriter: rows come out candidate by candidate, however they arrive") {
  TempDir dir;
  const std::vector<std::string> names = {"alpha", "beta", "gamma"};
  // 20,000 rows per candidate (about 1.3 MB each): far more than a candidate keeps in memory.
  constexpr int kRows = 20000;
  servesim::reports::TimeseriesWriter interleaved(dir.file("interleaved.csv"), names);
  for (int k = 0; k < kRows; ++k)
    for (size_t i = 0; i < names.size(); ++i)
      interleaved.row(i, row_at(60.0 * k, static_cast<uint64_t>(k + i)));
  interleaved.close();
  servesim::reports::TimeseriesWriter in_order(dir.file("in_order.csv"), names);
  for (size_t i = 0; i < names.size(); ++i)
    for (int k = 0; k < kRows; ++k) in_order.row(i, row_at(60.0 * k, static_cast<uint64_t>(k + i)));
  in_order.close();

  const std::string csv = read_file(dir.file("interleaved.csv"));
  CHECK(csv == read_file(dir.file("in_order.csv")));
  CHECK(servesim::test::count_lines(csv) == 1 + 3 * kRows);
  CHECK(csv.find("\nalpha,0.000000,60.000000,0,0,") != std::string::npos);
  CHECK(csv.rfind("\nalpha,") < csv.find("\nbeta,"));
  CHECK(csv.rfind("\nbeta,") < csv.find("\ngamma,"));
  CHECK(csv.substr(csv.rfind("\ngamma,") + 1, 30) == "gamma,1199940.000000,1200000.0");
  CHECK_FALSE(std::filesystem::exists(dir.file("interleaved.csv.part0")));  // parts are joined and removed
}
