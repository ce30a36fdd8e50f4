#include "gui/run_controller.hpp"

#include <QPromise>
#include <QtConcurrent/QtConcurrent>
#include <chrono>

namespace servesim::gui {

RunController::RunController(QObject* parent) : QObject(parent) {
  connect(&watcher_, &QFutureWatcher<RunOutcome>::finished, this, &RunController::on_finished);
}

RunController::~RunController() {
  if (running_) {
    cancel();
    watcher_.waitForFinished();
  }
}

QString RunController::format_time(double seconds) {
  const long long s = static_cast<long long>(seconds);
  return QString("%1h %2m %3s")
      .arg(s / 3600)
      .arg((s / 60) % 60, 2, 10, QChar('0'))
      .arg(s % 60, 2, 10, QChar('0'));
}

bool RunController::start(sim::Scenario scenario) {
  if (running_) return false;
  running_ = true;
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  auto work = [](QPromise<RunOutcome>& promise, sim::Scenario sc, std::shared_ptr<std::atomic<bool>> cancel) {
    promise.setProgressRange(0, kProgressMax);
    auto last = std::chrono::steady_clock::now();
    // The engine sums over the candidates; the status bar shows the position of the mean candidate.
    const double n = static_cast<double>(std::max<size_t>(1, sc.candidates.size()));
    auto on_progress = [&](double simulated_s, double total_s) {
      simulated_s /= n;
      total_s /= n;
      if (promise.isCanceled()) cancel->store(true);  // the watcher's cancel reaches the engine
      const auto now = std::chrono::steady_clock::now();
      if (now - last < std::chrono::milliseconds(40)) return;
      last = now;
      if (total_s <= 0) {  // the replay's length is not known in advance: show the position only
        promise.setProgressValueAndText(0, format_time(simulated_s));
        return;
      }
      const int value = static_cast<int>(kProgressMax * std::min(1.0, simulated_s / total_s));
      promise.setProgressValueAndText(value, format_time(simulated_s) + " / " + format_time(total_s));
    };
    RunOutcome out = run_scenario(std::move(sc), cancel.get(), on_progress);
    if (out.status == RunOutcome::Status::completed) promise.setProgressValue(kProgressMax);
    promise.addResult(std::move(out));
  };
  watcher_.setFuture(QtConcurrent::run(work, std::move(scenario), cancel_));
  emit started();
  return true;
}

void RunController::cancel() {
  if (!running_) return;
  cancel_->store(true);
  watcher_.cancel();
}

void RunController::on_finished() {
  running_ = false;
  const bool has_result = !watcher_.isCanceled() && watcher_.future().resultCount() > 0;
  if (!has_result) {
    emit cancelled();
    return;
  }
  auto outcome = std::make_shared<const RunOutcome>(watcher_.result());
  switch (outcome->status) {
    case RunOutcome::Status::completed:
      last_ = outcome;
      emit completed(outcome);
      break;
    case RunOutcome::Status::cancelled:
      emit cancelled();
      break;
    case RunOutcome::Status::failed:
      emit failed(QString::fromStdString(outcome->error));
      break;
  }
}

}  // namespace servesim::gui
