#include "gui/details_view.hpp"

#include <QHeaderView>
#include <string>

namespace servesim::gui {

namespace {

QString value_text(const nlohmann::ordered_json& v) {
  return v.is_string() ? QString::fromStdString(v.get<std::string>()) : QString::fromStdString(v.dump());
}

// Adds `value` under `parent` as `key`: objects and arrays of objects become branches (an array's element
// named by its "stage", "id" or "name" when it has one, else by its index), the rest one row.
void add_item(QTreeWidgetItem* parent, const QString& key, const nlohmann::ordered_json& value) {
  auto* item = new QTreeWidgetItem(parent, {key});
  if (value.is_object()) {
    for (const auto& [k, v] : value.items()) add_item(item, QString::fromStdString(k), v);
  } else if (value.is_array() && !value.empty() && value.front().is_object()) {
    for (size_t i = 0; i < value.size(); ++i) {
      const auto& e = value[i];  // a workflow's stage or a topology's node is named by its id
      const char* label = e.contains("stage")  ? "stage"
                          : e.contains("id")   ? "id"
                          : e.contains("name") ? "name"
                                               : nullptr;
      add_item(item, label && e[label].is_string() ? value_text(e[label]) : QString::number(i), e);
    }
  } else {
    item->setText(1, value_text(value));
  }
}

}  // namespace

DetailsView::DetailsView(QWidget* parent) : QTreeWidget(parent) {
  setObjectName("detailsView");
  setColumnCount(2);
  setHeaderLabels({tr("candidate / key"), tr("value")});
  header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  setUniformRowHeights(true);
}

void DetailsView::set_summary(const nlohmann::ordered_json& summary) {
  clear();
  if (!summary.is_object() || !summary.contains("candidates")) return;
  for (const auto& c : summary["candidates"]) {
    const QString name = QString::fromStdString(c.value("name", std::string()));
    auto* top = new QTreeWidgetItem(this, {name, QString::fromStdString(c.value("platform", std::string()))});
    for (const auto& [k, v] : c.items())
      if (k != "name" && k != "platform") add_item(top, QString::fromStdString(k), v);
    top->setExpanded(true);
  }
}

QTreeWidgetItem* DetailsView::find(const QStringList& path) const {
  if (path.isEmpty()) return nullptr;
  QTreeWidgetItem* item = nullptr;
  for (int i = 0; i < topLevelItemCount() && !item; ++i)
    if (topLevelItem(i)->text(0) == path.front()) item = topLevelItem(i);
  for (int p = 1; p < path.size() && item; ++p) {
    QTreeWidgetItem* next = nullptr;
    for (int i = 0; i < item->childCount() && !next; ++i)
      if (item->child(i)->text(0) == path[p]) next = item->child(i);
    item = next;
  }
  return item;
}

}  // namespace servesim::gui
