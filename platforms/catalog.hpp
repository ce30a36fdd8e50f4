#pragma once
// The platform catalogue: every number a platform model assumes, with its unit, range, default, status
// (documented, observed, estimated, unconfirmed) and source, and what the advisor and `tune` need to know of
// the platform (its placement, its default candidate, its search grid). Read from
// platforms/<platform>/<platform>.json, compiled into the binary (cmake/EmbedCatalog.cmake); a platform
// registered at run time adds its own entry (platforms/registry.hpp). A candidate in a scenario overrides any
// parameter by its key.
//   const PlatformEntry* e = platforms::find_platform("...");
//   Settings s(candidate, scenario.file);  double memory_mb = s.number("memory_mb");
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/input_error.hpp"
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

// The placement classes the advisor knows (advisor/rule_tree.hpp); every catalogue entry names one.
const std::vector<std::string>& placement_classes();

// Numbers a catalogue entry's computed settings ({"from": ...}, see resolve_settings) may name, filled in by
// the advisor and `tune`: slo_timeout_s (the client's timeout, slo.timeout_s), reference_vcpu
// (service.reference_vcpu), peak_servers (always-on servers that serve the peak minute at the advisor's
// pool_target_utilisation, at least 1; advisor only), gflops_per_request (advisor.gflops_per_request;
// advisor only, absent when the scenario does not give it).
using Quantities = std::map<std::string, double>;
// The quantities every caller can fill from the scenario alone (allowed in `tune_grid.defaults`).
const std::vector<std::string>& scenario_quantities();
// All quantity names a catalogue entry may use.
const std::vector<std::string>& known_quantities();

// The candidate the advisor adds for an open placement the scenario lists no candidate for.
struct AdvisorDefault {
  std::string name;  // "{key}" is replaced by that setting's value: "default-pool-{servers}"
  nlohmann::json settings = nlohmann::json::object();  // may hold computed values (resolve_settings)
  std::string note_if_missing;                         // why it is skipped when a quantity it uses is missing
};

// A key `servesim tune` may sweep, with its default grid.
struct TuneKey {
  std::string key;
  std::string unit;
  std::vector<double> values;
  std::string note;
};

struct PlatformEntry {
  std::string platform;
  std::string title;
  std::string as_of;
  std::vector<Parameter> parameters;
  std::string placement;  // one of placement_classes()
  // The class of a candidate that takes a GPU (its "gpu" setting is not "none"); "" when the same as
  // placement.
  std::string placement_with_gpu;
  std::optional<AdvisorDefault> advisor_default;
  std::vector<TuneKey> tune_keys;  // the first is the default sweep; empty: nothing to tune
  // Settings tune starts from where the scenario's candidate gives none (computed values allowed).
  nlohmann::json tune_defaults = nlohmann::json::object();
  const Parameter* find(const std::string& key) const;
};

const std::vector<PlatformEntry>& catalog();
const PlatformEntry* find_platform(const std::string& platform);
// A value as it appears inside catalogue keys named after it: an instance type's dots become underscores
// ("g6e.xlarge" -> "g6e_xlarge", as in price_usd_per_h_g6e_xlarge).
std::string catalog_key_part(std::string value);

// Parses and checks one catalogue file. Throws std::logic_error naming the file for a malformed entry: a
// missing key, a bad status, no or an unknown placement, a default or tune key that is no parameter, an
// unknown quantity.
PlatformEntry parse_catalog_entry(const std::string& file, const std::string& text);
// Adds an entry at run time (platforms::register_platform does; it invalidates pointers into catalog()).
// Throws std::logic_error if the platform is already catalogued.
void add_catalog_entry(PlatformEntry entry);

// Replaces each computed value {"from": QUANTITY, "round": "up"|"down"|"nearest", "min": A, "max": B,
// "integer": true} of `settings` (all but "from" optional; rounded, then clamped, then made a whole number)
// by its number; other values stay. Returns nullopt and sets *missing to the quantity's name when one is
// not in `quantities`.
std::optional<nlohmann::json> resolve_settings(const nlohmann::json& settings, const Quantities& quantities,
                                               std::string* missing = nullptr);

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
  // The same for a field inside a structured value: `sub_pointer` ("/1/at_s") is appended to the key's
  // pointer.
  InputError error_at(const std::string& key, const std::string& sub_pointer,
                      const std::string& message) const;
  // A structured value (an array or object parameter), the catalogue's default unless the candidate gives
  // one.
  const nlohmann::json& structured(const std::string& key) const { return value(key); }
  // An error about the candidate as a whole (its JSON pointer, no key): a deployment it cannot make.
  InputError candidate_error(const std::string& message) const;

 private:
  const nlohmann::json& value(const std::string& key) const;
  const PlatformEntry* entry_;
  std::map<std::string, nlohmann::json> values_;
  std::map<std::string, bool> overridden_;
  std::string file_, pointer_;
};

}  // namespace servesim::platforms
