#include "gui/candidate_editor.hpp"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

#include "platforms/catalog.hpp"

namespace servesim::gui {

namespace {
QStringList platform_names() {
  QStringList names;
  for (const auto& e : platforms::catalog()) names << QString::fromStdString(e.platform);
  return names;
}
}  // namespace

CandidateEditor::CandidateEditor(ScenarioDocument* doc, QWidget* parent)
    : QWidget(parent), doc_(doc), keys_(new CandidateKeysModel(doc, this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);

  list_ = new QListWidget(this);
  list_->setMaximumHeight(90);
  layout->addWidget(list_);
  auto* list_buttons = new QHBoxLayout;
  new_platform_ = new QComboBox(this);
  new_platform_->addItems(platform_names());
  auto* add = new QPushButton(tr("Add"), this);
  auto* remove = new QPushButton(tr("Remove"), this);
  list_buttons->addWidget(new_platform_, 1);
  list_buttons->addWidget(add);
  list_buttons->addWidget(remove);
  layout->addLayout(list_buttons);

  auto* form = new QFormLayout;
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  QStringList platforms = platform_names();
  auto* platform = new JsonField(doc_, "/__none__", platforms, tr("(choose)"), this);
  fields_.push_back(platform);
  form->addRow(tr("platform"), platform);
  for (const char* key : {"name", "memory_mb", "provisioned_concurrency", "timeout_s"}) {
    auto* f = new JsonField(doc_, "/__none__", QString(), this);
    fields_.push_back(f);
    form->addRow(QString::fromLatin1(key), f);
  }
  layout->addLayout(form);

  layout->addWidget(new QLabel(tr("Other catalogue keys (servesim catalog PLATFORM lists them):"), this));
  keys_view_ = new QTableView(this);
  keys_view_->setModel(keys_);
  keys_view_->horizontalHeader()->setStretchLastSection(true);
  keys_view_->verticalHeader()->hide();
  keys_view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  keys_view_->setMinimumHeight(110);
  layout->addWidget(keys_view_);
  keys_error_ = new QLabel(this);
  keys_error_->setObjectName("fieldError");
  keys_error_->setWordWrap(true);
  keys_error_->setStyleSheet("color: #c0392b;");
  keys_error_->hide();
  layout->addWidget(keys_error_);
  auto* key_buttons = new QHBoxLayout;
  new_key_ = new QComboBox(this);
  auto* add_key = new QPushButton(tr("Add key"), this);
  auto* remove_key = new QPushButton(tr("Remove key"), this);
  key_buttons->addWidget(new_key_, 1);
  key_buttons->addWidget(add_key);
  key_buttons->addWidget(remove_key);
  layout->addLayout(key_buttons);

  connect(list_, &QListWidget::currentRowChanged, this, [this](int row) { bind(row); });
  connect(add, &QPushButton::clicked, this, [this] {
    doc_->add_candidate(new_platform_->currentText().toStdString());
    reload();
    select(list_->count() - 1);
  });
  connect(remove, &QPushButton::clicked, this, [this] {
    const int row = list_->currentRow();
    if (row < 0) return;
    doc_->remove_candidate(static_cast<size_t>(row));
    reload();
  });
  connect(add_key, &QPushButton::clicked, this, [this] {
    const std::string key = new_key_->currentText().toStdString();
    const auto platform = doc_->value(keys_->pointer() + "/platform");
    const auto* entry =
        platform.is_string() ? platforms::find_platform(platform.get<std::string>()) : nullptr;
    const auto* param = entry ? entry->find(key) : nullptr;
    if (key.empty() || !param) return;
    doc_->set_value(keys_->pointer() + "/" + key, param->value);
    keys_->refresh();
    update_hints();
  });
  connect(remove_key, &QPushButton::clicked, this, [this] {
    const auto rows = keys_view_->selectionModel()->selectedRows();
    if (rows.isEmpty()) return;
    doc_->set_value(keys_->pointer() + "/" + keys_->key(rows.first().row()), nullptr);
    keys_->refresh();
    update_hints();
  });
  // A platform change re-labels the list and changes which keys apply.
  connect(doc_, &ScenarioDocument::edited, this, [this](const std::string& pointer) {
    const std::string base = keys_->pointer();
    if (pointer == base + "/platform") update_hints();
    if (pointer == base + "/name" && list_->currentItem())
      list_->currentItem()->setText(field_text(doc_->value(pointer)));
  });
  reload();
}

JsonField* CandidateEditor::field(const std::string& key) const {
  static const char* keys[] = {"platform", "name", "memory_mb", "provisioned_concurrency", "timeout_s"};
  for (size_t i = 0; i < fields_.size(); ++i)
    if (key == keys[i]) return fields_[i];
  return nullptr;
}

void CandidateEditor::reload() {
  const int keep = list_->currentRow();
  QSignalBlocker block(list_);
  list_->clear();
  const auto list = doc_->value("/candidates");
  if (list.is_array())
    for (size_t i = 0; i < list.size(); ++i) {
      const auto name =
          list[i].is_object() && list[i].contains("name") ? list[i]["name"] : nlohmann::ordered_json();
      list_->addItem(name.is_null() ? QString("candidate %1").arg(i) : field_text(name));
    }
  const int row = list_->count() == 0 ? -1 : std::clamp(keep, 0, list_->count() - 1);
  list_->setCurrentRow(row);
  bind(row);
}

void CandidateEditor::select(int index) {
  if (index >= 0 && index < list_->count()) list_->setCurrentRow(index);
}

void CandidateEditor::bind(int index) {
  keys_->set_candidate(index);
  static const char* keys[] = {"platform", "name", "memory_mb", "provisioned_concurrency", "timeout_s"};
  for (size_t i = 0; i < fields_.size(); ++i) {
    fields_[i]->set_pointer(index < 0 ? std::string("/__none__") : keys_->pointer() + "/" + keys[i]);
    fields_[i]->setEnabled(index >= 0);
  }
  clear_errors();
  update_hints();
}

void CandidateEditor::update_hints() {
  const auto platform = doc_->value(keys_->pointer() + "/platform");
  const auto* entry = platform.is_string() ? platforms::find_platform(platform.get<std::string>()) : nullptr;
  const int index = keys_->candidate();
  fields_[1]->set_hint(index < 0 ? QString()
                                 : QString("default: %1-%2").arg(field_text(platform)).arg(index));
  for (size_t i = 2; i < fields_.size(); ++i) {
    const std::string key = fields_[i]->pointer().substr(fields_[i]->pointer().rfind('/') + 1);
    const auto* p = entry ? entry->find(key) : nullptr;
    // A key the platform does not have stays editable only while it is set (so its error can be fixed).
    fields_[i]->setEnabled(index >= 0 && (p || !doc_->value(fields_[i]->pointer()).is_null()));
    fields_[i]->set_hint(
        p ? QString("default %1 %2")
                .arg(QString::fromStdString(p->value.dump()), QString::fromStdString(p->unit))
          : tr("not a %1 setting").arg(field_text(platform)));
  }
  new_key_->clear();
  if (entry)
    for (const auto& p : entry->parameters)
      if (keys_->row_of(p.key) < 0 && !field(p.key)) new_key_->addItem(QString::fromStdString(p.key));
  keys_->refresh();
}

void CandidateEditor::clear_errors() {
  for (auto* f : fields_) f->show_error({});
  keys_error_->hide();
  keys_error_->clear();
}

bool CandidateEditor::show_issue(const ScenarioIssue& issue) {
  const std::string base = keys_->pointer();
  if (keys_->candidate() < 0 || issue.pointer.rfind(base, 0) != 0) return false;
  if (issue.pointer.size() > base.size() && issue.pointer[base.size()] != '/') return false;
  for (auto* f : fields_)
    if (f->pointer() == issue.pointer) {
      f->show_error(QString::fromStdString(issue.message));
      return true;
    }
  const std::string key = issue.pointer.size() > base.size() ? issue.pointer.substr(base.size() + 1) : "";
  const int row = keys_->row_of(key.substr(0, key.find('/')));
  if (row >= 0) keys_view_->selectRow(row);
  keys_error_->setText(QString::fromStdString((key.empty() ? "" : key + ": ") + issue.message));
  keys_error_->show();
  return true;
}

}  // namespace servesim::gui
