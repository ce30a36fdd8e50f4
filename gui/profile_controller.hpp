#pragma once
// Profiles an ONNX model in a worker thread (QtConcurrent::run with a QPromise, watched by a QFutureWatcher),
// with the same call, defaults and cache as `servesim profile` (models::profile_model). The watcher's
// progress counts the profiler's steps (reading the model, creating the session, then one per (batch,
// threads) point; its range is 0..0 until the model is read) with the step under way as its text.
// cancel() takes effect before the next step: the point being measured is not interrupted (it ends after
// at most max_reps runs, or max_s_per_point seconds once min_reps are done). Results cross back to the GUI
// thread through the watcher's signals; a cancelled or failed profile delivers no profile.
#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "models/profiler.hpp"

namespace servesim::gui {

class ScenarioDocument;

struct ProfileOutcome {
  enum class Status { completed, cancelled, failed };
  Status status = Status::completed;
  std::string model_path;
  std::string requested_engine;  // "ort" or "opencv", as asked for
  std::string error;             // failed: the one-line error, as `servesim profile` prints it
  std::string warnings;          // the profiler's warnings (ORT missing: fell back to OpenCV DNN)
  models::ProfileResult result;  // completed: the profile, whether it came from the cache, where it is cached
};

using ProfileOutcomePtr = std::shared_ptr<const ProfileOutcome>;

// Profiles the model (models::profile_model, as `servesim profile` does). Never throws.
ProfileOutcome profile_onnx(const std::string& model_path, const models::ProfileOptions& options);

// A comma-separated list of positive integers ("1,2,4"), read as `servesim profile --batch/--threads` reads
// it; throws InputError naming `flag` and the text.
std::vector<int> parse_int_list(const QString& text, const std::string& flag);

class ProfileController : public QObject {
  Q_OBJECT
 public:
  explicit ProfileController(QObject* parent = nullptr);
  ~ProfileController() override;  // cancels a profile in progress and waits for its current step

  // Starts profiling; false when a profile is already running.
  bool start(const QString& model_path, models::ProfileOptions options);
  void cancel();
  bool is_running() const { return running_; }
  bool is_cancelling() const { return running_ && cancel_ && cancel_->load(); }
  QFutureWatcher<ProfileOutcome>* watcher() { return &watcher_; }
  const ProfileOutcomePtr& last() const { return last_; }  // the last completed profile (null before)

  // Writes the last profile as JSON (what `servesim profile --out FILE` writes). false with the one-line
  // error when there is no profile or the file cannot be written.
  bool save_last(const QString& profile_path, QString* error) const;
  // Saves the last profile to `profile_path` and points the scenario's "model" section at it:
  // {"profile": path relative to the scenario's folder} (absolute for an untitled scenario), keeping a
  // "load" key that the profile can serve. With `replace_service_times` it also removes the service fields
  // that the profile gives (warm, parallel_fraction, cold_start.model_load, cold_start.model_size_mb), which
  // would otherwise win over it. Every change goes through ScenarioDocument::set_value.
  bool use_in_scenario(ScenarioDocument* doc, const QString& profile_path, bool replace_service_times,
                       QString* error) const;
  // Where use_in_scenario saves by default: "<model name>.profile.json" in the scenario's folder (the
  // model's folder for an untitled scenario).
  QString suggested_profile_path(const ScenarioDocument& doc) const;

 signals:
  void started();
  void completed(servesim::gui::ProfileOutcomePtr outcome);
  void failed(const QString& error);
  void cancelled();

 private:
  void on_finished();
  QFutureWatcher<ProfileOutcome> watcher_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  ProfileOutcomePtr last_;
  bool running_ = false;
};

}  // namespace servesim::gui
