// The platform kit, proved from outside platforms/: a platform defined and registered at run time in this
// test binary (tests/platforms/test_platform/) runs through `run` (simulate + summary.json), `advise` (as a
// scenario's candidate and as the advisor's default for its placement) and `tune` (its catalogue's grid and
// defaults), with no file of platforms/, advisor/, reports/ or cli/ naming it.
#include <catch2/catch.hpp>

#include "advisor/advisor.hpp"
#include "advisor/tuner.hpp"
#include "platforms/catalog.hpp"
#include "reports/run_report.hpp"
#include "support/sim_harness.hpp"
#include "tests/platforms/test_platform/test_platform.hpp"

using namespace servesim;

namespace {

// 2 requests/s for 10 minutes, 100 ms warm service, SLO p99 150 ms (timeout 10 s).
nlohmann::json base_doc() {
  return {{"name", "kit-test"},
          {"seed", 5},
          {"workload", test::poisson(2, 600)},
          {"service", {{"warm", test::constant_ms(100)}}},
          {"slo", {{"p99_ms", 150}, {"timeout_s", 10}}},
          {"candidates", {{{"name", "instant"}, {"platform", test::kTestPlatform}}}}};
}

}  // namespace

TEST_CASE("platforms::registry: a platform registered from outside platforms/ runs, is advised and tuned") {
  test::register_test_platform();
  test::register_test_platform();  // a second call changes nothing
  REQUIRE(platforms::find_platform(test::kTestPlatform));
  CHECK(platforms::placement_of(test::kTestPlatform) == "container");

  SECTION("run: simulate and summary.json") {
    const auto sc = test::scenario_from(base_doc());
    const auto sim = test::simulate(sc);
    REQUIRE(sim.results.size() == 1);
    const auto summary = reports::summary_json(sc, sim.results);
    const auto& c = summary["candidates"][0];
    CHECK(c["platform"] == test::kTestPlatform);
    CHECK(c["requests"]["arrived"].get<uint64_t>() > 1000);
    CHECK(c["requests"]["served"] == c["requests"]["arrived"]);
    // 100 ms on every request, nothing waits: p99 is the service time.
    CHECK(c["latency_ms"]["p99"].get<double>() == Approx(100).epsilon(0.01));
    CHECK(sim.results[0].cost_total_usd == Approx(1e-6 * c["requests"]["arrived"].get<double>()));
  }

  SECTION("advise: as the scenario's candidate and as the default of its placement") {
    auto doc = base_doc();
    doc["candidates"] = {{{"name", "slow"}, {"platform", test::kTestPlatform}, {"speedup", 0.5}}};
    doc["advisor"] = {{"default_candidates", false}};
    auto rec = advisor::advise(test::scenario_from(doc));
    REQUIRE(rec.evidence.ranked.size() == 1);
    CHECK(rec.best().spec.platform == test::kTestPlatform);
    CHECK(rec.best().placement == advisor::Placement::container);
    CHECK_FALSE(rec.best().meets_slo);  // 200 ms > 150 ms

    // A serverless candidate only: the open container placement gets every catalogue default, ours too.
    // (The first serverless entry of the catalogue: the catalogue is ordered by file name, whatever class.)
    const auto serverless =
        std::find_if(platforms::catalog().begin(), platforms::catalog().end(),
                     [](const platforms::PlatformEntry& e) { return e.placement == "serverless"; });
    REQUIRE(serverless != platforms::catalog().end());
    doc["candidates"] = {{{"name", "lambda"}, {"platform", serverless->platform}}};
    doc["advisor"] = {{"default_candidates", true}};
    const auto sc = test::scenario_from(doc);
    const auto section = advisor::parse_advisor_section(sc);
    const auto facts = advisor::derive_facts(sc, section);
    const auto rules = advisor::RuleTree().evaluate(facts, section.thresholds);
    REQUIRE(std::find(rules.open.begin(), rules.open.end(), advisor::Placement::container) !=
            rules.open.end());
    const auto candidates = advisor::evidence_candidates(sc, facts, rules, section);
    const auto ours = std::find_if(candidates.begin(), candidates.end(), [](const sim::CandidateSpec& c) {
      return c.platform == test::kTestPlatform;
    });
    REQUIRE(ours != candidates.end());
    CHECK(ours->name == "default-instant-2");
    CHECK(ours->settings["speedup"] == 2);
    CHECK(ours->settings["timeout_s"] == 10.0);  // the client's timeout, from the catalogue's advisor_default
    rec = advisor::advise(sc);
    const auto& ranked = rec.evidence.ranked;
    CHECK(std::any_of(ranked.begin(), ranked.end(), [](const advisor::CandidateEvidence& c) {
      return c.spec.name == "default-instant-2" && c.meets_slo;
    }));
  }

  SECTION("tune: its catalogue's grid and defaults") {
    auto doc = base_doc();
    doc["slo"]["timeout_s"] = 2.5;
    const auto result = advisor::tune(test::scenario_from(doc), test::kTestPlatform);
    REQUIRE(result.keys == std::vector<std::string>{"speedup"});
    REQUIRE(result.points.size() == 4);
    for (const auto& p : result.points) CHECK(p.settings["timeout_s"] == 3.0);  // 2.5 s rounded up
    // 100 ms / speedup within 150 ms: speedup 1 is the cheapest that meets the SLO.
    REQUIRE(result.best);
    CHECK(result.points[*result.best].swept.at("speedup") == 1);
    CHECK_THAT(advisor::tune_csv(result), Catch::StartsWith("speedup [x],"));
    const auto table = advisor::sweep_table();
    CHECK(std::any_of(table.begin(), table.end(),
                      [](const advisor::SweepKey& k) { return k.platform == test::kTestPlatform; }));
  }
}
