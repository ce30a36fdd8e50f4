// app::RunFolder and app::write_run_folder write, byte for byte, the folder that `servesim run` writes.
#include "app/run_folder.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

#include "app/prepare.hpp"
#include "app/run.hpp"
#include "core/input_error.hpp"
#include "support/sim_harness.hpp"

using namespace servesim;
using servesim::test::TempDir;
namespace fs = std::filesystem;

namespace {

// Two candidates, one of them cold-starting, 30 s intervals: every file of the folder has rows.
std::string write_scenario(const TempDir& dir) {
  const nlohmann::json doc = {{"name", "app-folder"},
                              {"seed", 11},
                              {"workload", test::poisson(4, 300)},
                              {"service",
                               {{"warm", {{"type", "lognormal"}, {"mean_ms", 40}, {"p99_ms", 90}}},
                                {"cold_start", {{"model_load", test::constant_ms(900)}}}}},
                              {"slo", {{"p99_ms", 500}}},
                              {"metrics", {{"interval_s", 30}}},
                              {"candidates",
                               {{{"name", "lambda"}, {"platform", "aws-lambda"}, {"memory_mb", 1024}},
                                {{"name", "pool"}, {"platform", "fixed-pool"}, {"servers", 2}}}}};
  return dir.write("scenario.json", doc.dump(2));
}

// Every file of a folder (name -> content), the marker included.
std::map<std::string, std::string> files_of(const std::string& folder) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::directory_iterator(folder))
    out[entry.path().filename().string()] = test::read_file(entry.path().string());
  return out;
}

void check_same_files(const std::string& expected_folder, const std::string& folder) {
  const auto expected = files_of(expected_folder), got = files_of(folder);
  std::vector<std::string> expected_names, got_names;
  for (const auto& [name, text] : expected) expected_names.push_back(name);
  for (const auto& [name, text] : got) got_names.push_back(name);
  REQUIRE(got_names == expected_names);
  for (const auto& [name, text] : expected) {
    INFO(name);
    CHECK(got.at(name) == text);
  }
}

}  // namespace

TEST_CASE("app::RunFolder: prepare, run and the folder are the files of `servesim run`") {
  TempDir dir;
  const std::string scenario = write_scenario(dir);
  const auto cli = test::run_servesim("run " + scenario + " --out " + dir.file("cli") + " --quiet", dir);
  REQUIRE(cli.status == 0);
  const auto expected = files_of(dir.file("cli"));
  for (const char* name :
       {"summary.json", "timeseries.csv", "latency_histogram.csv", "report_context.json", "candidates.csv",
        "cost_breakdown.csv", "spike_windows.csv", "assumptions.csv", ".servesim-output"})
    CHECK(expected.count(name) == 1);

  app::PrepareOptions options;
  SECTION("streamed: the folder is opened before the run and takes its rows as they come") {
    options.out_dir = dir.file("app");
    const app::Prepared prepared = app::prepare(scenario, options);
    app::RunFolder folder(prepared.out_dir, prepared.output, app::candidate_names(prepared.scenario));
    app::RunOptions run_options;
    run_options.on_row = folder.row_sink();
    const app::RunOutcome outcome = app::run(prepared, run_options);
    app::FolderOptions folder_options;
    folder_options.model_profile = outcome.model_profile;
    folder.commit(outcome.scenario, outcome.results, folder_options);
    check_same_files(dir.file("cli"), dir.file("app"));
  }
  SECTION("kept: the desktop app writes the folder later from the rows it kept") {
    const app::Prepared prepared = app::prepare(scenario, options);
    std::vector<std::vector<sim::IntervalRow>> rows(prepared.scenario.candidates.size());
    app::RunOptions run_options;
    run_options.on_row = [&](size_t i, const sim::IntervalRow& row) { rows[i].push_back(row); };
    const app::RunOutcome outcome = app::run(prepared, run_options);
    CHECK(app::write_run_folder(outcome, rows, dir.file("kept")) == dir.file("kept"));
    check_same_files(dir.file("cli"), dir.file("kept"));

    // With the HTML report: the same files, and report.html beside them.
    app::FolderOptions html;
    html.html_report = true;
    app::write_run_folder(outcome, rows, dir.file("html"), {}, html);
    CHECK_THAT(test::read_file(dir.file("html/report.html")), Catch::Contains("<html"));
    fs::remove(dir.file("html/report.html"));
    check_same_files(dir.file("cli"), dir.file("html"));

    // A folder that is not servesim's is refused; nothing is written into it.
    fs::create_directories(dir.file("foreign"));
    std::ofstream(dir.file("foreign/notes.txt")) << "mine\n";
    CHECK_THROWS_AS(app::write_run_folder(outcome, rows, dir.file("foreign")), InputError);
    CHECK(files_of(dir.file("foreign")).size() == 1);
  }
}

TEST_CASE("app::has_queue_columns: an event source, or async events a platform queues") {
  TempDir dir;
  nlohmann::json doc = nlohmann::json::parse(test::read_file(write_scenario(dir)));
  const auto scenario_of = [&](const nlohmann::json& d) {
    return app::prepare(dir.write("q.json", d.dump(2)), {}).scenario;
  };
  // Synchronous requests: no queue in front of any candidate.
  CHECK_FALSE(app::has_queue_columns(scenario_of(doc)));
  // Async on Lambda: its event queue is not reported over time.
  doc["client"] = {{"invocation", "async"}};
  CHECK_FALSE(app::has_queue_columns(scenario_of(doc)));
  // Async on Azure Functions: Storage-queue messages a queue trigger fetches (docs/events.md); the queue's
  // depth reaches timeseries.csv: each message waits in the queue for the trigger's next poll at least.
  doc["candidates"] = {{{"name", "azure"}, {"platform", "azure-functions"}}};
  CHECK(app::has_queue_columns(scenario_of(doc)));
  const auto cli =
      test::run_servesim("run " + dir.file("q.json") + " --out " + dir.file("azure") + " --quiet", dir);
  REQUIRE(cli.status == 0);
  const std::string csv = test::read_file(dir.file("azure/timeseries.csv"));
  const std::string header = csv.substr(0, csv.find('\n'));
  CHECK_THAT(header, Catch::Contains("queue_depth_peak"));
}
