#include "platforms/catalog.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "core/json_reader.hpp"

namespace servesim::platforms {

const std::vector<std::pair<std::string, std::string>>& embedded_catalog();  // generated at build time

namespace {

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// A computed value is an object (catalogue parameters are numbers, booleans or strings).
bool is_computed(const nlohmann::json& value) {
  return value.is_object();
}

// Checks a settings object of the catalogue (an advisor default's, tune's defaults): every key a parameter,
// every computed value well formed and naming one of `quantities`.
void check_settings(const std::string& file, const std::string& where, const nlohmann::json& settings,
                    const PlatformEntry& e, const std::vector<std::string>& quantities) {
  if (!settings.is_object()) throw std::logic_error(file + ": " + where + ": expected an object");
  for (const auto& [key, value] : settings.items()) {
    if (!e.find(key)) throw std::logic_error(file + ": " + where + ": " + key + " is no parameter");
    if (!is_computed(value)) continue;
    for (const auto& [field, x] : value.items()) {
      static const std::vector<std::string> fields = {"from", "round", "min", "max", "integer"};
      if (!contains(fields, field))
        throw std::logic_error(file + ": " + where + "/" + key + ": unknown field " + field);
      (void)x;
    }
    const std::string from = value.at("from").get<std::string>();
    if (!contains(quantities, from))
      throw std::logic_error(file + ": " + where + "/" + key + ": quantity " + from +
                             " is not available here");
    if (value.contains("round") && !contains({"up", "down", "nearest"}, value.at("round").get<std::string>()))
      throw std::logic_error(file + ": " + where + "/" + key + ": round is up, down or nearest");
  }
}

}  // namespace

const std::vector<std::string>& placement_classes() {
  static const std::vector<std::string> classes = {"serverless", "container", "edge", "gpu-serverless"};
  return classes;
}

const std::vector<std::string>& scenario_quantities() {
  static const std::vector<std::string> names = {"slo_timeout_s", "reference_vcpu"};
  return names;
}

const std::vector<std::string>& known_quantities() {
  static const std::vector<std::string> names = {"slo_timeout_s", "reference_vcpu", "peak_servers",
                                                 "gflops_per_request"};
  return names;
}

PlatformEntry parse_catalog_entry(const std::string& file, const std::string& text) {
  // The catalogue ships with the program; a malformed entry is a build defect, reported with its location.
  const auto doc = core::parse_json(text, file);
  PlatformEntry e;
  e.platform = doc.at("platform").get<std::string>();
  e.title = doc.at("title").get<std::string>();
  e.as_of = doc.at("as_of").get<std::string>();
  for (const auto& [key, p] : doc.at("parameters").items()) {
    Parameter param;
    param.key = key;
    param.value = p.at("value");
    param.unit = p.value("unit", "");
    param.status = p.at("status").get<std::string>();
    param.source = p.at("source").get<std::string>();
    param.help = p.value("help", "");
    if (param.value.is_number()) {
      param.min = p.at("min").get<double>();
      param.max = p.at("max").get<double>();
      param.integer = p.value("integer", false);
    }
    if (p.contains("allowed")) param.allowed = p.at("allowed").get<std::vector<std::string>>();
    static const std::vector<std::string> statuses = {"documented", "observed", "estimated", "unconfirmed"};
    if (!contains(statuses, param.status))
      throw std::logic_error(file + ": " + key + ": bad status " + param.status);
    e.parameters.push_back(std::move(param));
  }
  // What the advisor needs: without a placement class a platform would silently be advised as something.
  if (!doc.contains("placement"))
    throw std::logic_error(file + ": no placement (one of serverless, container, edge, gpu-serverless)");
  e.placement = doc.at("placement").get<std::string>();
  if (!contains(placement_classes(), e.placement))
    throw std::logic_error(file + ": placement " + e.placement +
                           " is not one of serverless, container, edge, gpu-serverless");
  if (doc.contains("placement_with_gpu")) {
    // A platform whose candidates may take a GPU (a "gpu" parameter with "none" for no GPU) names the class
    // such a candidate has.
    e.placement_with_gpu = doc.at("placement_with_gpu").get<std::string>();
    const Parameter* gpu = e.find("gpu");
    if (!gpu || !gpu->value.is_string() || !contains(gpu->allowed, "none"))
      throw std::logic_error(file + ": placement_with_gpu needs a \"gpu\" parameter that allows \"none\"");
    if (!contains(placement_classes(), e.placement_with_gpu))
      throw std::logic_error(file + ": placement_with_gpu " + e.placement_with_gpu +
                             " is not one of serverless, container, edge, gpu-serverless");
  }
  if (doc.contains("advisor_default")) {
    const auto& d = doc.at("advisor_default");
    AdvisorDefault def;
    def.name = d.at("name").get<std::string>();
    def.settings = d.value("settings", nlohmann::json::object());
    def.note_if_missing = d.value("note_if_missing", "");
    check_settings(file, "advisor_default/settings", def.settings, e, known_quantities());
    e.advisor_default = std::move(def);
  }
  if (doc.contains("tune_grid")) {
    const auto& g = doc.at("tune_grid");
    for (const auto& k : g.at("keys")) {
      TuneKey key{k.at("key").get<std::string>(), k.at("unit").get<std::string>(),
                  k.at("values").get<std::vector<double>>(), k.value("note", "")};
      const Parameter* p = e.find(key.key);
      if (!p || !p->value.is_number())
        throw std::logic_error(file + ": tune_grid: " + key.key + " is no numeric parameter");
      if (key.values.empty()) throw std::logic_error(file + ": tune_grid: empty grid for " + key.key);
      e.tune_keys.push_back(std::move(key));
    }
    e.tune_defaults = g.value("defaults", nlohmann::json::object());
    check_settings(file, "tune_grid/defaults", e.tune_defaults, e, scenario_quantities());
  }
  return e;
}

namespace {

std::vector<PlatformEntry>& entries() {
  static std::vector<PlatformEntry> all = [] {
    std::vector<PlatformEntry> out;
    for (const auto& [file, text] : embedded_catalog()) out.push_back(parse_catalog_entry(file, text));
    return out;
  }();
  return all;
}

}  // namespace

const Parameter* PlatformEntry::find(const std::string& key) const {
  for (const auto& p : parameters)
    if (p.key == key) return &p;
  return nullptr;
}

const std::vector<PlatformEntry>& catalog() {
  return entries();
}

void add_catalog_entry(PlatformEntry entry) {
  if (find_platform(entry.platform))
    throw std::logic_error("catalogue: platform " + entry.platform + " is already listed");
  entries().push_back(std::move(entry));
}

std::string catalog_key_part(std::string value) {
  std::replace(value.begin(), value.end(), '.', '_');
  return value;
}

const PlatformEntry* find_platform(const std::string& platform) {
  for (const auto& e : catalog())
    if (e.platform == platform) return &e;
  return nullptr;
}

std::optional<nlohmann::json> resolve_settings(const nlohmann::json& settings, const Quantities& quantities,
                                               std::string* missing) {
  nlohmann::json out = settings.is_null() ? nlohmann::json::object() : settings;
  for (auto& [key, value] : out.items()) {
    if (!is_computed(value)) continue;
    const std::string from = value.at("from").get<std::string>();
    const auto it = quantities.find(from);
    if (it == quantities.end()) {
      if (missing) *missing = from;
      return std::nullopt;
    }
    double x = it->second;
    const std::string round = value.value("round", "");
    if (round == "up") x = std::ceil(x);
    if (round == "down") x = std::floor(x);
    if (round == "nearest") x = std::round(x);
    if (value.contains("min")) x = std::max(x, value.at("min").get<double>());
    if (value.contains("max")) x = std::min(x, value.at("max").get<double>());
    if (value.value("integer", false))
      value = static_cast<int64_t>(std::llround(x));
    else
      value = x;
  }
  return out;
}

Settings::Settings(const sim::CandidateSpec& candidate, const std::string& scenario_file)
    : file_(scenario_file), pointer_(candidate.pointer) {
  entry_ = find_platform(candidate.platform);
  if (!entry_) {
    std::string known;
    for (const auto& e : catalog()) known += (known.empty() ? "" : ", ") + e.platform;
    throw input_error(file_, pointer_ + "/platform",
                      "expected one of " + known + ", got \"" + candidate.platform + "\"");
  }
  for (const auto& p : entry_->parameters) values_[p.key] = p.value;
  for (const auto& [key, v] : candidate.settings.items()) {
    const Parameter* p = entry_->find(key);
    const std::string ptr = pointer_ + "/" + core::JsonFields::escape(key);
    if (!p)
      throw input_error(
          file_, ptr,
          "unknown key for " + entry_->platform + " (see `servesim catalog " + entry_->platform + "`)");
    if (p->value.is_number()) {
      if (!v.is_number())
        throw input_error(file_, ptr, "expected a number [" + p->unit + "], got " + core::quote_json(v));
      const double x = v.get<double>();
      if (!std::isfinite(x) || x < p->min || x > p->max)
        throw input_error(file_, ptr,
                          "expected " + core::quote_number(p->min) + ".." + core::quote_number(p->max) +
                              (p->unit.empty() ? "" : " " + p->unit) + ", got " + core::quote_number(x));
      if (p->integer && x != std::floor(x))
        throw input_error(file_, ptr, "expected a whole number, got " + core::quote_number(x));
    } else if (p->value.is_boolean()) {
      if (!v.is_boolean())
        throw input_error(file_, ptr, "expected true or false, got " + core::quote_json(v));
    } else if (p->value.is_string()) {
      if (!v.is_string()) throw input_error(file_, ptr, "expected a string, got " + core::quote_json(v));
      if (!p->allowed.empty() &&
          std::find(p->allowed.begin(), p->allowed.end(), v.get<std::string>()) == p->allowed.end()) {
        std::string list;
        for (const auto& a : p->allowed) list += (list.empty() ? "" : ", ") + a;
        throw input_error(file_, ptr, "expected one of " + list + ", got " + core::quote_json(v));
      }
    }
    values_[key] = v;
    overridden_[key] = true;
  }
}

const nlohmann::json& Settings::value(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end())
    throw std::logic_error("catalogue of " + entry_->platform + " lacks parameter " + key);
  return it->second;
}

double Settings::number(const std::string& key) const {
  return value(key).get<double>();
}
bool Settings::boolean(const std::string& key) const {
  return value(key).get<bool>();
}
std::string Settings::text(const std::string& key) const {
  return value(key).get<std::string>();
}

InputError Settings::error(const std::string& key, const std::string& message) const {
  return input_error(file_, pointer_ + "/" + core::JsonFields::escape(key), message);
}

InputError Settings::error_at(const std::string& key, const std::string& sub_pointer,
                              const std::string& message) const {
  return input_error(file_, pointer_ + "/" + core::JsonFields::escape(key) + sub_pointer, message);
}

InputError Settings::candidate_error(const std::string& message) const {
  return input_error(file_, pointer_, message);
}

}  // namespace servesim::platforms
