#pragma once
// The "Details" tab: every candidate's entry of the run's summary.json as a tree (candidate, then its
// sections: requests, latency, cost, and the sections a mechanism adds, such as a workflow's executions and
// stages or an event source's queue, deliveries and messaging cost). The tree is built from the same
// reports::summary_json the CLI writes, so the app and the files never disagree.
#include <QStringList>
#include <QTreeWidget>
#include <nlohmann/json.hpp>

namespace servesim::gui {

class DetailsView : public QTreeWidget {
  Q_OBJECT
 public:
  explicit DetailsView(QWidget* parent = nullptr);
  // summary: summary.json's object ({"candidates": [...], ...}); null clears the tree.
  void set_summary(const nlohmann::ordered_json& summary);
  // The item at a path of keys under the top level ({"lambda", "workflow", "executions", "completed"}), or
  // null; a candidate's item is named by its candidate name.
  QTreeWidgetItem* find(const QStringList& path) const;
};

}  // namespace servesim::gui
