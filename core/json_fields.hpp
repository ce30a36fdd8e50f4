#pragma once
// Reads the fields of one JSON object of a user's file, checking each where it enters: type, range and
// unknown keys, with errors that name the file and the JSON pointer ("/candidates/0/memory_mb: expected
// 128..10240, got 64").
//
//   servesim::core::JsonFields f(doc["slo"], "s.json", "/slo");
//   const double p99_ms = f.required_number("p99_ms", 1, 60000);
//   f.reject_unknown();  // a key nobody read is a typo: InputError naming it
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/input_error.hpp"

namespace servesim::core {

class JsonFields {
 public:
  JsonFields(const nlohmann::json& object, std::string file, std::string pointer);

  bool has(const std::string& key) const {
    asked_.insert(key);
    return object_.contains(key);
  }
  double number(const std::string& key, double fallback, double min, double max);
  double required_number(const std::string& key, double min, double max);
  uint64_t integer(const std::string& key, uint64_t fallback, uint64_t min, uint64_t max);
  bool boolean(const std::string& key, bool fallback);
  std::string text(const std::string& key, const std::string& fallback,
                   const std::vector<std::string>& allowed = {});
  std::string required_text(const std::string& key, const std::vector<std::string>& allowed = {});
  // A nested object or array, marked as read; the caller reads inside it.
  const nlohmann::json& child(const std::string& key);
  std::string pointer(const std::string& key) const { return pointer_ + "/" + escape(key); }
  const std::string& file() const { return file_; }
  InputError error(const std::string& key, const std::string& message) const {
    return input_error(file_, key.empty() ? pointer_ : pointer(key), message);
  }
  // Throws for the first key that was never read (a typo must not be silently ignored).
  void reject_unknown() const;

  static std::string escape(const std::string& key);  // RFC 6901: ~ -> ~0, / -> ~1

 private:
  const nlohmann::json& get(const std::string& key);
  const nlohmann::json& object_;
  std::string file_;
  std::string pointer_;
  std::set<std::string> read_;
  mutable std::set<std::string>
      asked_;  // every key the reader knows, given or not (for the unknown-key hint)
};

// Formats a number the way errors quote it (shortest round-trip form).
std::string quote_number(double value);

// A JSON value as an error line quotes it: its compact text, cut by excerpt() (a 100 MB value is not echoed).
std::string quote_json(const nlohmann::json& value);

}  // namespace servesim::core
