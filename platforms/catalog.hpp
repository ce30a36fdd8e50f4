#pragma once
// The platform catalogue: every number a platform model assumes, with its unit, range, default, status
// (documented, observed, estimated, unconfirmed) and source. Read from platforms/catalog/*.json, compiled
// into the binary. A candidate in a scenario overrides any parameter by its key.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/input_error.hpp"
#include "sim/scenario.hpp"

namespace servesim::platforms {

struct Parameter {
  std::string key;
  nlohmann::json value;  // default
  std::string unit;
  std::string status;  // documented | observed | estimated | unconfirmed
  std::string source;
  std::string help;
  double min = 0, max = 0;           // numbers
  bool integer = false;              // whole numbers only
  std::vector<std::string> allowed;  // strings
};

struct PlatformEntry {
  std::string platform;
  std::string title;
  std::string as_of;
  std::vector<Parameter> parameters;
  const Parameter* find(const std::string& key) const;
};

const std::vector<PlatformEntry>& catalog();
const PlatformEntry* find_platform(const std::string& platform);

// A candidate's settings: the catalogue defaults with the scenario's overrides, each checked against its
// range.
class Settings {
 public:
  // Throws InputError naming the scenario file and the candidate's JSON pointer for an unknown platform, an
  // unknown key or a value outside its range.
  Settings(const sim::CandidateSpec& candidate, const std::string& scenario_file);

  double number(const std::string& key) const;
  bool boolean(const std::string& key) const;
  std::string text(const std::string& key) const;
  bool is_overridden(const std::string& key) const { return overridden_.count(key) > 0; }
  const PlatformEntry& entry() const { return *entry_; }
  // Error for a combination of values that are each in range but do not fit together.
  InputError error(const std::string& key, const std::string& message) const;

 private:
  const nlohmann::json& value(const std::string& key) const;
  const PlatformEntry* entry_;
  std::map<std::string, nlohmann::json> values_;
  std::map<std::string, bool> overridden_;
  std::string file_, pointer_;
};

}  // namespace servesim::platforms
