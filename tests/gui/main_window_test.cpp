// Cancel: a long run stops when Cancel is clicked, keeps nothing, and the window stays responsive.
#include "gui/main_window.hpp"

#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>

#include "gui/scenario_form.hpp"
#include "gui_test_support.hpp"

using namespace servesim::gui;

class MainWindowTest : public QObject {
  Q_OBJECT
 private slots:
  // File > Open starts in the open scenario's folder, else in an installed tree's scenarios, else in the
  // dialog's default.
  void open_dialog_starts_where_the_scenarios_are() {
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath("share/servesim/scenarios"));
    const QString installed = dir.path() + "/share/servesim";
    QCOMPARE(open_dialog_folder(dir.path() + "/mine/s.json", installed), dir.path() + "/mine");
    QCOMPARE(open_dialog_folder(QString(), installed), installed + "/scenarios");
    QCOMPARE(open_dialog_folder(QString(), QString()), QString());
    QCOMPARE(open_dialog_folder(QString(), dir.path() + "/nowhere"), QString());
  }
  void cancel_stops_a_long_run_and_keeps_nothing() {
    QTemporaryDir dir;
    // ~2 x 10^9 arrivals: hours of simulation, unless cancelled.
    const QString path =
        test::write_synthetic(dir, "long", 2000, 1e6, R"({"name": "lambda", "platform": "aws-lambda"})");
    MainWindow w;
    w.show();
    QVERIFY(w.open_file(path));
    QSignalSpy cancelled(w.runner(), &RunController::cancelled);
    QVERIFY(w.start_run());
    QVERIFY(w.cancel_button()->isEnabled());
    // The window keeps processing events while the worker simulates: progress arrives.
    QTRY_VERIFY_WITH_TIMEOUT(w.progress_bar()->value() > 0 || !w.sim_time_label()->text().isEmpty(), 30000);
    // Still responsive: an edit goes through while the run goes on.
    auto* p99 = w.form()->field("/slo/p99_ms");
    p99->line_edit()->selectAll();
    QTest::keyClicks(p99->line_edit(), "400");
    QVERIFY(w.document()->is_modified());
    QVERIFY(w.runner()->is_running());

    QTest::mouseClick(w.cancel_button(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(w.runner()->watcher()->isFinished(), true, 30000);
    QTRY_COMPARE(cancelled.count(), 1);
    QVERIFY(!w.runner()->is_running());
    QCOMPARE(w.results()->rowCount(), 0);
    QCOMPARE(w.timeseries()->rowCount(), 0);
    QVERIFY(!w.runner()->last());
    QVERIFY(w.run_action()->isEnabled());
    QVERIFY(!w.cancel_button()->isEnabled());
    QString error;
    QVERIFY(!w.export_files(dir.filePath("out"), false, &error));
    QVERIFY(!QFile::exists(dir.filePath("out")));
  }
};

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
