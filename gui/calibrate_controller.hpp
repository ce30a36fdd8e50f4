#pragma once
// File > Calibrate from logs...: runs `servesim calibrate LOGS... [--platform P] --out DIR --quiet` in a
// child process (QProcess), so that the fit and the held-out validation are exactly the CLI's
// (docs/calibrate.md), then reads DIR/validation.json for the comparison the app shows. cancel() kills the
// child; the CLI writes DIR whole or not at all, so nothing is left. A failed calibration delivers the CLI's
// one-line error as it printed it.
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <memory>
#include <vector>

namespace servesim::gui {

// One row of validation.json's "metrics": observed vs simulated over the held-out logs.
struct CalibrationFigure {
  QString name, unit, meaning;
  double observed = 0, simulated = 0, error_pct = 0;
  bool observed_interval = false;  // false: the logs give no interval for it (a single peak)
  double observed_lo = 0, observed_hi = 0, simulated_lo = 0, simulated_hi = 0;
};

struct CalibrationOutcome {
  enum class Status { completed, cancelled, failed };
  Status status = Status::completed;
  QString error;    // failed: the one-line error
  QString out_dir;  // completed: the folder the CLI wrote
  QString platform;
  std::vector<CalibrationFigure> figures;
  double max_abs_error_pct = 0;
  QString scenario_path() const { return out_dir + "/scenario.json"; }
  QString report_path() const { return out_dir + "/validation.html"; }
};

using CalibrationOutcomePtr = std::shared_ptr<const CalibrationOutcome>;

// The log files of a folder: its regular, non-hidden files, by name (what File > Calibrate passes as LOGS).
QStringList calibration_logs_in(const QString& folder);
// The arguments of `servesim calibrate`; an empty platform leaves --platform out (the CLI tells it from the
// files).
QStringList calibrate_arguments(const QStringList& logs, const QString& platform, const QString& out_dir,
                                const QStringList& extra = {});
// Reads validation.json into `outcome` (platform, figures, max_abs_error_pct); false with why in `error`.
// Lambda logs at several memory sizes give every size's rows, named "<MB> MB: <figure>".
bool read_validation(const QString& path, CalibrationOutcome& outcome, QString* error);

class CalibrateController : public QObject {
  Q_OBJECT
 public:
  explicit CalibrateController(QObject* parent = nullptr);
  ~CalibrateController() override;  // kills a calibration in progress

  const QString& binary() const { return binary_; }
  const QString& why_no_binary() const { return why_no_binary_; }
  // Starts the calibration; false when one is already running. Without a binary, finished() reports the
  // failure at once.
  // `extra`: more options for the command (--gpu, --tensor-parallel for vLLM's metrics).
  bool start(const QStringList& logs, const QString& platform, const QString& out_dir,
             const QStringList& extra = {});
  void cancel();
  bool is_running() const { return process_ != nullptr; }

 signals:
  void finished(servesim::gui::CalibrationOutcomePtr outcome);

 private:
  void on_finished(int exit_code, QProcess::ExitStatus exit_status);
  void on_error(QProcess::ProcessError error);
  void deliver(CalibrationOutcome outcome);
  QString binary_;
  QString why_no_binary_;
  QProcess* process_ = nullptr;
  QString out_dir_;
  bool cancelling_ = false;
};

}  // namespace servesim::gui
