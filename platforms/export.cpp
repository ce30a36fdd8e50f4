#include "platforms/export.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "platforms/catalog.hpp"
#include "platforms/registry.hpp"

namespace servesim::platforms {

const ExportFormat* find_export_format(const std::string& platform, const std::string& format) {
  const PlatformRegistration* r = find_registration(platform);
  if (!r) return nullptr;
  for (const auto& f : r->exports)
    if (f.format == format) return &f;
  return nullptr;
}

std::vector<std::string> export_formats() {
  std::vector<std::string> out;
  for (const auto& r : registered_platforms())
    for (const auto& f : r.exports)
      if (std::find(out.begin(), out.end(), f.format) == out.end()) out.push_back(f.format);
  return out;
}

std::string export_formats_of(const std::string& platform) {
  std::string out;
  if (const PlatformRegistration* r = find_registration(platform))
    for (const auto& f : r->exports) out += (out.empty() ? "" : ", ") + f.format;
  return out;
}

namespace {

void emit(const nlohmann::ordered_json& node, int indent, std::string& out);

// A mapping key: bare when YAML reads it back as the same string, else double-quoted.
std::string key_text(const std::string& key) {
  static const char* const kWords[] = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"};
  bool plain = !key.empty() && (std::isalpha(static_cast<unsigned char>(key[0])) || key[0] == '_');
  for (char c : key)
    plain = plain &&
            (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' || c == '-');
  for (const char* word : kWords) {
    std::string lower;
    for (char c : key) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    plain = plain && lower != word;
  }
  return plain ? key : nlohmann::ordered_json(key).dump();
}

std::string scalar(const nlohmann::ordered_json& node) {
  if (node.is_null()) return "null";
  if (node.is_number_float()) {
    const double v = node.get<double>();
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;  // a whole double is written as an integer ("4"), which every template reader accepts
  }
  return node.dump();  // strings double-quoted with JSON escapes, numbers and booleans bare
}

bool is_empty_container(const nlohmann::ordered_json& node) {
  return (node.is_object() || node.is_array()) && node.empty();
}

void emit_value_after_key(const nlohmann::ordered_json& value, int indent, std::string& out) {
  if (is_empty_container(value)) {
    out += value.is_object() ? " {}\n" : " []\n";
  } else if (value.is_object()) {
    out += "\n";
    emit(value, indent + 2, out);
  } else if (value.is_array()) {
    out += "\n";
    emit(value, indent, out);  // list items at the key's indentation, as kubectl writes them
  } else {
    out += " " + scalar(value) + "\n";
  }
}

void emit(const nlohmann::ordered_json& node, int indent, std::string& out) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      out += pad + key_text(it.key()) + ":";
      emit_value_after_key(it.value(), indent, out);
    }
  } else if (node.is_array()) {
    for (const auto& item : node) {
      if (item.is_object() && !item.empty()) {
        // "- key: value" then the other keys aligned under the first.
        std::string body;
        emit(item, indent + 2, body);
        out += pad + "- " + body.substr(static_cast<size_t>(indent) + 2);
      } else if (item.is_array() && !item.empty()) {
        out += pad + "-\n";
        emit(item, indent + 2, out);
      } else {
        out +=
            pad + "- " + (is_empty_container(item) ? (item.is_object() ? "{}" : "[]") : scalar(item)) + "\n";
      }
    }
  } else {
    out += pad + scalar(node) + "\n";
  }
}

}  // namespace

std::string to_yaml(const nlohmann::ordered_json& doc) {
  std::string out;
  emit(doc, 0, out);
  return out;
}

std::string yaml_comments(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    size_t start = 0;
    while (start <= line.size()) {
      const size_t end = line.find('\n', start);
      const std::string part = line.substr(start, end == std::string::npos ? std::string::npos : end - start);
      out += part.empty() ? "#\n" : "# " + part + "\n";
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  return out;
}

std::string dns_label(const std::string& name) {
  std::string out;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u))
      out += static_cast<char>(std::tolower(u));
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.empty() || !std::isalpha(static_cast<unsigned char>(out.front()))) out = "s-" + out;
  if (out.back() == '-') out += "0";
  return out.substr(0, 63);
}

std::string logical_id(const std::string& name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u)) {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(u)) : c;
    upper = false;
  }
  if (out.empty() || !std::isalpha(static_cast<unsigned char>(out.front()))) out = "Function" + out;
  return out.substr(0, 255);
}

std::string cpu_quantity(double vcpu) {
  if (std::fabs(vcpu - std::round(vcpu)) < 1e-9) return std::to_string(static_cast<long>(std::round(vcpu)));
  return std::to_string(static_cast<long>(std::round(vcpu * 1000))) + "m";
}

std::string memory_quantity(double gib) {
  if (std::fabs(gib - std::round(gib)) < 1e-9)
    return std::to_string(static_cast<long>(std::round(gib))) + "Gi";
  return std::to_string(static_cast<long>(std::round(gib * 1024))) + "Mi";
}

std::vector<std::string> settings_not_in_template(const ExportRequest& request,
                                                  const std::vector<std::string>& written) {
  std::vector<std::string> out;
  const PlatformEntry* entry = find_platform(request.platform);
  for (auto it = request.settings.begin(); it != request.settings.end(); ++it) {
    if (std::find(written.begin(), written.end(), it.key()) != written.end()) continue;
    const Parameter* p = entry ? entry->find(it.key()) : nullptr;
    if (p && p->value == it.value()) continue;
    out.push_back(it.key() + " = " + it.value().dump());
  }
  return out;
}

void add_settings_not_in_template(std::vector<std::string>& head, const ExportRequest& request,
                                  const std::vector<std::string>& written, const std::string& heading) {
  const auto others = settings_not_in_template(request, written);
  if (others.empty()) return;
  head.push_back(heading);
  for (const auto& o : others) head.push_back("  " + o);
}

}  // namespace servesim::platforms
