#pragma once
// One row per candidate of the last run: what its latency rests on (measured, calibrated, estimated), served,
// cold starts, throttled, timed out, p50, p99, peak instances, cost, and for a language model served token by
// token the p99 time to first token, p99 time per output token and USD per million tokens (empty for other
// candidates). The first column is checkable: the charts show the checked candidates. The cost chart reads
// the cost column through a QVBarModelMapper.
#include <QAbstractTableModel>
#include <vector>

#include "gui/run_outcome.hpp"

namespace servesim::gui {

class ResultsModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column {
    name,
    platform,
    latency_source,
    served,
    cold_starts,
    throttled,
    timed_out,
    p50_ms,
    p99_ms,
    peak,
    cost_usd,
    ttft_p99_ms,
    tpot_p99_ms,
    usd_per_million_tokens,
    kColumns
  };

  explicit ResultsModel(QObject* parent = nullptr);
  void set_run(const RunOutcomePtr& outcome);  // null clears
  bool is_checked(int row) const { return checked_.at(static_cast<size_t>(row)); }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;

 signals:
  void checked_changed(int row, bool checked);

 private:
  RunOutcomePtr outcome_;
  std::vector<bool> checked_;
};

}  // namespace servesim::gui
