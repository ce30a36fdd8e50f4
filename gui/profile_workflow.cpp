#include "gui/profile_workflow.hpp"

#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>

#include "gui/profile_options_dialog.hpp"
#include "gui/profile_result_dialog.hpp"
#include "gui/scenario_document.hpp"

namespace servesim::gui {

ProfileWorkflow::ProfileWorkflow(ScenarioDocument* doc, QWidget* window)
    : ModelProfiler(window), doc_(doc), window_(window), controller_(new ProfileController(this)) {
  connect(controller_, &ProfileController::completed, this, [this](const ProfileOutcomePtr& outcome) {
    finish();
    show_result(outcome);
  });
  connect(controller_, &ProfileController::failed, this, [this](const QString& error) {
    finish();
    show_error(error);
  });
  connect(controller_, &ProfileController::cancelled, this, [this] {
    finish();
    emit status(tr("Profiling cancelled: nothing was kept"));
  });
  connect(controller_, &ProfileController::progress, this,
          [this](int value, int maximum, const QString& step) {
            if (!progress_ || controller_->is_cancelling()) return;
            progress_->setRange(0, maximum);
            progress_->setValue(value);
            progress_->setLabelText(tr("Profiling %1: %2").arg(model_name_, step));
          });
}

QProgressDialog* ProfileWorkflow::progress_dialog() const {
  return progress_;
}

ProfileResultDialog* ProfileWorkflow::result_dialog() const {
  return result_;
}

QMessageBox* ProfileWorkflow::error_box() const {
  return error_;
}

void ProfileWorkflow::ask_and_start() {
  if (is_running()) return;
  const QString folder = doc_->path().isEmpty() ? QString() : QFileInfo(doc_->path()).absolutePath();
  const QString path = QFileDialog::getOpenFileName(window_, tr("Profile an ONNX model"), folder,
                                                    tr("ONNX models (*.onnx);;All files (*)"));
  if (path.isEmpty()) return;
  ProfileOptionsDialog dialog(path, window_);
  if (dialog.exec() != QDialog::Accepted) return;
  start(path, dialog.options());
}

bool ProfileWorkflow::start(const QString& model_path, const models::ProfileOptions& options) {
  if (!controller_->start(model_path, options)) return false;
  model_name_ = QFileInfo(model_path).fileName();
  const QString engine = options.engine == models::EngineKind::kOrt ? "ort" : "opencv";
  // Range 0..0 (busy) until the profiler has read the model and knows how many steps it takes.
  auto* dialog = new QProgressDialog(tr("Profiling %1 with %2: reading the model").arg(model_name_, engine),
                                     tr("Cancel"), 0, 0, window_);
  dialog->setObjectName("profileProgress");
  dialog->setWindowTitle(tr("Profile model"));
  dialog->setWindowModality(Qt::NonModal);  // the window stays usable
  dialog->setAutoClose(false);
  dialog->setAutoReset(false);
  dialog->setMinimumDuration(0);
  auto* label = new QLabel(dialog);  // long lines (the cancel note) wrap instead of widening the dialog
  label->setWordWrap(true);
  dialog->setLabel(label);
  dialog->setLabelText(tr("Profiling %1 with %2: reading the model").arg(model_name_, engine));
  dialog->setFixedWidth(480);
  // Cancel kills the profiling process; the dialog goes once it has ended (at once).
  QObject::disconnect(dialog, &QProgressDialog::canceled, dialog, nullptr);
  connect(dialog, &QProgressDialog::canceled, this, &ProfileWorkflow::cancel);
  progress_ = dialog;
  dialog->show();
  emit running_changed(true);
  emit status(tr("Profiling %1 with %2...").arg(model_name_, engine));
  return true;
}

void ProfileWorkflow::cancel() {
  if (!is_running() || controller_->is_cancelling()) return;
  controller_->cancel();
  if (progress_) {
    progress_->setLabelText(tr("Cancelling: stopping servesim profile..."));
    if (auto* button = progress_->findChild<QPushButton*>()) button->setEnabled(false);
  }
  emit status(tr("Cancelling the profile..."));
}

void ProfileWorkflow::finish() {
  if (progress_) {
    progress_->hide();  // not close(): QProgressDialog's close emits canceled()
    progress_->deleteLater();
    progress_.clear();
  }
  emit running_changed(false);
}

void ProfileWorkflow::show_result(const ProfileOutcomePtr& outcome) {
  if (result_) result_->close();
  auto* dialog = new ProfileResultDialog(outcome, controller_->suggested_profile_path(*doc_), window_);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  connect(dialog, &ProfileResultDialog::save_requested, this, [this, dialog](const QString& path) {
    QString error;
    if (controller_->save_last(path, &error))
      dialog->show_message(tr("Saved %1").arg(path), false);
    else
      dialog->show_message(error, true);
  });
  connect(dialog, &ProfileResultDialog::use_requested, this,
          [this, dialog](const QString& path, bool replace_service_times) {
            QString error;
            if (use_in_scenario(path, replace_service_times, &error))
              dialog->show_message(tr("The scenario's model section now reads %1").arg(path), false);
            else
              dialog->show_message(error, true);
          });
  result_ = dialog;
  dialog->show();
  const auto& p = outcome->result.profile;
  emit status(tr("Profiled %1 with %2%3")
                  .arg(model_name_, QString::fromStdString(p.engine),
                       outcome->result.from_cache ? tr(" (cached)") : QString()));
}

void ProfileWorkflow::show_error(const QString& error) {
  if (error_) error_->close();
  auto* box = new QMessageBox(QMessageBox::Warning, tr("Profile model"), error, QMessageBox::Ok, window_);
  box->setObjectName("profileError");
  box->setAttribute(Qt::WA_DeleteOnClose);
  error_ = box;
  box->open();  // not exec(): no nested event loop
  emit status(tr("Profiling failed: %1").arg(error));
}

bool ProfileWorkflow::use_in_scenario(const QString& profile_path, bool replace_service_times,
                                      QString* error) {
  if (!controller_->use_in_scenario(doc_, profile_path, replace_service_times, error)) return false;
  emit scenario_changed();
  emit status(tr("The scenario's model section reads the profile %1").arg(profile_path));
  return true;
}

ModelProfiler* make_model_profiler(ScenarioDocument* doc, QWidget* window) {
  return new ProfileWorkflow(doc, window);
}

}  // namespace servesim::gui
