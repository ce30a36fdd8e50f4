#pragma once
// Runs a scenario in a worker thread (QtConcurrent::run with a QPromise, watched by a QFutureWatcher) so the
// window never freezes. The watcher's progress drives the progress bar (per mille of simulated time, with
// the simulated position as its text); cancel() stops the engine within 65,536 events. Results cross back
// to the GUI thread through the watcher's signals; a cancelled or failed run delivers no results.
#include <QFutureWatcher>
#include <QObject>
#include <atomic>
#include <memory>

#include "gui/run_outcome.hpp"

namespace servesim::gui {

class RunController : public QObject {
  Q_OBJECT
 public:
  explicit RunController(QObject* parent = nullptr);
  ~RunController() override;  // cancels a run in progress and waits for it

  // Starts a run; false when one is already running.
  bool start(sim::Scenario scenario);
  void cancel();
  bool is_running() const { return running_; }
  QFutureWatcher<RunOutcome>* watcher() { return &watcher_; }
  const RunOutcomePtr& last() const { return last_; }  // the last completed run (null before)

  static constexpr int kProgressMax = 1000;
  static QString format_time(double seconds);  // "2h 05m 09s"

 signals:
  void started();
  void completed(servesim::gui::RunOutcomePtr outcome);
  void failed(const QString& error);
  void cancelled();

 private:
  void on_finished();
  QFutureWatcher<RunOutcome> watcher_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  RunOutcomePtr last_;
  bool running_ = false;
};

}  // namespace servesim::gui
