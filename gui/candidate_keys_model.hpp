#pragma once
// The catalogue keys one candidate sets, other than those with their own form field: one row per key
// (key, value as JSON, unit and default from the platform catalogue). Editing a value patches the document.
#include <QAbstractTableModel>
#include <string>
#include <vector>

#include "gui/scenario_document.hpp"

namespace servesim::gui {

class CandidateKeysModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  // Keys with their own field in the candidate editor.
  static const std::vector<std::string>& dedicated_keys();

  explicit CandidateKeysModel(ScenarioDocument* doc, QObject* parent = nullptr);
  void set_candidate(int index);  // -1: none
  int candidate() const { return index_; }
  std::string pointer() const;  // "/candidates/<i>"
  std::string key(int row) const { return keys_.at(static_cast<size_t>(row)); }
  int row_of(const std::string& key) const;
  void refresh();

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;

 private:
  ScenarioDocument* doc_;
  int index_ = -1;
  std::vector<std::string> keys_;
};

}  // namespace servesim::gui
