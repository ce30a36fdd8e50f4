#include "gui/json_field.hpp"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>

namespace servesim::gui {

JsonField::JsonField(ScenarioDocument* doc, std::string pointer, const QString& hint, QWidget* parent)
    : QWidget(parent), doc_(doc), pointer_(std::move(pointer)) {
  edit_ = new QLineEdit(this);
  edit_->setPlaceholderText(hint);
  connect(edit_, &QLineEdit::textEdited, this, &JsonField::write);
  build();
}

JsonField::JsonField(ScenarioDocument* doc, std::string pointer, const QStringList& choices,
                     const QString& hint, QWidget* parent)
    : QWidget(parent), doc_(doc), pointer_(std::move(pointer)) {
  combo_ = new QComboBox(this);
  for (const QString& c : choices) combo_->addItem(c.isEmpty() ? hint : c, c);
  connect(combo_, &QComboBox::currentIndexChanged, this, [this](int i) {
    if (!loading_) write(combo_->itemData(i).toString());
  });
  build();
}

void JsonField::build() {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(1);
  layout->addWidget(edit_ ? static_cast<QWidget*>(edit_) : combo_);
  error_ = new QLabel(this);
  error_->setObjectName("fieldError");
  error_->setWordWrap(true);
  error_->setStyleSheet("color: #c0392b;");
  error_->setVisible(false);
  layout->addWidget(error_);
  reload();
}

void JsonField::set_pointer(const std::string& pointer) {
  pointer_ = pointer;
  show_error({});
  reload();
}

void JsonField::set_hint(const QString& hint) {
  if (edit_) edit_->setPlaceholderText(hint);
  if (combo_ && combo_->count() && combo_->itemData(0).toString().isEmpty()) combo_->setItemText(0, hint);
}

void JsonField::write(const QString& text) {
  if (writer_)
    writer_(text);
  else if (combo_)
    doc_->set_value(pointer_,
                    text.isEmpty() ? nlohmann::ordered_json() : nlohmann::ordered_json(text.toStdString()));
  else
    doc_->set_value(pointer_, field_value(text));
}

void JsonField::reload() {
  const QString text = field_text(doc_->value(pointer_));
  loading_ = true;
  if (edit_ && edit_->text() != text) edit_->setText(text);
  if (combo_) {
    int i = combo_->findData(text);
    if (i < 0) {  // a value the form does not offer: show it, the checks will name it
      combo_->addItem(text, text);
      i = combo_->count() - 1;
    }
    combo_->setCurrentIndex(i);
  }
  loading_ = false;
}

void JsonField::show_error(const QString& message) {
  error_->setText(message);
  error_->setVisible(!message.isEmpty());
  const char* style = message.isEmpty() ? "" : "border: 1px solid #c0392b;";
  if (edit_) edit_->setStyleSheet(style);
  if (combo_) combo_->setStyleSheet(style);
}

QString JsonField::error_text() const {
  return error_->text();
}

QString JsonField::text() const {
  return edit_ ? edit_->text() : combo_->currentData().toString();
}

}  // namespace servesim::gui
