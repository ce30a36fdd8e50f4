#include "gui/profile_controller.hpp"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTimer>
#include <sstream>
#ifdef Q_OS_UNIX
#include <signal.h>
#include <unistd.h>
#endif

#include "core/input_error.hpp"
#include "gui/scenario_document.hpp"
#include "gui/servesim_binary.hpp"

namespace servesim::gui {
using ojson = nlohmann::ordered_json;

QStringList profile_arguments(const QString& model_path, const models::ProfileOptions& options,
                              const QString& out_path) {
  const auto join = [](const std::vector<int>& values) {
    QStringList parts;
    for (const int v : values) parts << QString::number(v);
    return parts.join(',');
  };
  // A path that starts with '-' would read as an option.
  const QString model = model_path.startsWith('-') ? "./" + model_path : model_path;
  QStringList args{"profile",
                   model,
                   "--engine",
                   options.engine == models::EngineKind::kOrt ? "ort" : "opencv",
                   "--batch",
                   join(options.batches),
                   "--threads",
                   join(options.threads),
                   "--warmup",
                   QString::number(options.warmup),
                   "--min-reps",
                   QString::number(options.min_reps),
                   "--max-reps",
                   QString::number(options.max_reps),
                   "--max-s-per-point",
                   QString::number(options.max_s_per_point, 'g', 17),
                   "--out",
                   out_path,
                   "--progress-lines"};
  if (!options.cache_dir.empty()) args << "--cache-dir" << QString::fromStdString(options.cache_dir);
  if (!options.use_cache) args << "--no-cache";
  return args;
}

std::vector<int> parse_int_list(const QString& text, const std::string& flag) {
  const std::vector<int> values = models::parse_int_list(text.toStdString(), flag);
  // The profiler's own check (models/profiler.cpp), made here so that the dialog can show it at once.
  if (values.empty()) throw InputError(flag + ": expected a comma-separated list of positive integers");
  for (const int v : values)
    if (v <= 0) throw InputError(flag + ": expected positive integers, got " + std::to_string(v));
  return values;
}

ProfileController::ProfileController(QObject* parent) : QObject(parent) {
  binary_ = find_servesim_binary(&why_no_binary_);
}

ProfileController::~ProfileController() {
  if (!process_) return;
  process_->disconnect(this);
  cancel();
  process_->waitForFinished(5000);  // a killed child is reaped at once
}

qint64 ProfileController::child_pid() const {
  return process_ ? process_->processId() : 0;
}

QString ProfileController::scratch_folder() const {
  return scratch_ ? scratch_->path() : QString();
}

bool ProfileController::start(const QString& model_path, const models::ProfileOptions& options) {
  if (is_running()) return false;
  pending_ = std::make_unique<ProfileOutcome>();
  pending_->model_path = model_path.toStdString();
  pending_->requested_engine = options.engine == models::EngineKind::kOrt ? "ort" : "opencv";
  messages_.clear();
  stderr_buffer_.clear();
  cancelling_ = false;
  progress_value_ = progress_maximum_ = 0;
  // The CLI writes --out with a plain write: it goes to a scratch folder, read only after exit status 0.
  scratch_ = std::make_unique<QTemporaryDir>(QDir(QDir::tempPath()).filePath("servesim-profile-XXXXXX"));
  QString why = why_no_binary_;
  if (!binary_.isEmpty() && !scratch_->isValid())
    why = tr("cannot make a scratch folder for the profile: %1").arg(scratch_->errorString());
  emit started();
  if (!why.isEmpty()) {  // failed() follows started(), as for any other failure
    QTimer::singleShot(0, this, [this, why] { fail(why); });
    return true;
  }
  process_ = new QProcess(this);
  process_->setProgram(binary_);
  process_->setArguments(profile_arguments(model_path, options, scratch_->filePath("profile.json")));
  process_->setStandardOutputFile(QProcess::nullDevice());  // the summary it prints: the JSON has it all
#ifdef Q_OS_UNIX
  // Its own process group, so that cancel() also kills the ONNX Runtime bridge it starts (node).
  process_->setChildProcessModifier([] { ::setpgid(0, 0); });
#endif
  connect(process_, &QProcess::readyReadStandardError, this, &ProfileController::read_stderr);
  connect(process_, &QProcess::finished, this, &ProfileController::on_finished);
  // Queued: a failure to start is reported inside start(), before the caller is ready for failed().
  connect(process_, &QProcess::errorOccurred, this, &ProfileController::on_error, Qt::QueuedConnection);
  process_->start();
  return true;
}

void ProfileController::cancel() {
  if (!pending_ || cancelling_) return;
  cancelling_ = true;
  if (!process_ || process_->state() == QProcess::NotRunning) return;  // a queued failure turns to cancelled
#ifdef Q_OS_UNIX
  if (const qint64 pid = process_->processId(); pid > 0) ::kill(-static_cast<pid_t>(pid), SIGKILL);
#endif
  process_->kill();  // the group kill misses a child that has not called setpgid yet
}

void ProfileController::read_stderr() {
  stderr_buffer_ += process_->readAllStandardError();
  for (qsizetype nl = stderr_buffer_.indexOf('\n'); nl >= 0; nl = stderr_buffer_.indexOf('\n')) {
    handle_line(QString::fromUtf8(stderr_buffer_.left(nl)));
    stderr_buffer_.remove(0, nl + 1);
  }
}

void ProfileController::handle_line(const QString& line) {
  // `servesim profile --progress-lines` (docs/models.md): progress DONE/TOTAL NEXT, then result KIND PATH.
  static const QRegularExpression progress_line(R"(^progress (\d+)/(\d+) (.*)$)");
  static const QRegularExpression result_line(R"(^result (measured|cached) (.*)$)");
  if (const auto m = progress_line.match(line); m.hasMatch()) {
    // Step k of the profiler is value k + 1: value 0 is reading the model, before the total is known.
    progress_maximum_ = m.captured(2).toInt() + 1;
    progress_value_ = m.captured(1).toInt() + 1;
    emit progress(progress_value_, progress_maximum_, m.captured(3));
  } else if (const auto r = result_line.match(line); r.hasMatch()) {
    pending_->result.from_cache = r.captured(1) == "cached";
    pending_->result.cache_path = r.captured(2).toStdString();
  } else if (!line.trimmed().isEmpty()) {
    messages_ << line;
  }
}

void ProfileController::on_finished(int exit_code, QProcess::ExitStatus exit_status) {
  read_stderr();
  if (!stderr_buffer_.isEmpty()) handle_line(QString::fromUtf8(stderr_buffer_));
  stderr_buffer_.clear();
  if (cancelling_) {
    release();
    emit cancelled();
    return;
  }
  if (exit_status == QProcess::CrashExit) {
    fail(tr("servesim profile stopped abnormally (%1)").arg(process_->errorString()));
    return;
  }
  if (exit_code != 0) {  // its last line is the one-line error (2: bad input, 3: internal error)
    fail(messages_.isEmpty() ? tr("servesim profile exited with status %1 and no message").arg(exit_code)
                             : messages_.last());
    return;
  }
  auto outcome = std::move(pending_);
  try {
    outcome->result.profile = models::load_profile(scratch_->filePath("profile.json").toStdString());
  } catch (const std::exception& e) {
    pending_ = std::move(outcome);
    fail(QString::fromStdString(e.what()));
    return;
  }
  outcome->warnings = messages_.join('\n').toStdString();
  release();
  last_ = std::shared_ptr<const ProfileOutcome>(std::move(outcome));
  emit completed(last_);
}

void ProfileController::on_error(QProcess::ProcessError error) {
  if (error != QProcess::FailedToStart || !process_) return;  // the others end in finished()
  fail(tr("cannot run %1: %2").arg(binary_, process_->errorString()));
}

void ProfileController::fail(const QString& error) {
  const bool was_cancelled = cancelling_;
  release();
  if (was_cancelled)
    emit cancelled();
  else
    emit failed(error);
}

void ProfileController::release() {
  if (process_) {
    process_->disconnect(this);
    process_->deleteLater();  // may be in one of its signals
    process_ = nullptr;
  }
  scratch_.reset();  // removes the scratch folder and whatever the child left in it
  pending_.reset();
  cancelling_ = false;
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
