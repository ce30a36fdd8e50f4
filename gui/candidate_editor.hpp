#pragma once
// The candidates of the scenario: a list, and for the selected one its platform, name, the key settings
// (memory_mb, provisioned_concurrency, timeout_s) and a key/value table for any other catalogue key.
#include <QWidget>
#include <vector>

#include "gui/candidate_keys_model.hpp"
#include "gui/json_field.hpp"
#include "gui/scenario_document.hpp"

class QComboBox;
class QLabel;
class QListWidget;
class QTableView;

namespace servesim::gui {

class CandidateEditor : public QWidget {
  Q_OBJECT
 public:
  explicit CandidateEditor(ScenarioDocument* doc, QWidget* parent = nullptr);

  void reload();  // after a new file or a change of the candidate list
  int current() const { return keys_->candidate(); }
  void select(int index);
  // Shows an issue of the selected candidate next to its field or its key table; false if not ours.
  bool show_issue(const ScenarioIssue& issue);
  void clear_errors();
  JsonField* field(const std::string& key) const;
  QLabel* keys_error() const { return keys_error_; }
  CandidateKeysModel* keys_model() const { return keys_; }

 private:
  void bind(int index);
  void update_hints();
  ScenarioDocument* doc_;
  QListWidget* list_;
  QComboBox* new_platform_;
  std::vector<JsonField*> fields_;  // platform, name, memory_mb, provisioned_concurrency, timeout_s
  CandidateKeysModel* keys_;
  QTableView* keys_view_;
  QComboBox* new_key_;
  QLabel* keys_error_;
};

}  // namespace servesim::gui
