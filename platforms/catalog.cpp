#include "platforms/catalog.hpp"

#include <cmath>
#include <stdexcept>

#include "sim/input_error.hpp"
#include "sim/json_fields.hpp"
#include "sim/json_reader.hpp"

namespace servesim::platforms {

const std::vector<std::pair<std::string, std::string>>& embedded_catalog();  // generated at build time

namespace {

PlatformEntry parse_entry(const std::string& file, const std::string& text) {
  // The catalogue ships with the program; a malformed entry is a build defect, reported with its location.
  const auto doc = sim::parse_json(text, file);
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
    if (std::find(statuses.begin(), statuses.end(), param.status) == statuses.end())
      throw std::logic_error(file + ": " + key + ": bad status " + param.status);
    e.parameters.push_back(std::move(param));
  }
  return e;
}

}  // namespace

const Parameter* PlatformEntry::find(const std::string& key) const {
  for (const auto& p : parameters)
    if (p.key == key) return &p;
  return nullptr;
}

const std::vector<PlatformEntry>& catalog() {
  static const std::vector<PlatformEntry> entries = [] {
    std::vector<PlatformEntry> out;
    for (const auto& [file, text] : embedded_catalog()) out.push_back(parse_entry(file, text));
    return out;
  }();
  return entries;
}

const PlatformEntry* find_platform(const std::string& platform) {
  for (const auto& e : catalog())
    if (e.platform == platform) return &e;
  return nullptr;
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
    const std::string ptr = pointer_ + "/" + sim::JsonFields::escape(key);
    if (!p)
      throw input_error(
          file_, ptr,
          "unknown key for " + entry_->platform + " (see `servesim catalog " + entry_->platform + "`)");
    if (p->value.is_number()) {
      if (!v.is_number())
        throw input_error(file_, ptr, "expected a number [" + p->unit + "], got " + sim::quote_json(v));
      const double x = v.get<double>();
      if (!std::isfinite(x) || x < p->min || x > p->max)
        throw input_error(file_, ptr,
                          "expected " + sim::quote_number(p->min) + ".." + sim::quote_number(p->max) +
                              (p->unit.empty() ? "" : " " + p->unit) + ", got " + sim::quote_number(x));
      if (p->integer && x != std::floor(x))
        throw input_error(file_, ptr, "expected a whole number, got " + sim::quote_number(x));
    } else if (p->value.is_boolean()) {
      if (!v.is_boolean()) throw input_error(file_, ptr, "expected true or false, got " + sim::quote_json(v));
    } else if (p->value.is_string()) {
      if (!v.is_string()) throw input_error(file_, ptr, "expected a string, got " + sim::quote_json(v));
      if (!p->allowed.empty() &&
          std::find(p->allowed.begin(), p->allowed.end(), v.get<std::string>()) == p->allowed.end()) {
        std::string list;
        for (const auto& a : p->allowed) list += (list.empty() ? "" : ", ") + a;
        throw input_error(file_, ptr, "expected one of " + list + ", got " + sim::quote_json(v));
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
  return input_error(file_, pointer_ + "/" + sim::JsonFields::escape(key), message);
}

}  // namespace servesim::platforms
