#include "gui/profile_latency_model.hpp"

namespace servesim::gui {

ProfileLatencyModel::ProfileLatencyModel(QObject* parent) : QAbstractTableModel(parent) {}

void ProfileLatencyModel::set_points(std::vector<models::LatencyPoint> points) {
  beginResetModel();
  points_ = std::move(points);
  endResetModel();
}

int ProfileLatencyModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(points_.size());
}

int ProfileLatencyModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumns;
}

QVariant ProfileLatencyModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* names[] = {"batch", "threads", "reps", "mean [ms]", "p50 [ms]", "p90 [ms]", "p99 [ms]"};
  return tr(names[section]);
}

QVariant ProfileLatencyModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  if (role == Qt::TextAlignmentRole) return int(Qt::AlignRight | Qt::AlignVCenter);
  if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
  const models::LatencyPoint& p = points_.at(static_cast<size_t>(index.row()));
  auto ms = [role](double seconds) {
    return role == Qt::DisplayRole ? QVariant(QString::number(seconds * 1e3, 'f', 3))
                                   : QVariant(seconds * 1e3);
  };
  switch (static_cast<Column>(index.column())) {
    case batch:
      return p.batch;
    case threads:
      return p.threads;
    case reps:
      return p.reps;
    case mean_ms:
      return ms(p.mean_s);
    case p50_ms:
      return ms(p.p50_s);
    case p90_ms:
      return ms(p.p90_s);
    case p99_ms:
      return ms(p.p99_s);
    default:
      return {};
  }
}

}  // namespace servesim::gui
