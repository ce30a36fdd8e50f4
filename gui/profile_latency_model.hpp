#pragma once
// The latency a profile measured: one row per (batch, threads) point with its timed runs and the mean, p50,
// p90 and p99 of one inference call in milliseconds (EditRole: the number, DisplayRole: the text).
#include <QAbstractTableModel>
#include <vector>

#include "models/model_profile.hpp"

namespace servesim::gui {

class ProfileLatencyModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { batch, threads, reps, mean_ms, p50_ms, p90_ms, p99_ms, kColumns };

  explicit ProfileLatencyModel(QObject* parent = nullptr);
  void set_points(std::vector<models::LatencyPoint> points);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  std::vector<models::LatencyPoint> points_;
};

}  // namespace servesim::gui
