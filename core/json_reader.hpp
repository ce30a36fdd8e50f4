#pragma once
// The one way ServeSim parses JSON a user can hand it: scenarios, sweep files, model profiles, the files of a
// run folder read by `servesim report`, the platform catalogue and the GUI's scenario document.
// nlohmann::json alone accepts two things we refuse:
//   - nesting without bound: 100,000 '[' parse, but the recursive code that then copies, compares or prints
//     the document runs out of stack (SIGSEGV, no message). Deeper than kMaxJsonDepth is an error;
//   - an object with the same key twice: nlohmann::json keeps the last one silently, so "memory_mb": 64 can
//     hide behind a later "memory_mb": 1024. A duplicate is an error naming its JSON pointer.
// A first SAX pass (iterative, memory bounded by the depth and the keys of the open objects) checks both and
// reports syntax errors; only then the ordinary parse builds the document. Every error is one InputError
// line naming the file:
//   scenario.json: line 5: not valid JSON (parse error at line 5, column 1: syntax error ...)
//   scenario.json: line 1, column 258: nested deeper than 256 arrays and objects (at /workload/0/0/...)
//   scenario.json: /candidates/0/memory_mb: duplicate key (the object has it twice)
//
// Usage:
//   const nlohmann::json doc = servesim::core::parse_json(text, "scenario.json");
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/input_error.hpp"

namespace servesim::core {

// Arrays and objects inside one another; the bundled scenarios and the catalogue use at most 8.
constexpr size_t kMaxJsonDepth = 256;

// Throws InputError for a syntax error, nesting deeper than kMaxJsonDepth or a duplicate key in `text`;
// `file` names it in the message.
void check_json(std::string_view text, const std::string& file);

// check_json, then the document (object keys sorted, or in file order for the ordered one).
nlohmann::json parse_json(std::string_view text, const std::string& file);
nlohmann::ordered_json parse_ordered_json(std::string_view text, const std::string& file);

}  // namespace servesim::core
