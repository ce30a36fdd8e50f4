// Bad advisor input is refused where it enters, with the file, the JSON pointer and what was expected.
#include <catch2/catch.hpp>

#include "advisor/advisor.hpp"
#include "advisor_scenarios.hpp"
#include "core/input_error.hpp"

using namespace servesim;
using test::advisor_base;

namespace {

void parse(const nlohmann::json& doc) {
  advisor::parse_advisor_section(test::scenario_from(doc));
}

}  // namespace

TEST_CASE("advisor: contradictory facts, wrong thresholds and an empty candidate set are InputErrors") {
  SECTION("stateful and event-driven with no state store") {
    auto doc = advisor_base();
    doc["advisor"]["stateful"] = true;
    doc["advisor"]["event_driven"] = true;
    CHECK_THROWS_AS(parse(doc), InputError);
    CHECK_THROWS_WITH(parse(doc),
                      Catch::StartsWith("test-scenario.json: /advisor/state_store: contradictory facts"));
    doc["advisor"]["state_store"] = "redis";
    CHECK_NOTHROW(parse(doc));
  }
  SECTION("microservices is a flag: true or false") {
    auto doc = advisor_base();
    doc["advisor"]["microservices"] = "yes";
    CHECK_THROWS_AS(parse(doc), InputError);
    CHECK_THROWS_WITH(parse(doc),
                      "test-scenario.json: /advisor/microservices: expected true or false, got \"yes\"");
    doc["advisor"]["microservices"] = true;
    CHECK_NOTHROW(parse(doc));
  }
  SECTION("a threshold with the wrong unit") {
    auto doc = advisor_base();
    doc["advisor"]["thresholds"] = {{"serverless_min_slo_s", 0.01}};
    CHECK_THROWS_WITH(parse(doc), Catch::Contains("/advisor/thresholds/serverless_min_slo_s: wrong unit") &&
                                      Catch::Contains("serverless_min_slo_ms [ms]"));
    doc["advisor"]["thresholds"] = {{"serverless_min_slo_ms", {{"value", 0.01}, {"unit", "s"}}}};
    CHECK_THROWS_WITH(parse(doc),
                      Catch::Contains("/advisor/thresholds/serverless_min_slo_ms/unit: wrong unit: "
                                      "expected \"ms\", got \"s\""));
  }
  SECTION("a threshold with the wrong sign") {
    auto doc = advisor_base();
    doc["advisor"]["thresholds"] = {{"serverless_max_model_mb", -5000}};
    CHECK_THROWS_WITH(parse(doc),
                      Catch::Contains("/advisor/thresholds/serverless_max_model_mb: expected 0..") &&
                          Catch::Contains("got -5000"));
  }
  SECTION("an unknown threshold or fact") {
    auto doc = advisor_base();
    doc["advisor"]["thresholds"] = {{"no_such_threshold", 1}};
    CHECK_THROWS_WITH(parse(doc), Catch::Contains("unknown threshold"));
    doc = advisor_base();
    doc["advisor"]["statefull"] = true;
    CHECK_THROWS_AS(parse(doc), InputError);
  }
  SECTION("an empty candidate set: the rules exclude the only candidate's placement, no defaults") {
    auto doc = advisor_base(5);  // SLO 5 ms: serverless excluded
    doc["candidates"] = {{{"name", "fn"}, {"platform", "aws-lambda"}}};
    doc["advisor"]["default_candidates"] = false;
    CHECK_THROWS_WITH(advisor::advise(test::scenario_from(doc)),
                      Catch::Contains("/candidates: no candidate to simulate"));
  }
}
