#include "core/json_fields.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace servesim::core {

std::string quote_number(double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", value);
  return buf;
}

std::string quote_json(const nlohmann::json& value) {
  return excerpt(value.dump(), 60);
}

JsonFields::JsonFields(const nlohmann::json& object, std::string file, std::string pointer)
    : object_(object), file_(std::move(file)), pointer_(std::move(pointer)) {
  if (!object_.is_object())
    throw input_error(file_, pointer_.empty() ? "/" : pointer_,
                      "expected an object, got " + quote_json(object_));
}

std::string JsonFields::escape(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

const nlohmann::json& JsonFields::get(const std::string& key) {
  asked_.insert(key);
  read_.insert(key);
  return object_.at(key);
}

double JsonFields::required_number(const std::string& key, double min, double max) {
  if (!has(key))
    throw error(key, "missing (expected a number in " + quote_number(min) + ".." + quote_number(max) + ")");
  const auto& v = get(key);
  if (!v.is_number()) throw error(key, "expected a number, got " + quote_json(v));
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < min || x > max)
    throw error(key, "expected " + quote_number(min) + ".." + quote_number(max) + ", got " + quote_number(x));
  return x;
}

double JsonFields::number(const std::string& key, double fallback, double min, double max) {
  return has(key) ? required_number(key, min, max) : fallback;
}

uint64_t JsonFields::integer(const std::string& key, uint64_t fallback, uint64_t min, uint64_t max) {
  if (!has(key)) return fallback;
  const auto& v = get(key);
  if (!v.is_number_integer() || (v.is_number_integer() && v.get<int64_t>() < 0 && !v.is_number_unsigned()))
    throw error(key, "expected a whole number in " + std::to_string(min) + ".." + std::to_string(max) +
                         ", got " + quote_json(v));
  const uint64_t x = v.get<uint64_t>();
  if (x < min || x > max)
    throw error(
        key, "expected " + std::to_string(min) + ".." + std::to_string(max) + ", got " + std::to_string(x));
  return x;
}

bool JsonFields::boolean(const std::string& key, bool fallback) {
  if (!has(key)) return fallback;
  const auto& v = get(key);
  if (!v.is_boolean()) throw error(key, "expected true or false, got " + quote_json(v));
  return v.get<bool>();
}

std::string JsonFields::required_text(const std::string& key, const std::vector<std::string>& allowed) {
  auto one_of = [&] {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    return list;
  };
  if (!has(key))
    throw error(
        key, allowed.empty() ? "missing (expected a string)" : "missing (expected one of " + one_of() + ")");
  const auto& v = get(key);
  if (!v.is_string()) throw error(key, "expected a string, got " + quote_json(v));
  const std::string s = v.get<std::string>();
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), s) == allowed.end())
    throw error(key, "expected one of " + one_of() + ", got \"" + s + "\"");
  return s;
}

std::string JsonFields::text(const std::string& key, const std::string& fallback,
                             const std::vector<std::string>& allowed) {
  return has(key) ? required_text(key, allowed) : fallback;
}

const nlohmann::json& JsonFields::child(const std::string& key) {
  return get(key);
}

void JsonFields::reject_unknown() const {
  for (const auto& [k, v] : object_.items()) {
    if (read_.count(k)) continue;
    std::string known;
    for (const auto& a : asked_) known += (known.empty() ? "" : ", ") + a;
    throw error(k, "unknown key (expected one of: " + known + ")");
  }
}

}  // namespace servesim::core
