#include "gui/timeseries_model.hpp"

#include <algorithm>

namespace servesim::gui {

QString TimeseriesModel::metric_title(Metric m) {
  switch (m) {
    case arrivals_per_s:
      return tr("arrivals [1/s]");
    case instances:
      return tr("instances");
    case p50_ms:
      return tr("p50 [ms]");
    case p99_ms:
      return tr("p99 [ms]");
    case cold_starts:
      return tr("cold starts");
    case throttled:
      return tr("throttled");
    default:
      return {};
  }
}

TimeseriesModel::TimeseriesModel(QObject* parent) : QAbstractTableModel(parent) {}

void TimeseriesModel::set_run(const RunOutcomePtr& outcome) {
  beginResetModel();
  names_.clear();
  rows_.clear();
  end_min_ = 0;
  if (outcome) {
    const int n = static_cast<int>(outcome->rows.size());
    size_t length = 0;
    for (const auto& series : outcome->rows) length = std::max(length, series.size());
    for (const auto& r : outcome->results) names_ << QString::fromStdString(r.name);
    rows_.assign(length, std::vector<double>(static_cast<size_t>(1 + n * kMetrics), 0.0));
    for (int c = 0; c < n; ++c) {
      const auto& series = outcome->rows[static_cast<size_t>(c)];
      for (size_t i = 0; i < series.size(); ++i) {
        const auto& row = series[i];
        auto& out = rows_[i];
        const double width_s = row.end_s > row.start_s ? row.end_s - row.start_s : 1.0;
        out[0] = row.start_s / 60.0;
        out[static_cast<size_t>(column(c, arrivals_per_s))] =
            static_cast<double>(row.counts.arrived) / width_s;
        out[static_cast<size_t>(column(c, instances))] = row.busy_mean + row.idle_mean;
        out[static_cast<size_t>(column(c, p50_ms))] = row.p50_ms;
        out[static_cast<size_t>(column(c, p99_ms))] = row.p99_ms;
        out[static_cast<size_t>(column(c, cold_starts))] = static_cast<double>(row.counts.cold_starts);
        out[static_cast<size_t>(column(c, throttled))] = static_cast<double>(row.counts.throttled);
        end_min_ = std::max(end_min_, row.end_s / 60.0);
      }
    }
  }
  endResetModel();
}

double TimeseriesModel::value(int row, int col) const {
  return rows_.at(static_cast<size_t>(row)).at(static_cast<size_t>(col));
}

double TimeseriesModel::column_max(int col) const {
  double m = 0;
  for (const auto& r : rows_) m = std::max(m, r.at(static_cast<size_t>(col)));
  return m;
}

double TimeseriesModel::time_max_min() const {
  return end_min_;
}

int TimeseriesModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int TimeseriesModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : 1 + candidate_count() * kMetrics;
}

QVariant TimeseriesModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  const double v = value(index.row(), index.column());
  if (role == Qt::DisplayRole || role == Qt::EditRole) return v;  // the charts' mappers read DisplayRole
  if (role == Qt::TextAlignmentRole) return int(Qt::AlignRight | Qt::AlignVCenter);
  return {};
}

QVariant TimeseriesModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (role != Qt::DisplayRole) return {};
  if (orientation == Qt::Vertical) return section + 1;
  if (section == 0) return tr("t [min]");
  const int c = (section - 1) / kMetrics;
  const auto m = static_cast<Metric>((section - 1) % kMetrics);
  return names_.value(c) + "\n" + metric_title(m);
}

}  // namespace servesim::gui
