// The scenario reader on large inputs: checks that must stay one pass over the candidates.
#include "sim/scenario.hpp"

#include <catch2/catch.hpp>

#include "core/input_error.hpp"

using Catch::Matchers::Contains;
using servesim::InputError;
using servesim::sim::parse_scenario;

namespace {

// `count` Lambda candidates named c0, c1, ...
nlohmann::json scenario_with_candidates(size_t count) {
  nlohmann::json doc = {{"workload", {{"type", "poisson"}, {"rate_rps", 1}, {"duration_s", 10}}},
                        {"service", {{"warm", {{"type", "constant"}, {"value_ms", 20}}}}},
                        {"candidates", nlohmann::json::array()}};
  for (size_t i = 0; i < count; ++i)
    doc["candidates"].push_back(
        {{"name", "c" + std::to_string(i)}, {"platform", "aws-lambda"}, {"memory_mb", 1024}});
  return doc;
}

}  // namespace

TEST_CASE("sim::Scenario: candidate names are unique across a list of 20,000") {
  nlohmann::json doc = scenario_with_candidates(20000);
  CHECK(parse_scenario(doc, "s.json", ".").candidates.size() == 20000);
  SECTION("a name repeated at the end of the list is found, with its pointer") {
    doc["candidates"][19999]["name"] = "c7";
    CHECK_THROWS_WITH(parse_scenario(doc, "s.json", "."),
                      "s.json: /candidates/19999/name: expected a name no other candidate has, got \"c7\"");
  }
  SECTION("a fault names candidates from the same set") {
    doc["faults"] = {
        {{"kind", "outage"}, {"start_s", 1}, {"duration_s", 1}, {"candidates", {"c19998", "x"}}}};
    CHECK_THROWS_WITH(parse_scenario(doc, "s.json", "."),
                      "s.json: /faults/0/candidates/1: expected the name of a candidate, got \"x\"");
  }
}

TEST_CASE("sim::Scenario: a request trace's token columns come in pairs") {
  nlohmann::json doc = scenario_with_candidates(1);
  doc["workload"] = {{"type", "request_trace"}, {"path", "t.csv"}, {"input_tokens_column", "ContextTokens"}};
  CHECK_THROWS_WITH(
      parse_scenario(doc, "s.json", "."),
      "s.json: /workload/output_tokens_column: missing (input_tokens_column is given: give both "
      "token columns or neither)");
  doc["workload"]["output_tokens_column"] = "";
  CHECK_THROWS_WITH(parse_scenario(doc, "s.json", "."),
                    "s.json: /workload/output_tokens_column: expected a column name, got \"\"");
  doc["workload"]["output_tokens_column"] = "GeneratedTokens";
  const auto workload = parse_scenario(doc, "s.json", ".").workload;
  CHECK(workload.input_tokens_column == "ContextTokens");
  CHECK(workload.output_tokens_column == "GeneratedTokens");
  SECTION("not for a synthetic workload") {
    doc["workload"] = {
        {"type", "poisson"}, {"rate_rps", 1}, {"duration_s", 10}, {"input_tokens_column", "x"}};
    CHECK_THROWS_WITH(parse_scenario(doc, "s.json", "."),
                      Contains("/workload/input_tokens_column: unknown key"));
  }
}
