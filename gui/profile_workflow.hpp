#pragma once
// File > Profile model... in the window: a file dialog for the .onnx, the options dialog (engine, batch
// sizes, threads), then `servesim profile` in a child process (ProfileController) with a non-modal progress
// dialog that follows its steps and whose Cancel kills it at once, keeping nothing. A completed profile
// opens the result dialog, whose "Use in scenario" points the scenario's model section at the saved
// profile; a failed one shows the CLI's one-line error. The window stays usable throughout.
#include <QObject>
#include <QPointer>
#include <QString>

#include "gui/model_profiler.hpp"
#include "gui/profile_controller.hpp"

class QMessageBox;
class QProgressDialog;
class QWidget;

namespace servesim::gui {

class ProfileResultDialog;
class ScenarioDocument;

class ProfileWorkflow : public ModelProfiler {
  Q_OBJECT
 public:
  ProfileWorkflow(ScenarioDocument* doc, QWidget* window);

  void ask_and_start() override;  // the file dialog, the options dialog, then start()
  // Profiles `model_path` with a progress dialog; false (nothing started) when a profile is running.
  bool start(const QString& model_path, const models::ProfileOptions& options);
  void cancel() override;
  bool is_running() const override { return controller_->is_running(); }
  QString why_unavailable() const override {
    return controller_->binary().isEmpty() ? controller_->why_no_binary() : QString();
  }
  // ProfileController::use_in_scenario with the last profile; emits scenario_changed.
  bool use_in_scenario(const QString& profile_path, bool replace_service_times, QString* error = nullptr);

  ProfileController* controller() const { return controller_; }
  QProgressDialog* progress_dialog() const;    // while profiling, else null
  ProfileResultDialog* result_dialog() const;  // the result shown, null once closed
  QMessageBox* error_box() const;              // the error shown, null once closed

 private:
  void finish();
  void show_result(const ProfileOutcomePtr& outcome);
  void show_error(const QString& error);
  ScenarioDocument* doc_;
  QWidget* window_;
  ProfileController* controller_;
  QString model_name_;
  QPointer<QProgressDialog> progress_;
  QPointer<ProfileResultDialog> result_;
  QPointer<QMessageBox> error_;
};

}  // namespace servesim::gui
