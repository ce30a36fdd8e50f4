#pragma once
// The scenario being edited: the file's original text and JSON, and the edited JSON. Edits patch single
// fields (by JSON pointer) of the original document, so saving an unedited scenario writes the file back byte
// for byte, and an edited one keeps every other key, in its order. check() runs the same checks as the CLI
// (sim::parse_scenario, a {"profile": FILE} model section through app::check_model_section,
// platforms::make_candidates) and reports the first error with its JSON pointer.
#include <QObject>
#include <QString>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/scenario.hpp"

namespace servesim::gui {

// One error of the scenario, split as the CLI prints it: "<file>: <pointer>: <message>".
struct ScenarioIssue {
  std::string pointer;  // "" when the error names no field
  std::string message;  // without the file and pointer
  std::string text;     // the whole line, as the CLI prints it
  bool is_ok() const { return text.empty(); }
};

// Splits an InputError's text into file, pointer and message.
ScenarioIssue split_issue(const std::string& what, const std::string& file);

class ScenarioDocument : public QObject {
  Q_OBJECT
 public:
  explicit ScenarioDocument(QObject* parent = nullptr);

  // Reads a scenario file. Returns false with a one-line error (file: line: what) when it is not JSON, nests
  // deeper than core::kMaxJsonDepth or repeats a key (core/json_reader.hpp).
  bool load(const QString& path, QString* error);
  // Writes the scenario: the original bytes when the JSON is unchanged, else the edited JSON (2-space
  // indent).
  bool save(const QString& path, QString* error);

  const QString& path() const { return path_; }
  const nlohmann::ordered_json& json() const { return doc_; }
  bool is_modified() const { return doc_ != original_; }

  // The value at a JSON pointer, null when absent.
  nlohmann::ordered_json value(const std::string& pointer) const;
  // Sets the value at a JSON pointer (creating objects on the way); null removes the key.
  void set_value(const std::string& pointer, const nlohmann::ordered_json& value);
  // Changes the "type" of the object at `pointer` and drops the keys that the new type does not accept.
  void set_type(const std::string& pointer, const std::string& type, const std::vector<std::string>& keep);
  // Candidates: append one of the platform with a fresh name; remove one.
  void add_candidate(const std::string& platform);
  void remove_candidate(size_t index);

  // Runs the CLI's checks on the edited JSON; emits checked().
  ScenarioIssue check();
  // The checked scenario (throws InputError like load_scenario).
  sim::Scenario scenario() const;

 signals:
  void loaded();                             // a new file was read
  void edited(const std::string& pointer);   // set_value and friends
  void checked(const ScenarioIssue& issue);  // after check()

 private:
  std::string file_name() const;
  QString path_;
  std::string original_text_;
  nlohmann::ordered_json original_;
  nlohmann::ordered_json doc_;
};

// Turns the text typed into a field into a JSON value: "" -> null (use the default), a number -> number,
// true/false -> boolean, anything else -> string (the scenario checks then name the expected type).
nlohmann::ordered_json field_value(const QString& text);
// The text a field shows for a JSON value ("" for null, strings unquoted).
QString field_text(const nlohmann::ordered_json& value);

}  // namespace servesim::gui
