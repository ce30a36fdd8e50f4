// The bundled advisor scenario end to end through the servesim binary: advise (text, --json, --out), --rules,
// tune.
#include <catch2/catch.hpp>
#include <filesystem>

#include "support/sim_harness.hpp"

using servesim::test::read_file;
using servesim::test::run_servesim;
using servesim::test::TempDir;

TEST_CASE("advisor::cli: servesim advise and tune on scenarios/advise-text-classifier.json") {
  TempDir dir;
  const std::string sc = "scenarios/advise-text-classifier.json";
  SECTION("text report with the verdict, and the output folder") {
    const auto r = run_servesim("advise " + sc + " --out " + dir.file("out"), dir);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("Rule path"));
    CHECK_THAT(r.out, Catch::Contains("Verdict"));
    for (const char* f : {"advice.json", "summary.json", "timeseries.csv", "latency_histogram.csv"})
      CHECK(std::filesystem::exists(dir.file(std::string("out/") + f)));
    const auto advice = nlohmann::json::parse(read_file(dir.file("out/advice.json")));
    CHECK(advice["candidates"].size() >= 2);
    CHECK(advice["rules"]["edge_cache"] == true);
  }
  SECTION("--json and --rules --dot") {
    const auto j = run_servesim("advise " + sc + " --json", dir);
    REQUIRE(j.status == 0);
    CHECK(nlohmann::json::parse(j.out).contains("verdict"));
    const auto dot = run_servesim("advise --rules --dot", dir);
    CHECK(dot.status == 0);
    CHECK_THAT(dot.out, Catch::StartsWith("digraph"));
  }
  SECTION("tune writes tune.csv and names the cheapest point") {
    const auto t = run_servesim("tune " + sc + " --platform aws-lambda --out " + dir.file("tune"), dir);
    CHECK(t.status == 0);
    CHECK_THAT(t.out, Catch::Contains("cheapest point meeting the SLO"));
    CHECK_THAT(read_file(dir.file("tune/tune.csv")), Catch::StartsWith("memory_mb [MB],cost [USD]"));
  }
  SECTION("bad input exits with status 2 and one line") {
    const auto bad = run_servesim("tune " + sc + " --platform aws-lambda --keys concurrency", dir);
    CHECK(bad.status == 2);
    CHECK_THAT(bad.err, Catch::Contains("not sweepable"));
  }
}

TEST_CASE("advisor::cli: advise --html heads the review report with the verdict and every why-not") {
  servesim::test::TempDir dir;
  const std::string sc = "scenarios/advise-text-classifier.json";
  const auto r =
      run_servesim("advise " + sc + " --out " + dir.file("out") + " --html " + dir.file("r.html"), dir);
  REQUIRE(r.status == 0);
  const auto advice = nlohmann::json::parse(servesim::test::read_file(dir.file("out/advice.json")));
  const std::string html = servesim::test::read_file(dir.file("r.html"));
  CHECK_THAT(html, Catch::Contains("id=\"recommendation\""));
  CHECK_THAT(html, Catch::Contains("rule: "));
  // Every candidate the advisor did not recommend is named with its reason.
  const auto context = nlohmann::json::parse(servesim::test::read_file(dir.file("out/report_context.json")));
  const auto& reasons = context["recommendation"]["reasons"];
  size_t why_not = 0;
  for (const auto& reason : reasons) why_not += reason.get<std::string>().rfind("why not ", 0) == 0;
  CHECK(why_not + 1 == context["candidates"].size());
  CHECK(html.find(context["recommendation"]["candidate"].get<std::string>()) != std::string::npos);
  CHECK(advice.is_object());
}
