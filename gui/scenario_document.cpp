#include "gui/scenario_document.hpp"

#include <QFileInfo>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/model_section.hpp"
#include "core/input_error.hpp"
#include "core/json_reader.hpp"
#include "platforms/fleet/node_fabric.hpp"
#include "platforms/model_factory.hpp"
#include "reports/output_dir.hpp"

namespace servesim::gui {
namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

ScenarioIssue split_issue(const std::string& what, const std::string& file) {
  ScenarioIssue issue{"", what, what};
  std::string rest = what;
  if (!file.empty() && rest.rfind(file + ": ", 0) == 0) rest = rest.substr(file.size() + 2);
  if (!rest.empty() && rest[0] == '/') {
    const auto end = rest.find(": ");
    if (end != std::string::npos) {
      issue.pointer = rest.substr(0, end);
      rest = rest.substr(end + 2);
    }
  }
  issue.message = rest;
  return issue;
}

ojson field_value(const QString& text) {
  const std::string s = text.trimmed().toStdString();
  if (s.empty()) return nullptr;
  if (s == "true") return true;
  if (s == "false") return false;
  char* end = nullptr;
  const long long i = std::strtoll(s.c_str(), &end, 10);
  if (end && *end == '\0') return i;
  const double d = std::strtod(s.c_str(), &end);
  if (end && *end == '\0') return d;
  return s;
}

QString field_text(const ojson& value) {
  if (value.is_null()) return {};
  if (value.is_string()) return QString::fromStdString(value.get<std::string>());
  return QString::fromStdString(value.dump());
}

ScenarioDocument::ScenarioDocument(QObject* parent) : QObject(parent) {
  original_ = ojson::object();
  doc_ = original_;
}

bool ScenarioDocument::load(const QString& path, QString* error) {
  std::ifstream in(path.toStdString(), std::ios::binary);
  if (!in) {
    if (error) *error = path + ": cannot open file";
    return false;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  ojson doc;
  try {
    doc = core::parse_ordered_json(buf.str(), path.toStdString());
  } catch (const InputError& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
  path_ = path;
  original_text_ = buf.str();
  original_ = doc;
  doc_ = std::move(doc);
  emit loaded();
  return true;
}

bool ScenarioDocument::save(const QString& path, QString* error) {
  const std::string text = is_modified() || original_text_.empty() ? doc_.dump(2) + "\n" : original_text_;
  try {
    reports::write_file_atomic(path.toStdString(), text);
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
  // The saved file is the new original: later saves start from it.
  path_ = path;
  original_text_ = text;
  original_ = doc_;
  return true;
}

ojson ScenarioDocument::value(const std::string& pointer) const {
  const ojson::json_pointer p(pointer);
  return doc_.contains(p) ? doc_.at(p) : ojson();
}

void ScenarioDocument::set_value(const std::string& pointer, const ojson& value) {
  const ojson::json_pointer p(pointer);
  if (value.is_null()) {
    if (!doc_.contains(p)) return;
    ojson& parent = doc_.at(p.parent_pointer());
    if (parent.is_object()) parent.erase(p.back());
  } else {
    if (doc_.contains(p) && doc_.at(p) == value && doc_.at(p).type() == value.type()) return;
    doc_[p] = value;
  }
  emit edited(pointer);
}

void ScenarioDocument::set_type(const std::string& pointer, const std::string& type,
                                const std::vector<std::string>& keep) {
  const ojson::json_pointer p(pointer);
  ojson& obj = doc_[p];
  if (!obj.is_object()) obj = ojson::object();
  if (obj.contains("type") && obj["type"] == type) return;
  obj["type"] = type;
  for (auto it = obj.begin(); it != obj.end();) {
    const bool known = it.key() == "type" || std::find(keep.begin(), keep.end(), it.key()) != keep.end();
    it = known ? std::next(it) : obj.erase(it);
  }
  emit edited(pointer + "/type");
}

void ScenarioDocument::add_candidate(const std::string& platform) {
  ojson& list = doc_["candidates"];
  if (!list.is_array()) list = ojson::array();
  std::string name;
  for (size_t i = list.size() + 1;; ++i) {
    name = platform + "-" + std::to_string(i);
    bool taken = false;
    for (const auto& c : list) taken = taken || (c.is_object() && c.value("name", "") == name);
    if (!taken) break;
  }
  list.push_back(ojson{{"name", name}, {"platform", platform}});
  emit edited("/candidates");
}

void ScenarioDocument::remove_candidate(size_t index) {
  ojson& list = doc_["candidates"];
  if (!list.is_array() || index >= list.size()) return;
  list.erase(index);
  emit edited("/candidates");
}

std::string ScenarioDocument::file_name() const {
  return path_.isEmpty() ? std::string("untitled.json") : path_.toStdString();
}

sim::Scenario ScenarioDocument::scenario() const {
  const std::string file = file_name();
  std::string base = fs::path(file).parent_path().string();
  if (base.empty()) base = ".";
  return sim::parse_scenario(nlohmann::json::parse(doc_.dump()), file, base);
}

ScenarioIssue ScenarioDocument::check() {
  ScenarioIssue issue;
  try {
    sim::Scenario sc = scenario();
    // The model section is checked as `servesim validate` checks it (keys; a saved profile is read and every
    // candidate's memory checked against it), except an {"onnx": ...} one: that is profiled when the run
    // starts, not on every edit.
    app::check_model_section(sc);
    // No tensor-parallel probe on an edit: it would wait for the engine of a run in progress (the run
    // probes what it needs).
    const platforms::NoAllReduceProbes no_probes;
    platforms::make_candidates(sc);
  } catch (const InputError& e) {
    issue = split_issue(e.what(), file_name());
  } catch (const std::exception& e) {
    issue = ScenarioIssue{"", e.what(), e.what()};
  }
  emit checked(issue);
  return issue;
}

}  // namespace servesim::gui
