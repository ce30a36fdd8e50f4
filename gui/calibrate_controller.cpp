#include "gui/calibrate_controller.hpp"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTimer>
#include <limits>
#include <nlohmann/json.hpp>

#include "gui/servesim_binary.hpp"

namespace servesim::gui {

QStringList calibration_logs_in(const QString& folder) {
  QStringList logs;
  const QDir dir(folder);
  for (const QFileInfo& f : dir.entryInfoList(QDir::Files | QDir::NoDotAndDotDot, QDir::Name))
    logs << f.absoluteFilePath();
  return logs;
}

QStringList calibrate_arguments(const QStringList& logs, const QString& platform, const QString& out_dir,
                                const QStringList& extra) {
  QStringList args{"calibrate"};
  for (const QString& log : logs) args << (log.startsWith('-') ? "./" + log : log);  // not read as options
  if (!platform.isEmpty()) args << "--platform" << platform;
  args << extra << "--out" << out_dir << "--quiet";
  return args;
}

namespace {

// validation.json's rows as figures, each name after `prefix`.
void append_figures(const nlohmann::json& metrics, const QString& prefix,
                    std::vector<CalibrationFigure>& out) {
  for (const auto& m : metrics) {
    CalibrationFigure f;
    f.name = prefix + QString::fromStdString(m.at("name").get<std::string>());
    f.unit = QString::fromStdString(m.value("unit", std::string()));
    f.meaning = QString::fromStdString(m.value("meaning", std::string()));
    f.observed = m.at("observed").get<double>();
    f.simulated = m.at("simulated").get<double>();
    // null: no error (an observed 0) or no interval (a single peak over the logs).
    f.error_pct = m.at("error_pct").is_number() ? m["error_pct"].get<double>()
                                                : std::numeric_limits<double>::quiet_NaN();
    const auto& ci = m.value("observed_ci95", nlohmann::json());
    if (ci.is_array() && ci.size() == 2 && ci[0].is_number() && ci[1].is_number()) {
      f.observed_interval = true;
      f.observed_lo = ci[0].get<double>();
      f.observed_hi = ci[1].get<double>();
    }
    f.simulated_lo = m.at("simulated_ci95")[0].get<double>();
    f.simulated_hi = m.at("simulated_ci95")[1].get<double>();
    out.push_back(f);
  }
}

}  // namespace

bool read_validation(const QString& path, CalibrationOutcome& outcome, QString* error) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    if (error) *error = QObject::tr("%1: cannot open it").arg(path);
    return false;
  }
  try {
    const auto doc = nlohmann::json::parse(file.readAll().toStdString());
    outcome.platform = QString::fromStdString(doc.at("platform").get<std::string>());
    outcome.max_abs_error_pct = doc.at("max_abs_error_pct").get<double>();
    outcome.figures.clear();
    // Lambda logs at several memory sizes: every size's rows, each named "<MB> MB: <figure>".
    if (doc.contains("memory_sizes"))
      for (const auto& block : doc["memory_sizes"])
        append_figures(block.at("metrics"),
                       QString::number(block.at("memory_mb").get<double>()) + " MB: ", outcome.figures);
    else
      append_figures(doc.at("metrics"), QString(), outcome.figures);
  } catch (const std::exception& e) {
    if (error)
      *error = QObject::tr("%1: not a validation.json of servesim calibrate (%2)").arg(path, e.what());
    return false;
  }
  return true;
}

CalibrateController::CalibrateController(QObject* parent) : QObject(parent) {
  binary_ = find_servesim_binary(&why_no_binary_);
}

CalibrateController::~CalibrateController() {
  if (!process_) return;
  process_->disconnect(this);
  process_->kill();
  process_->waitForFinished(5000);
}

bool CalibrateController::start(const QStringList& logs, const QString& platform, const QString& out_dir,
                                const QStringList& extra) {
  if (is_running()) return false;
  cancelling_ = false;
  out_dir_ = out_dir;
  if (binary_.isEmpty()) {
    CalibrationOutcome failed;
    failed.status = CalibrationOutcome::Status::failed;
    failed.error = why_no_binary_;
    QTimer::singleShot(0, this, [this, failed] { deliver(failed); });
    return true;
  }
  process_ = new QProcess(this);
  process_->setProgram(binary_);
  process_->setArguments(calibrate_arguments(logs, platform, out_dir, extra));
  process_->setStandardOutputFile(QProcess::nullDevice());  // the table it prints: validation.json has it
  connect(process_, &QProcess::finished, this, &CalibrateController::on_finished);
  connect(process_, &QProcess::errorOccurred, this, &CalibrateController::on_error, Qt::QueuedConnection);
  process_->start();
  return true;
}

void CalibrateController::cancel() {
  if (!process_ || cancelling_) return;
  cancelling_ = true;
  process_->kill();
}

void CalibrateController::on_finished(int exit_code, QProcess::ExitStatus exit_status) {
  CalibrationOutcome outcome;
  // Its last stderr line is the one-line error (2: bad input, 3: internal error).
  const QStringList lines =
      QString::fromUtf8(process_->readAllStandardError()).split('\n', Qt::SkipEmptyParts);
  if (cancelling_) {
    outcome.status = CalibrationOutcome::Status::cancelled;
  } else if (exit_status == QProcess::CrashExit) {
    outcome.status = CalibrationOutcome::Status::failed;
    outcome.error = tr("servesim calibrate stopped abnormally (%1)").arg(process_->errorString());
  } else if (exit_code != 0 && exit_code != 1) {  // 1: an error above --fail-above, which is not given here
    outcome.status = CalibrationOutcome::Status::failed;
    outcome.error = lines.isEmpty()
                        ? tr("servesim calibrate exited with status %1 and no message").arg(exit_code)
                        : lines.last();
  } else {
    outcome.out_dir = out_dir_;
    QString error;
    if (!read_validation(out_dir_ + "/validation.json", outcome, &error)) {
      outcome.status = CalibrationOutcome::Status::failed;
      outcome.error = error;
    }
  }
  deliver(std::move(outcome));
}

void CalibrateController::on_error(QProcess::ProcessError error) {
  if (error != QProcess::FailedToStart || !process_) return;
  CalibrationOutcome outcome;
  outcome.status = CalibrationOutcome::Status::failed;
  outcome.error = tr("cannot start %1: %2").arg(binary_, process_->errorString());
  deliver(std::move(outcome));
}

void CalibrateController::deliver(CalibrationOutcome outcome) {
  if (process_) {
    process_->disconnect(this);
    process_->deleteLater();
    process_ = nullptr;
  }
  emit finished(std::make_shared<const CalibrationOutcome>(std::move(outcome)));
}

}  // namespace servesim::gui
