// servesim validate-model (calibrate/model_accuracy.hpp): every bundled reference measurement is compared or
// said not to be, the compared figures are the ones the sources publish, worked by hand for the L4, and the
// summaries are the median and largest error of the rows with an interval around the median; the command's
// exit status follows --fail-above.
#include "calibrate/model_accuracy.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <set>

#include "platforms/fleet/gpu_catalog.hpp"
#include "platforms/fleet/llm_calibration.hpp"
#include "support/sim_harness.hpp"

namespace {
using namespace servesim;

const nlohmann::ordered_json& accuracy_report() {
  static const nlohmann::ordered_json r = calibrate::model_accuracy({});
  return r;
}

const nlohmann::ordered_json& group_named(const std::string& id) {
  for (const auto& g : accuracy_report()["groups"])
    if (g["id"] == id) return g;
  FAIL("no group " << id);
  throw;
}

const nlohmann::ordered_json* row_of(const nlohmann::ordered_json& g, const std::string& id,
                                     const std::string& role) {
  for (const auto& r : g["rows"])
    if (r["id"] == id && r["role"] == role) return &r;
  return nullptr;
}
}  // namespace

TEST_CASE("calibrate::model_accuracy: every reference measurement is compared or said not to be") {
  const platforms::GpuCatalog& c = platforms::gpu_catalog();
  const auto& gpu = group_named("gpu-latency");
  size_t fit_rows = 0;
  for (const auto& m : c.measurements) fit_rows += m.role == "fit";
  CHECK(gpu["rows"].size() + gpu["not_replayed"].size() == c.measurements.size());  // 36 MLPerf rows
  CHECK(gpu["summary"]["in-sample"]["rows"] == fit_rows);
  CHECK(gpu["summary"]["held-out"]["rows"] == c.measurements.size() - fit_rows);

  // Each LLM entry gives one or more figures (throughput, TTFT, TPOT) or a reason it is not replayed.
  const auto& llm = group_named("llm-serving");
  std::set<std::string> seen;
  for (const auto& r : llm["rows"]) seen.insert(r["id"].get<std::string>());
  for (const auto& n : llm["not_replayed"]) {
    CHECK_FALSE(n["why"].get<std::string>().empty());
    CHECK(seen.insert(n["id"].get<std::string>()).second);  // never both compared and not
  }
  size_t entries = 0;
  for (const auto& e : platforms::llm_calibration().measurements) {
    ++entries;
    INFO(e["id"]);
    CHECK(seen.count(e["id"].get<std::string>()) == 1);
  }
  CHECK(seen.size() == entries);
  for (const auto& r : llm["rows"]) CHECK((r["role"] == "in-sample" || r["role"] == "held-out"));
}

TEST_CASE("calibrate::model_accuracy: the L4 ResNet-50 figures worked by hand") {
  // L4 INT8 dense peak 242.5 TOP/s, 300 GB/s (NVIDIA L4 datasheet); ResNet-50 8.2 GFLOP and 25.6 MB per
  // request; Ada's fit: efficiency 0.463, overhead 0.2796 ms (docs/models/gpu-latency.md).
  const auto& g = group_named("gpu-latency");
  // Offline: 242.5e12 x 0.463 / 8.2e9 = 13,692.7 samples/s, against MLPerf v3.0 NVIDIA L4x1 13,157.8 (in
  // sample: +4.07%) and v4.1 Lenovo 2xL4 25,600 / 2 = 12,800 (held out: +6.97%).
  const auto* fit = row_of(g, "l4 resnet50 offline", "in-sample");
  REQUIRE(fit);
  CHECK((*fit)["measured"].get<double>() == Approx(13157.8));
  CHECK((*fit)["modelled"].get<double>() == Approx(13692.7).epsilon(1e-4));
  CHECK((*fit)["error_pct"].get<double>() == Approx(4.07).margin(0.01));
  const auto* check = row_of(g, "l4 resnet50 offline", "held-out");
  REQUIRE(check);
  CHECK((*check)["error_pct"].get<double>() == Approx(6.97).margin(0.01));
  // Batch of one: max(8.2e9 / (242.5e12 x 0.463), 25.6e6 / 300e9) + 0.2796 ms = 0.0853 + 0.2796 = 0.3649 ms.
  const auto* one = row_of(g, "l4 resnet50 single-stream", "in-sample");
  REQUIRE(one);
  CHECK((*one)["modelled"].get<double>() == Approx(0.3649).epsilon(1e-3));
  CHECK((*one)["metric"] == "batch-1 latency [ms]");
}

TEST_CASE("calibrate::model_accuracy: summaries are the rows' median and largest error, with an interval") {
  for (const auto& g : accuracy_report()["groups"])
    for (const char* role : {"in-sample", "held-out"}) {
      std::vector<double> abs;
      for (const auto& r : g["rows"])
        if (r["role"] == role) abs.push_back(std::fabs(r["error_pct"].get<double>()));
      const auto& s = g["summary"][role];
      INFO(g["id"] << " " << role);
      REQUIRE(s["rows"] == abs.size());
      if (abs.empty()) continue;
      std::sort(abs.begin(), abs.end());
      const size_t n = abs.size();
      const double median = n % 2 ? abs[n / 2] : (abs[n / 2 - 1] + abs[n / 2]) / 2;
      CHECK(s["median_abs_error_pct"].get<double>() == Approx(median));
      CHECK(s["max_abs_error_pct"].get<double>() == Approx(abs.back()));
      // A bootstrap median of resampled rows lies between the smallest and largest row, and the interval
      // of 2,000 of them brackets the sample's median (the rows are not all equal here).
      const double low = s["median_ci95"][0], high = s["median_ci95"][1];
      CHECK(low >= abs.front() - 1e-9);
      CHECK(high <= abs.back() + 1e-9);
      CHECK(low <= median + 1e-9);
      CHECK(high >= median - 1e-9);
    }
  // The same seed gives the same report, byte for byte.
  CHECK(calibrate::model_accuracy({}).dump() == accuracy_report().dump());
}

TEST_CASE("calibrate::model_accuracy: every platform model says what it is checked against") {
  const auto& p = accuracy_report()["platforms"];
  REQUIRE(p.size() >= 7);
  for (const auto& e : p) {
    INFO(e["platform"]);
    CHECK_THAT(e["public_measurements"].get<std::string>(), Catch::Contains("not known"));
    CHECK_THAT(e["checked_against"].get<std::string>(), Catch::Contains("documented rules"));
  }
}

TEST_CASE("calibrate::validate-model: the command's table, JSON and exit status") {
  test::TempDir dir;
  const auto table = test::run_servesim("validate-model --summary", dir);
  CHECK(table.status == 0);
  CHECK_THAT(table.out, Catch::Contains("held-out :"));
  CHECK_THAT(table.out, Catch::Contains("gpu-latency"));
  const std::string out = dir.file("accuracy.json");
  const auto json = test::run_servesim("validate-model --json --out " + out, dir);
  CHECK(json.status == 0);
  CHECK(nlohmann::ordered_json::parse(json.out).dump() == accuracy_report().dump());
  CHECK(test::read_file(out) == accuracy_report().dump(2) + "\n");
  // The held-out medians are a few to about 20 percent: above 1,000% nothing fails, below 1% both do.
  CHECK(test::run_servesim("validate-model --summary --fail-above 1000", dir).status == 0);
  const auto failed = test::run_servesim("validate-model --summary --fail-above 1", dir);
  CHECK(failed.status == 1);
  CHECK(test::count_lines(test::user_stderr(failed.err)) == 2);  // tensor-parallel probes run SimGrid actors
  CHECK_THAT(failed.err, Catch::Contains("llm-serving's held-out median"));
  const auto bad = test::run_servesim("validate-model --resamples 5", dir);
  CHECK(bad.status == 2);
  CHECK(test::count_lines(bad.err) == 1);
}
