// app::prepare: every refusal comes before any simulation, and a prepared scenario carries what the run
// needs.
#include "app/prepare.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

#include "app/run.hpp"
#include "core/input_error.hpp"
#include "reports/run_report.hpp"
#include "sim/engine.hpp"
#include "support/sim_harness.hpp"

using namespace servesim;
using servesim::test::TempDir;

namespace {

nlohmann::json small_doc() {
  return {{"name", "app-prepare"},
          {"seed", 5},
          {"workload", test::poisson(5, 120)},
          {"service", {{"warm", test::constant_ms(40)}}},
          {"slo", {{"p99_ms", 500}}},
          {"metrics", {{"interval_s", 30}}},
          {"candidates",
           {{{"name", "lambda"}, {"platform", "aws-lambda"}, {"memory_mb", 1024}},
            {{"name", "pool"}, {"platform", "fixed-pool"}, {"servers", 2}}}}};
}

std::string write_scenario(const TempDir& dir, const nlohmann::json& doc) {
  return dir.write("scenario.json", doc.dump(2));
}

}  // namespace

TEST_CASE("app::prepare: checks, then nothing simulated or written") {
  TempDir dir;
  const uint64_t before = sim::simulated_candidates();

  SECTION("a folder holding files that servesim did not write is refused before any simulation") {
    const std::string out = dir.file("taken");
    std::filesystem::create_directories(out);
    std::ofstream(out + "/notes.txt") << "mine\n";
    app::PrepareOptions options;
    options.out_dir = out;
    CHECK_THROWS_AS(app::prepare(write_scenario(dir, small_doc()), options), InputError);
    CHECK(sim::simulated_candidates() == before);
    CHECK(test::read_file(out + "/notes.txt") == "mine\n");
    options.force = true;  // --force: refused no more
    CHECK_NOTHROW(app::prepare(write_scenario(dir, small_doc()), options));
  }
  SECTION("the folder holding the scenario is refused even with force") {
    app::PrepareOptions options;
    options.out_dir = dir.path();
    options.force = true;
    CHECK_THROWS_AS(app::prepare(write_scenario(dir, small_doc()), options), InputError);
  }
  SECTION("a run beyond --max-arrivals is refused with the numbers") {
    app::PrepareOptions options;
    options.limits.max_arrivals = 100;  // 5 req/s for 120 s: ~600
    try {
      app::prepare(write_scenario(dir, small_doc()), options);
      FAIL("no refusal");
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains("/workload") && Catch::Contains("--max-arrivals"));
    }
  }
  SECTION("a bad candidate setting is refused, unless the caller builds its own candidates") {
    auto doc = small_doc();
    doc["candidates"][1]["servers"] = -3;
    CHECK_THROWS_AS(app::prepare(test::scenario_from(doc)), InputError);
    app::PrepareOptions options;
    options.check_candidates = false;
    CHECK_NOTHROW(app::prepare(test::scenario_from(doc), options));
  }
  SECTION("the default output folder is out/<scenario name>; the seed override is applied") {
    app::PrepareOptions options;
    options.default_out_dir = true;
    options.seed = 99;
    options.check_limits = false;
    std::error_code ec;
    const bool had_out = std::filesystem::exists("out/app-prepare", ec);
    const app::Prepared p = app::prepare(test::scenario_from(small_doc()), options);
    CHECK(p.out_dir == "out/app-prepare");
    CHECK(p.scenario.seed == 99);
    CHECK(p.model_line.empty());
    CHECK(p.model_profile.is_null());
    CHECK(std::filesystem::exists("out/app-prepare", ec) == had_out);  // checked, not made
  }
  CHECK(sim::simulated_candidates() == before);
}

TEST_CASE("app::run: one simulation of each candidate, rows to the callback, summary.json's content") {
  const app::Prepared p = app::prepare(test::scenario_from(small_doc()));
  const uint64_t before = sim::simulated_candidates();
  std::vector<size_t> rows(2, 0);
  app::RunOptions options;
  options.on_row = [&](size_t i, const sim::IntervalRow&) { ++rows.at(i); };
  const app::RunOutcome out = app::run(p, options);
  CHECK(sim::simulated_candidates() - before == 2);
  REQUIRE(out.results.size() == 2);
  CHECK(out.results[0].name == "lambda");
  CHECK(rows[0] >= 4);  // 120 s at 30 s intervals
  CHECK(rows[1] >= 4);
  CHECK(out.summary["candidates"].size() == 2);
  CHECK(out.summary["seed"] == 5);

  SECTION("a seed override for one run") {
    app::RunOptions reseeded;
    reseeded.seed = 6;
    const app::RunOutcome other = app::run(p, reseeded);
    CHECK(other.scenario.seed == 6);
    CHECK(other.summary["seed"] == 6);
    CHECK(other.results[0].requests.arrived != out.results[0].requests.arrived);
  }
  SECTION("cancel stops the run (at the engine's first check, after 65,536 events)") {
    auto doc = small_doc();
    doc["workload"] = test::poisson(200, 3600);
    const app::Prepared large = app::prepare(test::scenario_from(doc));
    std::atomic<bool> cancel{true};
    app::RunOptions cancelled;
    cancelled.cancel = &cancel;
    CHECK_THROWS_AS(app::run(large, cancelled), sim::Cancelled);
  }
}

TEST_CASE("app::prepare: service.model_memory_mb must fit every candidate's memory") {
  TempDir dir;
  const uint64_t before = sim::simulated_candidates();
  nlohmann::json doc = small_doc();
  auto refusal = [&](const nlohmann::json& d) -> std::string {
    try {
      app::prepare(write_scenario(dir, d), app::PrepareOptions{});
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  };

  SECTION("a 1,500 MB model does not fit a 1,024 MB Lambda: refused with both numbers and the way out") {
    doc["service"]["model_memory_mb"] = 1500;
    const std::string what = refusal(doc);
    CHECK_THAT(what, Catch::Contains("/candidates/0/memory_mb"));
    CHECK_THAT(what,
               Catch::Contains("1024 MB is below what the model needs: 1500 MB (service.model_memory_mb)"));
    CHECK_THAT(what, Catch::Contains("give memory_mb of at least 1500"));
  }
  SECTION("Cloud Run's catalogue default of 0.5 GiB is named as the default; 800 MB needs 0.782 GiB") {
    doc["service"]["model_memory_mb"] = 800;
    doc["candidates"] = {{{"name", "cr"}, {"platform", "gcp-cloud-run"}}};
    const std::string what = refusal(doc);
    CHECK_THAT(what, Catch::Contains("/candidates/0/memory_gib"));
    CHECK_THAT(what, Catch::Contains("0.5 GiB (the catalogue default)"));
    // 800 MB / 1024 = 0.78125 GiB, rounded up to the next thousandth.
    CHECK_THAT(what, Catch::Contains("at least 0.782"));
  }
  SECTION("a model that fits, and a platform without a memory setting (a fixed pool), pass") {
    doc["service"]["model_memory_mb"] = 1024;  // exactly the Lambda's memory
    CHECK(refusal(doc).empty());
  }
  CHECK(sim::simulated_candidates() == before);
}

TEST_CASE("app::prepare: a packaging a candidate cannot deploy is refused before any simulation") {
  // What `servesim validate`, `run` and `advise` print (docs/errors.md): the candidate, the limit, the
  // options.
  TempDir dir;
  const uint64_t before = sim::simulated_candidates();
  auto doc = small_doc();
  doc["service"]["cold_start"] = {{"source", "zip"}, {"model_size_mb", 20000}};
  CHECK_THROWS_WITH(app::prepare(write_scenario(dir, doc), app::PrepareOptions{}),
                    dir.file("scenario.json") +
                        ": /candidates/0: model 20,000 MB does not fit a Lambda zip (250 MB unzipped, layers "
                        "included) or image (10,240 MB); use efs or another platform");
  // kubernetes-gpu: the model in the nodes' image only (a per-pod download is not modelled yet).
  doc["service"]["cold_start"] = {{"source", "volume"}, {"model_size_mb", 2000}};
  doc["candidates"] = {{{"platform", "kubernetes-gpu"}}};
  CHECK_THROWS_WITH(
      app::prepare(write_scenario(dir, doc), app::PrepareOptions{}),
      dir.file("scenario.json") +
          ": /service/cold_start/source: expected image for a kubernetes-gpu candidate (its nodes pull "
          "the serving image with the model inside; a per-pod model download from object storage or a "
          "volume is not modelled yet), got \"volume\"");
  CHECK(sim::simulated_candidates() == before);
}

TEST_CASE("app: summary.json shows where each cold start's time went when the scenario names a source") {
  // One request at t = 0 on Lambda (1,769 MB = 1 vCPU): 0.3 s init, 1,000 MB from EFS at 1,572.864 MB/s
  // (0.6358 s + 1.3 ms route latency), 0.7 s load.
  TempDir dir;
  auto doc = small_doc();
  doc["workload"] = {{"type", "rate_trace"}, {"path", dir.write("one.txt", "1")}};
  doc["service"]["cold_start"] = {{"source", "efs"},
                                  {"model_size_mb", 1000},
                                  {"runtime_init", test::constant_ms(300)},
                                  {"model_load", test::constant_ms(700)}};
  doc["candidates"] = {{{"name", "fn"}, {"platform", "aws-lambda"}, {"memory_mb", 1769}}};
  const auto sc = test::scenario_from(doc);
  const auto run = test::simulate(sc);
  const auto summary = reports::summary_json(sc, run.results);
  const auto& c = summary["candidates"][0]["cold_start"];
  CHECK(c["source"] == "efs");
  CHECK(c["count"] == 1);
  CHECK(c["mean_s"]["init"].get<double>() == Approx(0.3));
  CHECK(c["mean_s"]["download"].get<double>() ==
        Approx(1000 / 1572.864 + 4194304.0 / (2 * 1572.864e6)).epsilon(1e-4));
  CHECK(c["mean_s"]["pull"].get<double>() == 0);
  CHECK(c["mean_s"]["load"].get<double>() == Approx(0.7));
  CHECK(c["fetched_mb"].get<double>() == Approx(1000));
  // Without a source the summary stays as it was (the bundled scenarios' golden files are unchanged).
  doc["service"]["cold_start"].erase("source");
  const auto plain = test::scenario_from(doc);
  CHECK_FALSE(
      reports::summary_json(plain, test::simulate(plain).results)["candidates"][0].contains("cold_start"));
}
