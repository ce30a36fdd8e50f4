#include "gui/results_model.hpp"

namespace servesim::gui {

ResultsModel::ResultsModel(QObject* parent) : QAbstractTableModel(parent) {}

void ResultsModel::set_run(const RunOutcomePtr& outcome) {
  beginResetModel();
  outcome_ = outcome;
  checked_.assign(outcome ? outcome->results.size() : 0, true);
  endResetModel();
}

int ResultsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() || !outcome_ ? 0 : static_cast<int>(outcome_->results.size());
}

int ResultsModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumns;
}

QVariant ResultsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* names[] = {"candidate",  "platform",      "latency",       "served",      "cold starts",
                                "throttled",  "timed out",     "p50 [ms]",      "p99 [ms]",    "peak inst.",
                                "cost [USD]", "TTFT p99 [ms]", "TPOT p99 [ms]", "USD per Mtok"};
  return tr(names[section]);
}

QVariant ResultsModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || !outcome_) return {};
  const auto& r = outcome_->results.at(static_cast<size_t>(index.row()));
  if (role == Qt::CheckStateRole && index.column() == name)
    return checked_.at(static_cast<size_t>(index.row())) ? Qt::Checked : Qt::Unchecked;
  if (role == Qt::TextAlignmentRole && index.column() > latency_source)
    return int(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::ToolTipRole && index.column() == latency_source)
    return r.latency_source == "estimated"
               ? tr("Estimated: no measurement or calibration stands behind this latency")
           : r.latency_source == "calibrated" && r.llm.present
               ? tr("Calibrated on published LLM serving throughput (see docs/models/llm-serving.md)")
           : r.latency_source == "calibrated" ? tr("Calibrated on published MLPerf results (see "
                                                   "docs/models/gpu-latency.md)")
                                              : tr("Measured: the scenario's or a profile's service times");
  if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
  const auto& q = r.requests;
  switch (static_cast<Column>(index.column())) {
    case name:
      return QString::fromStdString(r.name);
    case platform:
      return QString::fromStdString(r.platform);
    case latency_source:
      return QString::fromStdString(r.latency_source);
    case served:
      return static_cast<qulonglong>(q.served);
    case cold_starts:
      return static_cast<qulonglong>(q.cold_starts);
    case throttled:
      return static_cast<qulonglong>(q.throttled);
    case timed_out:
      return static_cast<qulonglong>(q.timed_out);
    case p50_ms:
      return role == Qt::DisplayRole ? QVariant(QString::number(r.latency.quantile_s(0.5) * 1e3, 'f', 1))
                                     : QVariant(r.latency.quantile_s(0.5) * 1e3);
    case p99_ms:
      return role == Qt::DisplayRole ? QVariant(QString::number(r.latency.quantile_s(0.99) * 1e3, 'f', 1))
                                     : QVariant(r.latency.quantile_s(0.99) * 1e3);
    case peak:
      return r.instances_peak;
    case cost_usd:
      return role == Qt::DisplayRole ? QVariant(QString::number(r.cost_total_usd, 'f', 2))
                                     : QVariant(r.cost_total_usd);
    case ttft_p99_ms:
    case tpot_p99_ms: {
      if (!r.llm.present) return {};
      const auto& h = index.column() == ttft_p99_ms ? r.llm.ttft : r.llm.tpot;
      const double ms = h.quantile_s(0.99) * 1e3;
      return role == Qt::DisplayRole ? QVariant(QString::number(ms, 'f', 1)) : QVariant(ms);
    }
    case usd_per_million_tokens: {
      const double tokens = static_cast<double>(r.llm.input_tokens + r.llm.output_tokens);
      if (!r.llm.present || tokens <= 0) return {};
      const double usd = r.cost_total_usd / tokens * 1e6;
      return role == Qt::DisplayRole ? QVariant(QString::number(usd, 'f', 3)) : QVariant(usd);
    }
    default:
      return {};
  }
}

Qt::ItemFlags ResultsModel::flags(const QModelIndex& index) const {
  auto f = QAbstractTableModel::flags(index);
  if (index.column() == name) f |= Qt::ItemIsUserCheckable;
  return f;
}

bool ResultsModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (role != Qt::CheckStateRole || index.column() != name) return false;
  const bool on = value.toInt() == Qt::Checked;
  checked_.at(static_cast<size_t>(index.row())) = on;
  emit dataChanged(index, index, {Qt::CheckStateRole});
  emit checked_changed(index.row(), on);
  return true;
}

}  // namespace servesim::gui
