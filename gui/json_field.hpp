#pragma once
// One form field bound to a JSON pointer of the scenario: an editor (line edit or choice) and, under it, the
// error the scenario checks report for that pointer. It only forwards edits to the document and shows values.
#include <QWidget>
#include <functional>
#include <string>

#include "gui/scenario_document.hpp"

class QComboBox;
class QLabel;
class QLineEdit;

namespace servesim::gui {

class JsonField : public QWidget {
  Q_OBJECT
 public:
  // A line edit; `hint` is shown when the key is absent (the default and its unit).
  JsonField(ScenarioDocument* doc, std::string pointer, const QString& hint, QWidget* parent = nullptr);
  // A choice among fixed values; "" (shown as `hint`) means absent.
  JsonField(ScenarioDocument* doc, std::string pointer, const QStringList& choices, const QString& hint,
            QWidget* parent = nullptr);

  const std::string& pointer() const { return pointer_; }
  void set_pointer(const std::string& pointer);  // rebinds and reloads
  void set_hint(const QString& hint);
  // Replaces the default write (doc->set_value(pointer, value)) for fields whose change means more.
  void set_writer(std::function<void(const QString&)> writer) { writer_ = std::move(writer); }
  void reload();                            // shows the document's value
  void show_error(const QString& message);  // "" clears
  QString error_text() const;
  QString text() const;

  QLineEdit* line_edit() const { return edit_; }
  QComboBox* combo() const { return combo_; }

 private:
  void build();
  void write(const QString& text);
  ScenarioDocument* doc_;
  std::string pointer_;
  QLineEdit* edit_ = nullptr;
  QComboBox* combo_ = nullptr;
  QLabel* error_ = nullptr;
  std::function<void(const QString&)> writer_;
  bool loading_ = false;
};

}  // namespace servesim::gui
