#include "gui/calibration_dialog.hpp"

#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QUrl>
#include <QVBoxLayout>
#include <cmath>

namespace servesim::gui {

namespace {

QString number(double v) {
  return QString::number(v, 'g', 5);
}

QString interval(double lo, double hi) {
  return number(lo) + " .. " + number(hi);
}

}  // namespace

CalibrationDialog::CalibrationDialog(CalibrationOutcomePtr outcome, QWidget* parent)
    : QDialog(parent), outcome_(std::move(outcome)) {
  setWindowTitle(tr("Calibration"));
  auto* layout = new QVBoxLayout(this);
  auto* summary = new QLabel(
      tr("Fitted a %1 scenario on the first part of the logs and replayed the rest: the largest error is "
         "%2%. Intervals are 95%: over the logged invocations (bootstrap) and over the simulated "
         "replications. Written to %3.")
          .arg(outcome_->platform, QString::number(outcome_->max_abs_error_pct, 'f', 1), outcome_->out_dir));
  summary->setWordWrap(true);
  layout->addWidget(summary);
  table_ = new QTableWidget(static_cast<int>(outcome_->figures.size()), 6, this);
  table_->setHorizontalHeaderLabels(
      {tr("figure"), tr("observed"), tr("observed 95%"), tr("simulated"), tr("simulated 95%"), tr("error")});
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->verticalHeader()->hide();
  for (int r = 0; r < table_->rowCount(); ++r) {
    const CalibrationFigure& f = outcome_->figures[static_cast<size_t>(r)];
    auto* name = new QTableWidgetItem(f.name);
    name->setToolTip(f.meaning + (f.unit.isEmpty() ? QString() : " [" + f.unit + "]"));
    table_->setItem(r, 0, name);
    table_->setItem(r, 1, new QTableWidgetItem(number(f.observed)));
    table_->setItem(r, 2,
                    new QTableWidgetItem(f.observed_interval ? interval(f.observed_lo, f.observed_hi)
                                                             : QStringLiteral("-")));
    table_->setItem(r, 3, new QTableWidgetItem(number(f.simulated)));
    table_->setItem(r, 4, new QTableWidgetItem(interval(f.simulated_lo, f.simulated_hi)));
    table_->setItem(
        r, 5,
        new QTableWidgetItem(std::isnan(f.error_pct) ? QStringLiteral("n/a")
                                                     : (f.error_pct >= 0 ? "+" : "") +
                                                           QString::number(f.error_pct, 'f', 1) + "%"));
  }
  table_->resizeColumnsToContents();
  layout->addWidget(table_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  auto* open = buttons->addButton(tr("Open the fitted scenario"), QDialogButtonBox::AcceptRole);
  auto* report = buttons->addButton(tr("Open the report"), QDialogButtonBox::ActionRole);
  connect(open, &QPushButton::clicked, this, [this] {
    open_scenario_ = true;
    accept();
  });
  connect(report, &QPushButton::clicked, this,
          [this] { QDesktopServices::openUrl(QUrl::fromLocalFile(outcome_->report_path())); });
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons);
  resize(820, 360);
}

}  // namespace servesim::gui
