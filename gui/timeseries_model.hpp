#pragma once
// The run's time series as a table, one row per interval: column 0 is the interval's start [min], then
// kMetrics columns per candidate (arrivals/s, instances, p50, p99, cold starts, throttles). The time-series
// table and the charts read this same model (the charts through QVXYModelMapper).
#include <QAbstractTableModel>
#include <QStringList>
#include <vector>

#include "gui/run_outcome.hpp"

namespace servesim::gui {

class TimeseriesModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Metric { arrivals_per_s, instances, p50_ms, p99_ms, cold_starts, throttled, kMetrics };
  static QString metric_title(Metric m);  // with its unit

  explicit TimeseriesModel(QObject* parent = nullptr);
  void set_run(const RunOutcomePtr& outcome);  // null clears
  void clear() { set_run(nullptr); }

  int candidate_count() const { return static_cast<int>(names_.size()); }
  const QStringList& candidate_names() const { return names_; }
  static int column(int candidate, Metric m) { return 1 + candidate * kMetrics + m; }
  double value(int row, int column) const;
  double column_max(int column) const;  // 0 for an empty model
  double time_max_min() const;          // end of the last interval [min]

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  QStringList names_;
  std::vector<std::vector<double>> rows_;  // [row][column]
  double end_min_ = 0;
};

}  // namespace servesim::gui
