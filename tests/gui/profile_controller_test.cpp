// Profile model...: a generated ONNX model is profiled by `servesim profile` in a child process
// ($SERVESIM_BIN) with OpenCV DNN (always built), with progress from its --progress-lines, and the result can
// become the scenario's model section; its peak RSS is the CLI's, not the app's; a file that is not ONNX
// gives the CLI's one-line error; cancel, and closing the window while profiling, kill the child at once and
// keep nothing.
#include "gui/profile_controller.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProcess>
#include <QProgressDialog>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>
#include <cerrno>
#include <cmath>
#include <csignal>

#include "gui/main_window.hpp"
#include "gui/profile_latency_model.hpp"
#include "gui/profile_options_dialog.hpp"
#include "gui/profile_result_dialog.hpp"
#include "gui/profile_workflow.hpp"
#include "gui/scenario_form.hpp"
#include "gui_test_support.hpp"
#include "models/model_generator.hpp"

using namespace servesim;
using namespace servesim::gui;

namespace {

// The window's profiler, as the workflow this build has (models/ is built: this test needs it).
ProfileWorkflow* workflow(const MainWindow& w) {
  return qobject_cast<ProfileWorkflow*>(w.profiler());
}

// The ResNet-style CNN at its small preset (0.44 M parameters, ~2 ms per inference): OpenCV DNN runs it.
QString small_cnn(const QTemporaryDir& dir) {
  const QString path = dir.filePath("cnn.onnx");
  models::GenerateOptions options;
  options.kind = models::ModelKind::kImageCnn;
  models::generate_model(options, path.toStdString());
  return path;
}

// `servesim profile --engine opencv --batch <batches> --threads 1`, with few repetitions to stay fast, and a
// cache in the test's folder (the child gets it as --cache-dir).
models::ProfileOptions quick(const QTemporaryDir& dir, std::vector<int> batches) {
  models::ProfileOptions o;
  o.engine = models::EngineKind::kOpenCv;
  o.batches = std::move(batches);
  o.threads = {1};
  o.warmup = 1;
  o.min_reps = 3;
  o.max_reps = 5;
  o.cache_dir = dir.filePath("cache").toStdString();
  return o;
}

// Whether a process with this id is still there (QProcess has reaped it once it reported its end).
bool is_alive(qint64 pid) {
  return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH);
}

// This process's resident memory now, in MB (VmRSS).
double own_rss_mb() {
  QFile status("/proc/self/status");
  if (!status.open(QIODevice::ReadOnly)) return 0;
  for (const QByteArray& line : status.readAll().split('\n'))
    if (line.startsWith("VmRSS:")) return line.mid(6).trimmed().split(' ').front().toDouble() / 1024.0;
  return 0;
}

// What `servesim profile MODEL ... --no-cache --json` (the CLI run by hand, with `options`) measures.
models::ModelProfile profile_with_cli(const QString& model, const models::ProfileOptions& options) {
  QProcess cli;
  QTemporaryDir scratch;
  QStringList args = profile_arguments(model, options, scratch.filePath("profile.json"));
  args.removeAll("--progress-lines");
  args << "--no-cache"
       << "--json";
  cli.start(find_servesim_binary(), args);
  if (!cli.waitForFinished(60000) || cli.exitCode() != 0)
    throw std::runtime_error("servesim profile failed: " + cli.readAllStandardError().toStdString());
  return models::profile_from_json(nlohmann::json::parse(cli.readAllStandardOutput().toStdString()), "cli");
}

}  // namespace

class ProfileControllerTest : public QObject {
  Q_OBJECT
 private slots:
  void a_generated_model_is_profiled_with_opencv_by_the_cli_and_reports_progress() {
    QTemporaryDir dir;
    const QString model = small_cnn(dir);
    ProfileController c;
    QVERIFY2(!c.binary().isEmpty(), qPrintable(c.why_no_binary()));  // $SERVESIM_BIN, from CTest
    QSignalSpy completed(&c, &ProfileController::completed);
    QSignalSpy progress(&c, &ProfileController::progress);
    QVERIFY(c.start(model, quick(dir, {1, 2})));
    QVERIFY(c.is_running());
    QVERIFY(c.child_pid() > 0);                 // a child process measures, not this one
    QVERIFY(!c.start(model, quick(dir, {1})));  // one at a time
    QTRY_COMPARE_WITH_TIMEOUT(completed.count(), 1, 60000);
    QVERIFY(!c.is_running());

    const ProfileOutcomePtr& out = c.last();
    QVERIFY(out);
    QCOMPARE(int(out->status), int(ProfileOutcome::Status::completed));
    QCOMPARE(out->requested_engine, std::string("opencv"));
    QVERIFY2(out->warnings.empty(), out->warnings.c_str());
    const models::ModelProfile& p = out->result.profile;
    QCOMPARE(p.engine, std::string("opencv-dnn"));
    QVERIFY(!out->result.from_cache);
    QVERIFY(p.load_s > 0);
    QVERIFY(p.first_inference_s > 0);
    QVERIFY(p.cores >= 1);
    QCOMPARE(p.latency.size(), size_t(2));
    for (size_t i = 0; i < 2; ++i) {
      const models::LatencyPoint& point = p.latency[i];
      QCOMPARE(point.batch, int(i + 1));
      QCOMPARE(point.threads, 1);
      QVERIFY(point.reps >= 3 && point.reps <= 5);
      QVERIFY(point.p50_s > 0);
      QVERIFY(point.p99_s >= point.p50_s);
    }
    QVERIFY(QFile::exists(QString::fromStdString(out->result.cache_path)));  // cached as the CLI caches it
    QVERIFY(c.scratch_folder().isEmpty());  // the --out file was read, and its folder removed

    // Progress counted the child's steps: reading, the session, batch 1, batch 2; the last one was reported.
    QCOMPARE(progress.count(), 4);  // the session, batch 1, batch 2, done
    QCOMPARE(progress.at(1).at(2).toString(), QString("batch 1, 1 thread"));
    QCOMPARE(progress.at(2).at(2).toString(), QString("batch 2, 1 thread"));
    QCOMPARE(progress.last().at(0).toInt(), 4);
    QCOMPARE(progress.last().at(1).toInt(), 4);
    QCOMPARE(c.progress_value(), 4);
    QCOMPARE(c.progress_maximum(), 4);

    // The result dialog's table reads the profile.
    ProfileLatencyModel table;
    table.set_points(p.latency);
    QCOMPARE(table.rowCount(), 2);
    QCOMPARE(table.data(table.index(1, ProfileLatencyModel::batch), Qt::DisplayRole).toInt(), 2);
    QVERIFY(table.data(table.index(0, ProfileLatencyModel::p50_ms), Qt::EditRole).toDouble() > 0);
    const QString summary = profile_summary(*out);
    QVERIFY2(summary.contains("Engine: opencv-dnn") && summary.contains("Machine: ") &&
                 summary.contains("measured now"),
             qPrintable(summary));

    // The same request again comes from the cache.
    QVERIFY(c.start(model, quick(dir, {1, 2})));
    QTRY_COMPARE_WITH_TIMEOUT(completed.count(), 2, 60000);
    QVERIFY(c.last()->result.from_cache);
    QVERIFY(profile_summary(*c.last()).contains("cached profile"));
  }

  void ort_falls_back_to_opencv_with_the_cli_warning() {
    QTemporaryDir dir;
    const QString model = small_cnn(dir);
    QVERIFY(QDir().mkpath(dir.filePath("empty-bridge")));
    qputenv("SERVESIM_ORT_BRIDGE_DIR", dir.filePath("empty-bridge").toUtf8());  // no bridge.js there
    ProfileController c;
    QSignalSpy completed(&c, &ProfileController::completed);
    auto options = quick(dir, {1});
    options.engine = models::EngineKind::kOrt;
    QVERIFY(c.start(model, options));
    QTRY_COMPARE_WITH_TIMEOUT(completed.count(), 1, 60000);
    qunsetenv("SERVESIM_ORT_BRIDGE_DIR");
    const ProfileOutcomePtr& out = c.last();
    QCOMPARE(out->requested_engine, std::string("ort"));
    QCOMPARE(out->result.profile.engine, std::string("opencv-dnn"));
    QVERIFY2(out->warnings.find("falling back to OpenCV DNN") != std::string::npos, out->warnings.c_str());
    const QString summary = profile_summary(*out);
    QVERIFY2(summary.contains("(ort was asked for)") && summary.contains("falling back to OpenCV DNN"),
             qPrintable(summary));
  }

  void the_options_dialog_has_the_cli_defaults_and_messages() {
    ProfileOptionsDialog d("model.onnx");
    QCOMPARE(d.engine()->currentData().toString(), QString("ort"));
    QCOMPARE(d.batches()->text(), QString("1"));
    QCOMPARE(d.threads()->text(), QString("1,2"));
    const models::ProfileOptions o = d.options();
    QVERIFY(o.engine == models::EngineKind::kOrt);
    QCOMPARE(o.batches, std::vector<int>{1});
    QCOMPARE(o.threads, (std::vector<int>{1, 2}));
    QVERIFY(o.use_cache);
    QCOMPARE(o.min_reps, 10);  // the rest as `servesim profile` has them
    QCOMPARE(o.max_reps, 200);

    d.engine()->setCurrentIndex(d.engine()->findData("opencv"));
    d.batches()->setText("1,4,16");
    QVERIFY(d.options().engine == models::EngineKind::kOpenCv);
    QCOMPARE(d.options().batches, (std::vector<int>{1, 4, 16}));

    d.batches()->setText("1,x");
    d.accept();
    QCOMPARE(d.result(), int(QDialog::Rejected));
    QVERIFY(!d.error()->isHidden());
    QCOMPARE(d.error()->text(),
             QString("--batch: expected a comma-separated list of integers such as 1,2,4, got '1,x'"));
    d.batches()->setText("1");
    d.threads()->setText("0");
    d.accept();
    QCOMPARE(d.error()->text(), QString("--threads: expected positive integers, got 0"));
    d.threads()->setText("1,2");
    d.accept();
    QCOMPARE(d.result(), int(QDialog::Accepted));
  }

  void a_file_that_is_not_onnx_gives_the_cli_one_line_error() {
    QTemporaryDir dir;
    const QString bad = test::write_text(dir, "notes.onnx", "these are my notes, not a model\n");
    MainWindow w;
    w.show();
    ProfileWorkflow* profiler = workflow(w);
    QVERIFY(profiler);
    QSignalSpy failed(profiler->controller(), &ProfileController::failed);
    QVERIFY(profiler->start(bad, quick(dir, {1})));
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
    const QString error = failed.first().at(0).toString();
    QVERIFY2(error.startsWith("servesim: " + bad + ": not an ONNX model"), qPrintable(error));  // as printed
    QVERIFY(!error.contains('\n'));
    QVERIFY(!profiler->controller()->last());
    // The window shows it in a message box, and nothing else changed.
    QTRY_VERIFY(profiler->error_box());
    QCOMPARE(profiler->error_box()->text(), error);
    QVERIFY(!profiler->progress_dialog());
    QVERIFY(!profiler->result_dialog());
    QVERIFY(w.profile_action()->isEnabled());
    QVERIFY(w.run_action()->isEnabled());

    // A missing file: the same kind of line.
    QVERIFY(profiler->start(dir.filePath("gone.onnx"), quick(dir, {1})));
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 2, 30000);
    QCOMPARE(failed.last().at(0).toString(),
             "servesim: " + dir.filePath("gone.onnx") + ": cannot open the file");
  }

  void use_in_scenario_points_the_model_section_at_the_saved_profile() {
    QTemporaryDir dir;
    const QString model = small_cnn(dir);
    const QString scenario = test::write_synthetic(
        dir, "measured", 5, 600, R"({"name": "lambda", "platform": "aws-lambda", "memory_mb": 2048})");
    MainWindow w;
    w.show();
    QVERIFY(w.open_file(scenario));
    ProfileWorkflow* profiler = workflow(w);
    QVERIFY(profiler->start(model, quick(dir, {1, 4})));
    QVERIFY(profiler->progress_dialog());
    QVERIFY(profiler->progress_dialog()->isVisible());
    QVERIFY(!w.profile_action()->isEnabled());
    QVERIFY(!w.run_action()->isEnabled());  // a simulation beside the profiler would disturb it
    QVERIFY(!w.start_run());
    QTRY_VERIFY_WITH_TIMEOUT(profiler->result_dialog(), 60000);
    QVERIFY(!profiler->progress_dialog());
    QVERIFY(w.run_action()->isEnabled());

    ProfileResultDialog* result = profiler->result_dialog();
    QCOMPARE(result->latency()->rowCount(), 2);
    QCOMPARE(result->latency()->data(result->latency()->index(1, ProfileLatencyModel::batch), Qt::EditRole),
             QVariant(4));
    // The default file is beside the scenario, named after the model.
    QCOMPARE(result->profile_path()->text(), dir.filePath("cnn.profile.json"));
    QVERIFY(result->replace_service_times()->isChecked());
    QTest::mouseClick(result->use_button(), Qt::LeftButton);
    QVERIFY2(result->message()->text().contains("now reads"), qPrintable(result->message()->text()));

    // The section names the saved profile relative to the scenario; the hand-written warm time is gone, so
    // the profile gives it; the rest of the document is untouched.
    ScenarioDocument* doc = w.document();
    QCOMPARE(doc->value("/model"), nlohmann::ordered_json({{"profile", "cnn.profile.json"}}));
    QVERIFY(doc->value("/service").is_null());
    QCOMPARE(doc->value("/slo/p99_ms"), nlohmann::ordered_json(500));
    const models::ModelProfile saved = models::load_profile(dir.filePath("cnn.profile.json").toStdString());
    QCOMPARE(saved.latency.size(), size_t(2));
    QCOMPARE(saved.latency[1].batch, 4);
    QCOMPARE(saved.sha256, profiler->controller()->last()->result.profile.sha256);
    // The form shows it, and the scenario passes the CLI's checks with the profile applied.
    QCOMPARE(w.form()->field("/model/profile")->line_edit()->text(), QString("cnn.profile.json"));
    QVERIFY2(doc->check().is_ok(), doc->check().text.c_str());
    QVERIFY(!w.form()->banner()->isVisible());
    sim::Scenario sc = doc->scenario();
    QVERIFY(!sc.service.given.warm);
    // A run takes its service times from the profile.
    QSignalSpy ran(w.runner(), &RunController::completed);
    QVERIFY(w.start_run());
    QTRY_COMPARE_WITH_TIMEOUT(ran.count(), 1, 120000);
    const RunOutcomePtr run = w.runner()->last();
    QVERIFY2(run->model_line.find("saved profile") != std::string::npos, run->model_line.c_str());
    QVERIFY(run->model_line.find("opencv-dnn") != std::string::npos);
    QCOMPARE(run->scenario.service.warm_s.quantile_s(0.5), saved.find(1, 1)->p50_s);
    QCOMPARE(run->results.size(), size_t(1));
    QVERIFY(run->results[0].requests.served > 0);

    // Saved and reopened: the section round-trips.
    const QString copy = dir.filePath("measured-copy.json");
    QVERIFY(w.save_file(copy));
    QVERIFY(w.open_file(copy));
    QCOMPARE(w.document()->value("/model/profile"), nlohmann::ordered_json("cnn.profile.json"));

    // The peak RSS is the child's, as the CLI reports it for the same model and settings: two runs of the
    // same binary doing the same work. Measured here: 71.6 and 71.7 MB back to back, 71.6-74.0 MB over runs
    // on other occasions; 5 MB covers that, and is far below what the app's own process would add (this test
    // process is ~90 MB resident; profiled in it, the figure was ~110 MB).
    const models::ModelProfile cli = profile_with_cli(model, quick(dir, {1, 4}));
    QVERIFY2(std::abs(saved.peak_rss_mb - cli.peak_rss_mb) <= 5.0,
             qPrintable(QString("app %1 MB, CLI %2 MB").arg(saved.peak_rss_mb).arg(cli.peak_rss_mb)));
    qInfo("peak RSS: app %.2f MB, CLI %.2f MB; this test process now %.1f MB", saved.peak_rss_mb,
          cli.peak_rss_mb, own_rss_mb());

    // A candidate is refused exactly when its memory is below that peak + 64 MB of runtime overhead, as
    // `servesim validate` refuses it: the limit comes from the profile, not from the app's memory.
    const int least_mb = static_cast<int>(std::ceil(saved.peak_rss_mb + 64));
    QVERIFY(least_mb - 1 >= 128);  // Lambda's smallest memory_mb: the refused value is a valid one
    w.document()->set_value("/candidates/0/memory_mb", least_mb);
    QVERIFY2(w.document()->check().is_ok(), w.document()->check().text.c_str());
    w.document()->set_value("/candidates/0/memory_mb", least_mb - 1);
    const ScenarioIssue issue = w.document()->check();
    QCOMPARE(issue.pointer, std::string("/candidates/0/memory_mb"));
    QVERIFY2(issue.message.find("would be killed out of memory") != std::string::npos, issue.text.c_str());
    QVERIFY2(issue.message.find("at least " + std::to_string(least_mb) + ")") != std::string::npos,
             issue.text.c_str());
    QCOMPARE(w.form()->banner()->text().toStdString(), issue.text);
  }

  void cancel_kills_the_child_at_once_and_keeps_nothing() {
    QTemporaryDir dir;
    const QString model = small_cnn(dir);
    MainWindow w;
    w.show();
    ProfileWorkflow* profiler = workflow(w);
    ProfileController* c = profiler->controller();
    QSignalSpy cancelled(c, &ProfileController::cancelled);
    // Each point runs 200 times at batch 32 and above: far longer than cancel may take.
    auto options = quick(dir, {1, 2, 4, 8, 32, 64});
    options.min_reps = options.max_reps = 200;
    options.max_s_per_point = 60;
    QVERIFY(profiler->start(model, options));
    const qint64 pid = c->child_pid();
    QVERIFY(is_alive(pid));
    const QString scratch = c->scratch_folder();
    QVERIFY(QFileInfo(scratch).isDir());
    QProgressDialog* progress = profiler->progress_dialog();
    QVERIFY(progress);
    auto* cancel = progress->findChild<QPushButton*>();
    QVERIFY(cancel);
    // The dialog follows the child's progress lines: 1 + 6 steps after reading; cancel mid-point.
    QTRY_VERIFY_WITH_TIMEOUT(progress->value() >= 3, 30000);
    QCOMPARE(progress->maximum(), 8);
    QVERIFY2(progress->labelText().contains("batch "), qPrintable(progress->labelText()));
    QElapsedTimer clock;
    clock.start();
    QTest::mouseClick(cancel, Qt::LeftButton);
    QVERIFY(c->is_cancelling());
    QVERIFY(!cancel->isEnabled());
    QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, 5000);
    QVERIFY2(clock.elapsed() < 2000, qPrintable(QString::number(clock.elapsed())));  // killed, not waited for
    QVERIFY(!is_alive(pid));
    QVERIFY(!c->is_running());
    QVERIFY(!c->last());
    QVERIFY(!profiler->result_dialog());
    QVERIFY(!profiler->progress_dialog());
    QVERIFY(w.profile_action()->isEnabled());
    // Nothing is kept: no profile in the cache, and the scratch folder the child wrote in is gone.
    QVERIFY(QDir(dir.filePath("cache")).isEmpty());
    QVERIFY(!QFileInfo::exists(scratch));
    QVERIFY(c->scratch_folder().isEmpty());
  }

  void closing_the_window_while_profiling_kills_the_child_and_closes_at_once() {
    QTemporaryDir dir;
    const QString model = small_cnn(dir);
    MainWindow w;
    w.show();
    auto options = quick(dir, {1, 2, 4, 8, 32, 64});
    options.min_reps = options.max_reps = 200;
    options.max_s_per_point = 60;
    QVERIFY(workflow(w)->start(model, options));
    const qint64 pid = workflow(w)->controller()->child_pid();
    QVERIFY(is_alive(pid));
    QVERIFY(w.close());
    QVERIFY(!w.isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(!workflow(w)->is_running(), 5000);
    QVERIFY(!is_alive(pid));
    QVERIFY(!workflow(w)->controller()->last());
  }

  void without_the_servesim_binary_the_action_is_disabled_saying_why() {
    const QByteArray saved = qgetenv("SERVESIM_BIN");
    qputenv("SERVESIM_BIN", "/no/such/servesim");
    MainWindow w;
    qputenv("SERVESIM_BIN", saved);
    QVERIFY(!w.profile_action()->isEnabled());
    QCOMPARE(w.profile_action()->toolTip(),
             QString("SERVESIM_BIN=/no/such/servesim is not an executable file"));
    // Started anyway (a script), it fails with that line and keeps nothing.
    QSignalSpy failed(workflow(w)->controller(), &ProfileController::failed);
    QVERIFY(workflow(w)->start("model.onnx", models::ProfileOptions{}));
    QTRY_COMPARE(failed.count(), 1);
    QCOMPARE(failed.first().at(0).toString(), w.profile_action()->toolTip());
    QVERIFY(!workflow(w)->is_running());
    QVERIFY(!w.profile_action()->isEnabled());
  }
};

QTEST_MAIN(ProfileControllerTest)
#include "profile_controller_test.moc"
