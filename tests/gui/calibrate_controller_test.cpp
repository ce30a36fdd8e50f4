// File > Calibrate from logs...: the app runs the real `servesim calibrate` ($SERVESIM_BIN) on a folder of
// logs, shows observed vs simulated from the validation.json it wrote, and opens the fitted scenario.
#include "gui/calibrate_controller.hpp"

#include <QDialog>
#include <QFile>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "calibrate/calibration.hpp"
#include "gui/calibration_dialog.hpp"
#include "gui/main_window.hpp"

using namespace servesim::gui;

namespace {

// The bundled synthetic Lambda log (scenarios/logs/lambda-example.log, CTest runs from the source root)
// alone in a fresh folder.
QString folder_with_example_log(const QTemporaryDir& dir) {
  const QString folder = dir.filePath("logs");
  QDir().mkpath(folder);
  QFile::copy("scenarios/logs/lambda-example.log", folder + "/lambda-example.log");
  return folder;
}

nlohmann::json read_json(const QString& path) {
  QFile f(path);
  f.open(QIODevice::ReadOnly);
  return nlohmann::json::parse(f.readAll().toStdString());
}

}  // namespace

class CalibrateControllerTest : public QObject {
  Q_OBJECT
 private slots:
  void logs_of_a_folder_are_its_visible_files_by_name() {
    QTemporaryDir dir;
    for (const char* name : {"b.log", "a.json", ".hidden"}) {
      QFile f(dir.filePath(name));
      QVERIFY(f.open(QIODevice::WriteOnly));
    }
    QDir(dir.path()).mkdir("sub");
    QCOMPARE(calibration_logs_in(dir.path()), (QStringList{dir.filePath("a.json"), dir.filePath("b.log")}));
    QCOMPARE(calibrate_arguments({"-odd.log"}, QString(), "out"),
             (QStringList{"calibrate", "./-odd.log", "--out", "out", "--quiet"}));
    QCOMPARE(calibrate_arguments({"a.log"}, "aws-lambda", "out"),
             (QStringList{"calibrate", "a.log", "--platform", "aws-lambda", "--out", "out", "--quiet"}));
    QCOMPARE(calibrate_arguments({"v.prom"}, QString(), "out", {"--gpu", "h100"}),
             (QStringList{"calibrate", "v.prom", "--gpu", "h100", "--out", "out", "--quiet"}));
  }

  void vllm_metrics_are_calibrated_with_the_gpu_given() {
    // The bundled synthetic vLLM scrapes name the model but not the GPU: the app passes --gpu, as its
    // File > Calibrate asks for it when the folder's first file is vLLM's Prometheus data.
    QTemporaryDir dir;
    const QString folder = dir.filePath("metrics");
    QDir().mkpath(folder);
    QVERIFY(QFile::copy("scenarios/logs/vllm-prometheus-example.prom", folder + "/vllm.prom"));
    QVERIFY(servesim::calibrate::takes_gpu_options(
        servesim::calibrate::platform_of_log((folder + "/vllm.prom").toStdString())));
    QVERIFY(!servesim::calibrate::takes_gpu_options(
        servesim::calibrate::platform_of_log("scenarios/logs/lambda-example.log")));
    MainWindow w;
    QSignalSpy done(w.calibrator(), &CalibrateController::finished);
    const QString out = dir.filePath("calibrated");
    QVERIFY(w.start_calibration(folder, QString(), out, {"--gpu", "h100"}));
    QVERIFY(done.wait(120000));
    const auto outcome = done.takeFirst().at(0).value<CalibrationOutcomePtr>();
    QVERIFY2(outcome->status == CalibrationOutcome::Status::completed, qPrintable(outcome->error));
    const auto validation = read_json(out + "/validation.json");
    QCOMPARE(outcome->platform, QString::fromStdString(validation["platform"].get<std::string>()));
    QCOMPARE(outcome->figures.size(), validation["metrics"].size());
    QCOMPARE(outcome->figures[0].simulated, validation["metrics"][0]["simulated"].get<double>());
    QCOMPARE(QString::fromStdString(validation["gpu"]["gpu"].get<std::string>()), QString("h100"));
  }

  void a_calibration_shows_the_clis_validation_and_opens_the_scenario() {
    QTemporaryDir dir;
    MainWindow w;
    QVERIFY2(!w.calibrator()->binary().isEmpty(), qPrintable(w.calibrator()->why_no_binary()));
    QSignalSpy done(w.calibrator(), &CalibrateController::finished);
    const QString out = dir.filePath("calibrated");
    QVERIFY(w.start_calibration(folder_with_example_log(dir), "aws-lambda", out));
    QVERIFY(done.wait(120000));
    const auto outcome = done.takeFirst().at(0).value<CalibrationOutcomePtr>();
    QVERIFY2(outcome->status == CalibrationOutcome::Status::completed, qPrintable(outcome->error));
    // The figures are validation.json's, row for row.
    const auto validation = read_json(out + "/validation.json");
    QCOMPARE(outcome->platform, QString("aws-lambda"));
    QCOMPARE(outcome->figures.size(), validation["metrics"].size());
    for (size_t i = 0; i < outcome->figures.size(); ++i) {
      const auto& m = validation["metrics"][i];
      QCOMPARE(outcome->figures[i].name, QString::fromStdString(m["name"].get<std::string>()));
      QCOMPARE(outcome->figures[i].observed, m["observed"].get<double>());
      QCOMPARE(outcome->figures[i].simulated, m["simulated"].get<double>());
      QCOMPARE(outcome->figures[i].error_pct, m["error_pct"].get<double>());
      QCOMPARE(outcome->figures[i].observed_interval, m["observed_ci95"][0].is_number());
    }
    QCOMPARE(outcome->max_abs_error_pct, validation["max_abs_error_pct"].get<double>());
    // The dialog lists them; "Open the fitted scenario" opens DIR/scenario.json in the window.
    QTRY_VERIFY(w.calibration_dialog() != nullptr);
    auto* dialog = qobject_cast<CalibrationDialog*>(w.calibration_dialog());
    QVERIFY(dialog != nullptr);
    QCOMPARE(dialog->table()->rowCount(), static_cast<int>(outcome->figures.size()));
    QCOMPARE(dialog->table()->item(0, 0)->text(), outcome->figures[0].name);
    for (auto* button : dialog->findChildren<QPushButton*>())
      if (button->text() == "Open the fitted scenario") button->click();
    QCOMPARE(w.document()->path(), out + "/scenario.json");
    QVERIFY(w.calibrate_action()->isEnabled());
  }

  void several_memory_sizes_show_every_sizes_rows() {
    // The bundled synthetic sweep at 512, 1,024 and 2,048 MB: a block of rows per size in validation.json,
    // shown one after the other, each named after its size.
    QTemporaryDir dir;
    const QString folder = dir.filePath("logs");
    QDir().mkpath(folder);
    QVERIFY(QFile::copy("scenarios/logs/lambda-memory-sizes-example.log", folder + "/sweep.log"));
    CalibrateController c;
    QSignalSpy done(&c, &CalibrateController::finished);
    const QString out = dir.filePath("out");
    QVERIFY(c.start(calibration_logs_in(folder), "aws-lambda", out));
    QVERIFY(done.wait(120000));
    const auto outcome = done.takeFirst().at(0).value<CalibrationOutcomePtr>();
    QVERIFY2(outcome->status == CalibrationOutcome::Status::completed, qPrintable(outcome->error));
    const auto validation = read_json(out + "/validation.json");
    const auto& blocks = validation["memory_sizes"];
    QCOMPARE(blocks.size(), size_t{3});
    QCOMPARE(outcome->figures.size(), 3 * blocks[0]["metrics"].size());
    QCOMPARE(outcome->figures[0].name, QString("512 MB: cold_start_share"));
    QCOMPARE(outcome->figures.back().name, QString("2048 MB: peak_concurrent_executions"));
    QCOMPARE(outcome->figures.back().simulated, blocks[2]["metrics"].back()["simulated"].get<double>());
    QCOMPARE(outcome->max_abs_error_pct, validation["max_abs_error_pct"].get<double>());
  }

  void a_bad_log_gives_the_clis_one_line_error() {
    QTemporaryDir dir;
    const QString folder = dir.filePath("logs");
    QDir().mkpath(folder);
    QFile bad(folder + "/nothing.log");
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("START RequestId: x Version: $LATEST\nno report line here\n");
    bad.close();
    CalibrateController c;
    QSignalSpy done(&c, &CalibrateController::finished);
    QVERIFY(c.start(calibration_logs_in(folder), "aws-lambda", dir.filePath("out")));
    QVERIFY(done.wait(60000));
    const auto outcome = done.takeFirst().at(0).value<CalibrationOutcomePtr>();
    QVERIFY(outcome->status == CalibrationOutcome::Status::failed);
    QVERIFY2(outcome->error.startsWith("servesim: ") && outcome->error.contains("nothing.log"),
             qPrintable(outcome->error));
    QVERIFY(!QFileInfo::exists(dir.filePath("out")));  // the CLI writes its folder whole or not at all
  }
};

QTEST_MAIN(CalibrateControllerTest)
#include "calibrate_controller_test.moc"
