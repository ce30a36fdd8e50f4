// Every bundled scenario, run as a user runs it: it conserves requests and gives byte-identical files when
// rerun. Labelled slow (it replays each scenario twice): the sanitizer build skips it.
#include <catch2/catch.hpp>
#include <filesystem>

#include "support/sim_harness.hpp"

using servesim::test::read_file;
using servesim::test::run_servesim;
using servesim::test::TempDir;
namespace fs = std::filesystem;

TEST_CASE("cli::servesim: every bundled scenario conserves requests and is byte-identical when rerun") {
  for (const auto& entry : fs::directory_iterator("scenarios")) {
    if (entry.path().extension() != ".json") continue;
#ifndef SERVESIM_HAVE_MODELS
    if (nlohmann::json::parse(read_file(entry.path().string())).contains("model")) {
      WARN(entry.path().string() << " needs models/ (ONNX profiling), which this build leaves out");
      continue;
    }
#endif
    DYNAMIC_SECTION("scenario " << entry.path().filename().string()) {
      TempDir dir;
      const std::string scenario = entry.path().string();
      auto a = run_servesim("run " + scenario + " --out " + dir.file("a") + " --quiet", dir);
      REQUIRE(a.status == 0);
      auto b = run_servesim("run " + scenario + " --out " + dir.file("b") + " --quiet", dir);
      REQUIRE(b.status == 0);
      for (const char* f : {"summary.json", "timeseries.csv", "latency_histogram.csv"})
        CHECK(read_file(dir.file(std::string("a/") + f)) == read_file(dir.file(std::string("b/") + f)));
      const auto summary = nlohmann::json::parse(read_file(dir.file("a/summary.json")));
      for (const auto& c : summary["candidates"]) {
        const auto& q = c["requests"];
        INFO(c["name"]);
        CHECK(q["served"].get<uint64_t>() + q["timed_out"].get<uint64_t>() + q["throttled"].get<uint64_t>() +
                  q["dropped"].get<uint64_t>() ==
              q["arrived"].get<uint64_t>());
        CHECK(q["arrived"].get<uint64_t>() > 0);
      }
    }
  }
}
