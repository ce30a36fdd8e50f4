#pragma once
// Profiles an ONNX model in a child process: `servesim profile MODEL --engine E --batch B --threads T ...
// --out SCRATCH.json --progress-lines` (QProcess), so that what is measured, peak RSS included, is what the
// CLI measures (OpenCV DNN runs in the profiling process: in-process, the peak RSS would include the app's
// own ~110 MB). The child's `progress DONE/TOTAL NEXT` lines on stderr drive progress(); its profile is read
// from a scratch folder once it exits with status 0. cancel() kills the child (and the ORT bridge it started)
// at once; the scratch folder goes with it, so nothing is kept. A failed profile delivers the CLI's one-line
// error as it printed it. The servesim binary is found once, at construction (find_servesim_binary).
#include <QObject>
#include <QProcess>
#include <QString>
#include <memory>
#include <string>
#include <vector>

#include "gui/servesim_binary.hpp"
#include "models/profiler.hpp"

class QTemporaryDir;

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

// The arguments of `servesim profile` for these options (engine, batches, threads, repetitions, cache folder,
// --no-cache), writing the profile to `out_path`, with --progress-lines.
QStringList profile_arguments(const QString& model_path, const models::ProfileOptions& options,
                              const QString& out_path);

// A comma-separated list of positive integers ("1,2,4"), read as `servesim profile --batch/--threads` reads
// it; throws InputError naming `flag` and the text.
std::vector<int> parse_int_list(const QString& text, const std::string& flag);

class ProfileController : public QObject {
  Q_OBJECT
 public:
  explicit ProfileController(QObject* parent = nullptr);
  ~ProfileController() override;  // kills a profile in progress

  // The servesim binary the profile runs (empty when none was found: why_no_binary() says why).
  const QString& binary() const { return binary_; }
  const QString& why_no_binary() const { return why_no_binary_; }

  // Starts `servesim profile` on the model; false when a profile is already running. The options'
  // on_progress, cancel and seed are not used (the CLI has its own). Without a binary it fails at once.
  bool start(const QString& model_path, const models::ProfileOptions& options);
  void cancel();  // kills the child now; cancelled() follows once it is reaped
  bool is_running() const { return pending_ != nullptr; }
  bool is_cancelling() const { return pending_ && cancelling_; }
  qint64 child_pid() const;        // the running child's process id, 0 when none
  QString scratch_folder() const;  // where the child writes the profile while it runs; empty when none
  // Progress as the progress dialog shows it: 0..0 (busy) while the model is read, then step k of the
  // profiler is value k + 1 of maximum TOTAL + 1.
  int progress_value() const { return progress_value_; }
  int progress_maximum() const { return progress_maximum_; }
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
  void progress(int value, int maximum, const QString& step);  // step: what is under way
  void completed(servesim::gui::ProfileOutcomePtr outcome);
  void failed(const QString& error);
  void cancelled();

 private:
  void read_stderr();
  void handle_line(const QString& line);
  void on_finished(int exit_code, QProcess::ExitStatus exit_status);
  void on_error(QProcess::ProcessError error);
  void fail(const QString& error);
  void release();  // deletes the child and the scratch folder
  QString binary_;
  QString why_no_binary_;
  QProcess* process_ = nullptr;
  std::unique_ptr<QTemporaryDir> scratch_;
  std::unique_ptr<ProfileOutcome> pending_;  // the outcome being built
  QByteArray stderr_buffer_;                 // a partial stderr line
  QStringList messages_;                     // stderr lines that are not progress: warnings, the error
  bool cancelling_ = false;
  int progress_value_ = 0;
  int progress_maximum_ = 0;
  ProfileOutcomePtr last_;
};

}  // namespace servesim::gui
