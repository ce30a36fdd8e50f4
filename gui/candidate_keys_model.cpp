#include "gui/candidate_keys_model.hpp"

#include <algorithm>

#include "platforms/catalog.hpp"

namespace servesim::gui {

const std::vector<std::string>& CandidateKeysModel::dedicated_keys() {
  static const std::vector<std::string> keys{"name", "platform", "memory_mb", "provisioned_concurrency",
                                             "timeout_s"};
  return keys;
}

CandidateKeysModel::CandidateKeysModel(ScenarioDocument* doc, QObject* parent)
    : QAbstractTableModel(parent), doc_(doc) {}

std::string CandidateKeysModel::pointer() const {
  return "/candidates/" + std::to_string(index_);
}

void CandidateKeysModel::set_candidate(int index) {
  index_ = index;
  refresh();
}

void CandidateKeysModel::refresh() {
  beginResetModel();
  keys_.clear();
  if (index_ >= 0) {
    const auto c = doc_->value(pointer());
    if (c.is_object())
      for (const auto& [key, value] : c.items()) {
        const auto& d = dedicated_keys();
        if (std::find(d.begin(), d.end(), key) == d.end()) keys_.push_back(key);
      }
  }
  endResetModel();
}

int CandidateKeysModel::row_of(const std::string& key) const {
  const auto it = std::find(keys_.begin(), keys_.end(), key);
  return it == keys_.end() ? -1 : static_cast<int>(it - keys_.begin());
}

int CandidateKeysModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(keys_.size());
}

int CandidateKeysModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : 3;
}

QVariant CandidateKeysModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* names[] = {"key", "value", "unit (catalogue default)"};
  return names[section];
}

QVariant CandidateKeysModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || (role != Qt::DisplayRole && role != Qt::EditRole && role != Qt::ToolTipRole))
    return {};
  const std::string& key = keys_.at(static_cast<size_t>(index.row()));
  const auto platform = doc_->value(pointer() + "/platform");
  const auto* entry = platform.is_string() ? platforms::find_platform(platform.get<std::string>()) : nullptr;
  const auto* param = entry ? entry->find(key) : nullptr;
  if (role == Qt::ToolTipRole)
    return param ? QString::fromStdString(param->help + "\nsource: " + param->source) : QVariant();
  switch (index.column()) {
    case 0:
      return QString::fromStdString(key);
    case 1: {
      const auto v = doc_->value(pointer() + "/" + key);
      return v.is_string() ? field_text(v) : QString::fromStdString(v.dump());
    }
    default:
      return param ? QString::fromStdString(param->unit + " (" + param->value.dump() + ")") : QString("?");
  }
}

Qt::ItemFlags CandidateKeysModel::flags(const QModelIndex& index) const {
  auto f = QAbstractTableModel::flags(index);
  if (index.column() == 1) f |= Qt::ItemIsEditable;
  return f;
}

bool CandidateKeysModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (role != Qt::EditRole || index.column() != 1) return false;
  const std::string key = keys_.at(static_cast<size_t>(index.row()));
  auto v = field_value(value.toString());
  if (v.is_null()) v = "";  // an emptied cell stays a key with a (bad) value until the key is removed
  doc_->set_value(pointer() + "/" + key, v);
  emit dataChanged(index, index);
  return true;
}

}  // namespace servesim::gui
