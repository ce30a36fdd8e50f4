#pragma once
// The result of File > Calibrate from logs...: observed vs simulated over the held-out logs, with their 95%
// intervals and the error of each figure (validation.json), and buttons to open the fitted scenario in the
// window or the validation report in a browser.
#include <QDialog>

#include "gui/calibrate_controller.hpp"

class QTableWidget;

namespace servesim::gui {

class CalibrationDialog : public QDialog {
  Q_OBJECT
 public:
  CalibrationDialog(CalibrationOutcomePtr outcome, QWidget* parent = nullptr);
  QTableWidget* table() const { return table_; }
  // True when the dialog was closed with "Open the fitted scenario".
  bool open_scenario_chosen() const { return open_scenario_; }

 private:
  CalibrationOutcomePtr outcome_;
  QTableWidget* table_ = nullptr;
  bool open_scenario_ = false;
};

}  // namespace servesim::gui
