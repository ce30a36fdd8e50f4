// The strict JSON reader: bounded nesting, no duplicate keys, nlohmann/json's syntax messages kept.
#include "core/json_reader.hpp"

#include <catch2/catch.hpp>
#include <string>

using servesim::InputError;
using servesim::core::kMaxJsonDepth;
using servesim::core::parse_json;
using servesim::core::parse_ordered_json;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_json(text, "s.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string nested_arrays(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

}  // namespace

TEST_CASE("core::json_reader: nesting is bounded at kMaxJsonDepth arrays and objects") {
  SECTION("at the bound the document parses") {
    CHECK(parse_json(nested_arrays(kMaxJsonDepth), "s.json").is_array());
    std::string objects;
    for (size_t i = 0; i < kMaxJsonDepth; ++i) objects += "{\"a\":";
    objects += "1" + std::string(kMaxJsonDepth, '}');
    CHECK(parse_json(objects, "s.json").is_object());
  }
  SECTION("one level deeper is refused with the line, column and pointer") {
    CHECK_THAT(error_of(nested_arrays(kMaxJsonDepth + 1)),
               Catch::StartsWith("s.json: line 1, column 257: nested deeper than 256 arrays and objects "
                                 "(at /0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0... ("));
    CHECK(
        error_of("{\n \"workload\": " + nested_arrays(300) + "}")
            .rfind("s.json: line 2, column 269: nested deeper than 256 arrays and objects (at /workload/0/0/",
                   0) == 0);
  }
  SECTION("100,000 unclosed '[' (the fuzz seed) give one short line, not a crash") {
    const std::string message = error_of(std::string(100000, '['));
    CHECK_THAT(message, Catch::Contains("nested deeper than 256"));
    CHECK(message.size() < 200);
  }
  SECTION("brackets inside strings do not count") {
    const std::string text = "{\"a\": \"[[[{{{\", \"b\": " + nested_arrays(kMaxJsonDepth) + "}";
    CHECK_THAT(error_of(text), Catch::StartsWith("s.json: line 1, column 277: nested deeper"));
  }
}

TEST_CASE("core::json_reader: a key given twice in one object is refused with its pointer") {
  CHECK(error_of(R"({"candidates": [{"memory_mb": 64, "platform": "aws-lambda", "memory_mb": 1024}]})") ==
        "s.json: /candidates/0/memory_mb: duplicate key (the object has it twice)");
  CHECK(error_of(R"({"a": 1, "b": [1, 2, {"x/y": 1, "x/y": 2}]})") ==
        "s.json: /b/2/x~1y: duplicate key (the object has it twice)");
  CHECK(error_of(R"({"a": 1, "a": 1})") == "s.json: /a: duplicate key (the object has it twice)");
  SECTION("the same key in different objects is fine") {
    const auto doc = parse_json(R"({"a": {"k": 1}, "b": {"k": 2}, "c": [{"k": 3}, {"k": 4}]})", "s.json");
    CHECK(doc["c"][1]["k"] == 4);
  }
  SECTION("the ordered reader refuses them too and keeps the file's order") {
    CHECK_THROWS_WITH(parse_ordered_json(R"({"z": 1, "z": 2})", "s.json"),
                      "s.json: /z: duplicate key (the object has it twice)");
    CHECK(parse_ordered_json(R"({"z": 1, "a": 2})", "s.json").begin().key() == "z");
  }
}

TEST_CASE("core::json_reader: syntax errors keep nlohmann/json's wording and the line") {
  CHECK(
      error_of("{\n  \"name\": \"x\",\n  \"workload\": {\n}") ==
      "s.json: line 4: not valid JSON (parse error at line 4, column 2: syntax error while parsing object - "
      "unexpected end of input; expected '}')");
  CHECK(error_of(R"({"seed": 1e400})") == "s.json: not valid JSON (number overflow parsing '1e400')");
  CHECK_THAT(error_of(""), Catch::StartsWith("s.json: line 1: not valid JSON (parse error"));
}
