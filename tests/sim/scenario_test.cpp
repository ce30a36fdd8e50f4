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

TEST_CASE(
    "sim::Scenario: prefix_blocks_column needs the token columns; prefix_block_tokens defaults to 512") {
  nlohmann::json doc = scenario_with_candidates(1);
  doc["workload"] = {{"type", "request_trace"}, {"path", "t.jsonl"}, {"prefix_blocks_column", "hash_ids"}};
  CHECK_THROWS_WITH(
      parse_scenario(doc, "s.json", "."),
      "s.json: /workload/prefix_blocks_column: expected with input_tokens_column and "
      "output_tokens_column (the prefix blocks cover a request's prompt), got no token columns");
  doc["workload"]["input_tokens_column"] = "input_length";
  doc["workload"]["output_tokens_column"] = "output_length";
  auto workload = parse_scenario(doc, "s.json", ".").workload;
  CHECK(workload.prefix_blocks_column == "hash_ids");
  CHECK(workload.prefix_block_tokens == 512);  // Mooncake's block size (FAST25-release/README.md)
  doc["workload"]["prefix_block_tokens"] = 0;
  CHECK_THROWS_WITH(parse_scenario(doc, "s.json", "."), Contains("s.json: /workload/prefix_block_tokens: "));
  doc["workload"]["prefix_block_tokens"] = 16;
  CHECK(parse_scenario(doc, "s.json", ".").workload.prefix_block_tokens == 16);
  doc["workload"].erase("prefix_blocks_column");
  CHECK_THROWS_WITH(parse_scenario(doc, "s.json", "."),
                    "s.json: /workload/prefix_block_tokens: expected only with prefix_blocks_column");
}

TEST_CASE("sim::Scenario: timestamp_unit is one of auto, s, ms, us, iso8601") {
  nlohmann::json doc = scenario_with_candidates(1);
  doc["workload"] = {{"type", "request_trace"}, {"path", "t.csv"}};
  CHECK(parse_scenario(doc, "s.json", ".").workload.timestamp_unit ==
        servesim::sim::TimestampUnit::automatic);
  doc["workload"]["timestamp_unit"] = "ms";
  CHECK(parse_scenario(doc, "s.json", ".").workload.timestamp_unit ==
        servesim::sim::TimestampUnit::milliseconds);
  doc["workload"]["timestamp_unit"] = "minutes";
  CHECK_THROWS_WITH(
      parse_scenario(doc, "s.json", "."),
      Contains("/workload/timestamp_unit: expected one of auto, s, ms, us, iso8601, got \"minutes\""));
}

TEST_CASE("sim::Scenario: a request trace's format follows its file name unless given") {
  using servesim::sim::TraceFormat;
  nlohmann::json doc = scenario_with_candidates(1);
  auto format_of = [&](const std::string& path) {
    doc["workload"] = {{"type", "request_trace"}, {"path", path}};
    return parse_scenario(doc, "s.json", ".").workload.format;
  };
  CHECK(format_of("t.csv") == TraceFormat::csv);
  CHECK(format_of("t.jsonl") == TraceFormat::jsonl);
  CHECK(format_of("traces/conversation_trace.jsonl.gz") == TraceFormat::jsonl);
  CHECK(format_of("t.jsonl.bz2") == TraceFormat::jsonl);
  doc["workload"]["format"] = "jsonl";
  doc["workload"]["path"] = "t.txt";
  CHECK(parse_scenario(doc, "s.json", ".").workload.format == TraceFormat::jsonl);
  doc["workload"]["format"] = "parquet";
  CHECK_THROWS_WITH(parse_scenario(doc, "s.json", "."),
                    Contains("/workload/format: expected one of csv, jsonl, got \"parquet\""));
}

TEST_CASE("sim::Scenario: a request trace's filter names a column and a value") {
  nlohmann::json doc = scenario_with_candidates(1);
  doc["workload"] = {
      {"type", "request_trace"}, {"path", "t.csv"}, {"filter", {{"column", "Model"}, {"equals", "ChatGPT"}}}};
  const auto workload = parse_scenario(doc, "s.json", ".").workload;
  CHECK(workload.filter_column == "Model");
  CHECK(workload.filter_equals == "ChatGPT");
  doc["workload"]["filter"] = {{"column", "Model"}};
  CHECK_THROWS_WITH(
      parse_scenario(doc, "s.json", "."),
      "s.json: /workload/filter/equals: missing (the value a row must have in the column to be kept)");
  doc["workload"]["filter"] = {{"column", "Model"}, {"equals", 3}};
  CHECK_THROWS_WITH(parse_scenario(doc, "s.json", "."),
                    "s.json: /workload/filter/equals: expected a string, got 3");
  doc["workload"]["filter"] = {{"column", "Model"}, {"equals", "x"}, {"not", "y"}};
  CHECK_THROWS_WITH(parse_scenario(doc, "s.json", "."), Contains("/workload/filter/not: unknown key"));
}

TEST_CASE("sim::Scenario: a synthetic workload's token distributions") {
  nlohmann::json doc = scenario_with_candidates(1);
  doc["workload"]["tokens"] = {
      {"input", {{"type", "lognormal"}, {"mean_tokens", 2048}, {"p99_tokens", 7436}}},
      {"output", {{"type", "constant"}, {"value_tokens", 28}}}};
  const auto workload = parse_scenario(doc, "s.json", ".").workload;
  CHECK(workload.has_token_distributions);
  CHECK(workload.input_tokens.mean_s() == Approx(2048));
  CHECK(workload.output_tokens.mean_s() == 28);
  doc["workload"]["tokens"]["output"] = {{"type", "constant"}, {"value_ms", 28}};
  CHECK_THROWS_WITH(
      parse_scenario(doc, "s.json", "."),
      "s.json: /workload/tokens/output/value_ms: unknown key for a constant distribution (expected "
      "value_tokens)");
  doc["workload"]["tokens"].erase("output");
  CHECK_THROWS_WITH(parse_scenario(doc, "s.json", "."),
                    Contains("/workload/tokens/output: missing (a distribution of tokens"));
  doc["workload"]["tokens"]["output"] = {{"type", "exponential"}, {"mean_tokens", -1}};
  CHECK_THROWS_WITH(
      parse_scenario(doc, "s.json", "."),
      "s.json: /workload/tokens/output/mean_tokens: expected a non-negative number of tokens, got -1");
}

TEST_CASE("sim::Scenario: arrival = end - duration needs both columns and no timestamp_column") {
  nlohmann::json doc = scenario_with_candidates(1);
  doc["workload"] = {{"type", "request_trace"}, {"path", "t.csv"}, {"end_column", "end_timestamp"}};
  CHECK_THROWS_WITH(
      parse_scenario(doc, "s.json", "."),
      "s.json: /workload/duration_column: missing (arrival = end - duration needs both end_column "
      "and duration_column)");
  doc["workload"]["duration_column"] = "duration";
  auto workload = parse_scenario(doc, "s.json", ".").workload;
  CHECK(workload.end_column == "end_timestamp");
  CHECK(workload.duration_column == "duration");
  CHECK(workload.max_duration_s == 600);
  doc["workload"]["timestamp_column"] = "TIMESTAMP";
  CHECK_THROWS_WITH(parse_scenario(doc, "s.json", "."),
                    Contains("/workload/timestamp_column: expected no timestamp_column with end_column"));
  doc["workload"].erase("end_column");
  doc["workload"].erase("duration_column");
  doc["workload"]["max_duration_s"] = 60;
  CHECK_THROWS_WITH(parse_scenario(doc, "s.json", "."), Contains("/workload/max_duration_s: unknown key"));
}
