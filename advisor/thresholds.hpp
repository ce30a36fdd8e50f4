#pragma once
// The advisor's named thresholds: every number a rule compares a fact with, with its unit, range, default and
// rationale (the table in thresholds.cpp; docs/advisor.md prints it). A scenario overrides any of them in
// "advisor": {"thresholds": {KEY: number | {"value": number, "unit": UNIT}}}.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace servesim::advisor {

struct ThresholdSpec {
  const char* key;  // ends in its unit where it has one (_ms, _mb, ...)
  const char* unit;
  double value;  // default
  double min, max;
  const char* rationale;
};

// Every threshold, in the order the rules ask them.
const std::vector<ThresholdSpec>& threshold_table();

class Thresholds {
 public:
  Thresholds();  // the defaults
  // Defaults with the overrides of `section` (the "advisor"/"thresholds" object; null = none). Throws
  // InputError naming `file` and the pointer for an unknown key, a value outside its range (a wrong sign) or
  // a unit other than the threshold's (a key with another unit suffix, or {"value", "unit"} with another
  // unit).
  static Thresholds from_json(const nlohmann::json& section, const std::string& file,
                              const std::string& pointer);

  double get(const std::string& key) const;  // throws std::out_of_range for a key not in the table
  bool is_overridden(const std::string& key) const { return overridden_.count(key) > 0; }

 private:
  std::map<std::string, double> values_;
  std::map<std::string, bool> overridden_;
};

}  // namespace servesim::advisor
