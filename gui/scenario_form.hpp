#pragma once
// The scenario's main settings as forms: workload (trace or synthetic shape), warm service time, SLO,
// candidates. Every field writes its JSON pointer in the document; after each edit the document runs the
// CLI's checks and the form shows the error next to the field whose pointer it names (and in a banner).
#include <QWidget>
#include <map>
#include <string>
#include <vector>

#include "gui/json_field.hpp"
#include "gui/scenario_document.hpp"

class QFormLayout;
class QLabel;

namespace servesim::gui {

class CandidateEditor;

class ScenarioForm : public QWidget {
  Q_OBJECT
 public:
  explicit ScenarioForm(ScenarioDocument* doc, QWidget* parent = nullptr);

  void reload();  // shows the document (after a file was opened)
  void show_issue(const ScenarioIssue& issue);
  JsonField* field(const std::string& pointer) const;  // nullptr when the form has none
  CandidateEditor* candidates() const { return candidates_; }
  QLabel* banner() const { return banner_; }

 private:
  JsonField* add(QFormLayout* form, const QString& label, const std::string& pointer, const QString& hint);
  JsonField* add_choice(QFormLayout* form, const QString& label, const std::string& pointer,
                        const QStringList& choices, const QString& hint);
  void update_visibility();
  ScenarioDocument* doc_;
  QLabel* banner_;
  std::vector<JsonField*> fields_;
  std::map<JsonField*, QFormLayout*> rows_;
  CandidateEditor* candidates_;
};

}  // namespace servesim::gui
