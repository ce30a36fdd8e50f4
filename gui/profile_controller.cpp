#include "gui/profile_controller.hpp"

#include <QDir>
#include <QFileInfo>
#include <QPromise>
#include <QtConcurrent/QtConcurrent>
#include <sstream>

#include "gui/scenario_document.hpp"
#include "sim/input_error.hpp"

namespace servesim::gui {
using ojson = nlohmann::ordered_json;

ProfileOutcome profile_onnx(const std::string& model_path, const models::ProfileOptions& options) {
  ProfileOutcome out;
  out.model_path = model_path;
  out.requested_engine = options.engine == models::EngineKind::kOrt ? "ort" : "opencv";
  std::ostringstream warnings;
  try {
    out.result = models::profile_model(model_path, options, warnings);
  } catch (const models::ProfileCancelled&) {
    out.status = ProfileOutcome::Status::cancelled;
  } catch (const InputError& e) {
    out.status = ProfileOutcome::Status::failed;
    out.error = e.what();
  } catch (const std::exception& e) {  // what `servesim profile` calls an internal error (exit status 3)
    out.status = ProfileOutcome::Status::failed;
    out.error = std::string("internal error: ") + e.what();
  }
  out.warnings = warnings.str();
  return out;
}

std::vector<int> parse_int_list(const QString& text, const std::string& flag) {
  const std::string given = text.toStdString();
  std::vector<int> values;
  std::stringstream in(given);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      std::size_t used = 0;
      values.push_back(std::stoi(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw InputError(flag + ": expected a comma-separated list of integers such as 1,2,4, got '" + given +
                       "'");
    }
  }
  // The profiler's own check (models/profiler.cpp), made here so that the dialog can show it at once.
  if (values.empty()) throw InputError(flag + ": expected a comma-separated list of positive integers");
  for (const int v : values)
    if (v <= 0) throw InputError(flag + ": expected positive integers, got " + std::to_string(v));
  return values;
}

ProfileController::ProfileController(QObject* parent) : QObject(parent) {
  connect(&watcher_, &QFutureWatcher<ProfileOutcome>::finished, this, &ProfileController::on_finished);
}

ProfileController::~ProfileController() {
  if (running_) {
    cancel();
    watcher_.waitForFinished();
  }
}

bool ProfileController::start(const QString& model_path, models::ProfileOptions options) {
  if (running_) return false;
  running_ = true;
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  auto work = [](QPromise<ProfileOutcome>& promise, std::string path, models::ProfileOptions o,
                 std::shared_ptr<std::atomic<bool>> cancel) {
    o.cancel = cancel.get();
    // Step k of the profiler is progress k + 1: 0 is reading and inspecting the model, before the total is
    // known (QFutureInterface only reports a value above the last one).
    o.on_progress = [&promise, &cancel](int done, int total, const std::string& next) {
      if (promise.isCanceled()) cancel->store(true);  // the watcher's cancel reaches the profiler
      if (done == 0) promise.setProgressRange(0, total + 1);
      promise.setProgressValueAndText(done + 1, QString::fromStdString(next));
    };
    promise.addResult(profile_onnx(path, o));
  };
  watcher_.setFuture(QtConcurrent::run(work, model_path.toStdString(), std::move(options), cancel_));
  emit started();
  return true;
}

void ProfileController::cancel() {
  if (!running_) return;
  cancel_->store(true);
  watcher_.cancel();
}

void ProfileController::on_finished() {
  running_ = false;
  const bool has_result = !watcher_.isCanceled() && watcher_.future().resultCount() > 0;
  if (!has_result) {
    emit cancelled();
    return;
  }
  auto outcome = std::make_shared<const ProfileOutcome>(watcher_.result());
  switch (outcome->status) {
    case ProfileOutcome::Status::completed:
      last_ = outcome;
      emit completed(outcome);
      break;
    case ProfileOutcome::Status::cancelled:
      emit cancelled();
      break;
    case ProfileOutcome::Status::failed:
      emit failed(QString::fromStdString(outcome->error));
      break;
  }
}

bool ProfileController::save_last(const QString& profile_path, QString* error) const {
  if (!last_) {
    if (error) *error = tr("no profile yet: profile a model first");
    return false;
  }
  if (profile_path.trimmed().isEmpty()) {
    if (error) *error = tr("give the file to save the profile in");
    return false;
  }
  try {
    models::save_profile(last_->result.profile, profile_path.toStdString());
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
  return true;
}

bool ProfileController::use_in_scenario(ScenarioDocument* doc, const QString& profile_path,
                                        bool replace_service_times, QString* error) const {
  if (!save_last(profile_path, error)) return false;
  // Paths in a scenario start at its folder (docs/scenario.md); an untitled one has none yet.
  QString given = QFileInfo(profile_path).absoluteFilePath();
  if (!doc->path().isEmpty()) given = QFileInfo(doc->path()).absoluteDir().relativeFilePath(given);
  ojson section{{"profile", given.toStdString()}};
  const ojson load = doc->value("/model/load");
  if (load == "plain" || (load == "optimized" && last_->result.profile.load_optimized_s))
    section["load"] = load;
  doc->set_value("/model", section);
  if (!replace_service_times) return true;
  for (const char* pointer : {"/service/warm", "/service/parallel_fraction", "/service/cold_start/model_load",
                              "/service/cold_start/model_size_mb"})
    doc->set_value(pointer, nullptr);
  for (const char* pointer : {"/service/cold_start", "/service"})
    if (const ojson rest = doc->value(pointer); rest.is_object() && rest.empty())
      doc->set_value(pointer, nullptr);
  return true;
}

QString ProfileController::suggested_profile_path(const ScenarioDocument& doc) const {
  if (!last_) return {};
  const QFileInfo model(QString::fromStdString(last_->model_path));
  const QDir dir = doc.path().isEmpty() ? model.absoluteDir() : QFileInfo(doc.path()).absoluteDir();
  return dir.filePath(model.completeBaseName() + ".profile.json");
}

}  // namespace servesim::gui
