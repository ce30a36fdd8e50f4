// A run in the worker thread completes, fills the models and the charts, and exports the CLI's files.
#include <QBarCategoryAxis>
#include <QChart>
#include <QGroupBox>
#include <QHorizontalBarSeries>
#include <QLabel>
#include <QLineSeries>
#include <QProgressBar>
#include <QTemporaryDir>
#include <QtTest>

#include "gui/charts_panel.hpp"
#include "gui/details_view.hpp"
#include "gui/main_window.hpp"
#include "gui/report_export.hpp"
#include "gui_test_support.hpp"
#include "sim/engine.hpp"

using namespace servesim::gui;

class RunControllerTest : public QObject {
  Q_OBJECT
 private slots:
  void a_run_completes_and_fills_the_charts() {
    QTemporaryDir dir;
    const QString path =
        test::write_synthetic(dir, "short", 20, 600,
                              R"({"name": "lambda", "platform": "aws-lambda", "memory_mb": 1024},
           {"name": "pool", "platform": "fixed-pool", "servers": 4})");
    MainWindow w;
    w.show();
    QVERIFY(w.open_file(path));
    QSignalSpy completed(w.runner(), &RunController::completed);
    QVERIFY(w.start_run());
    QVERIFY(w.runner()->is_running());
    QVERIFY(!w.run_action()->isEnabled());
    QTRY_COMPARE_WITH_TIMEOUT(w.runner()->watcher()->isFinished(), true, 120000);
    QTRY_COMPARE(completed.count(), 1);
    QVERIFY(!w.runner()->is_running());
    QVERIFY(w.run_action()->isEnabled());

    QCOMPARE(w.results()->rowCount(), 2);
    const int rows = w.timeseries()->rowCount();
    QVERIFY(rows >= 20);  // 600 s at 30 s intervals, and the drain of the last requests
    QVERIFY(w.timeseries()->value(0, TimeseriesModel::column(0, TimeseriesModel::arrivals_per_s)) > 0);
    const auto lines = w.charts()->line_series();
    QCOMPARE(lines.size(), size_t(1 + 2 + 4 + 4));  // arrivals, instances, p50/p99, cold/throttled
    for (auto* line : lines) QCOMPARE(line->count(), rows);
    QCOMPARE(w.charts()->cost_chart()->series().size(), 1);
    // Cost bars run horizontally, so each candidate's whole name stands on the vertical axis.
    QVERIFY(qobject_cast<QHorizontalBarSeries*>(w.charts()->cost_chart()->series().front()));
    const auto name_axes = w.charts()->cost_chart()->axes(Qt::Vertical);
    QCOMPARE(name_axes.size(), 1);
    auto* names = qobject_cast<QBarCategoryAxis*>(name_axes.front());
    QVERIFY(names);
    QStringList expected;
    for (int r = 0; r < w.results()->rowCount(); ++r)
      expected << w.results()->data(w.results()->index(r, ResultsModel::name), Qt::DisplayRole).toString();
    QCOMPARE(names->categories(), expected);
    QCOMPARE(w.progress_bar()->value(), RunController::kProgressMax);

    // The advisor panel shows the verdict on the same scenario, its rule path and a why-not per other
    // candidate.
    auto* panel = w.findChild<QGroupBox*>("advisorPanel");
    QVERIFY(panel);
    auto* verdict = panel->findChild<QLabel*>();
    QVERIFY(verdict);
    QVERIFY2(verdict->text().contains("Recommended:"), qPrintable(verdict->text()));
    QVERIFY(verdict->text().contains("Rule path:"));
    QVERIFY(verdict->text().contains("Why not "));

    // Unchecking a candidate hides its series.
    w.results()->setData(w.results()->index(1, ResultsModel::name), Qt::Unchecked, Qt::CheckStateRole);
    int hidden = 0;
    for (auto* line : lines) hidden += line->isVisible() ? 0 : 1;
    QCOMPARE(hidden, 5);

    // Export: the files of `servesim run`.
    const QString out = dir.filePath("out");
    QString error;
    QVERIFY2(w.export_files(out, false, &error), qPrintable(error));
    for (const char* f : {"summary.json", "timeseries.csv", "latency_histogram.csv"})
      QVERIFY(QFile::exists(out + "/" + f));
    if (has_html_report()) {
      const QString html = dir.filePath("html");
      QVERIFY2(w.export_files(html, true, &error), qPrintable(error));
      QVERIFY(QFile::exists(html + "/report.html"));
    }
  }

  // Run -> verdict simulates each candidate once: the advisor takes the run's results (and its rows, for the
  // worst interval) instead of simulating the scenario's candidates again. Counted, not timed.
  void run_to_verdict_simulates_each_candidate_once() {
    QTemporaryDir dir;
    const QString path =
        test::write_synthetic(dir, "once", 20, 600,
                              R"({"name": "lambda", "platform": "aws-lambda", "memory_mb": 1024},
           {"name": "pool", "platform": "fixed-pool", "servers": 4})");
    MainWindow w;
    QVERIFY(w.open_file(path));
    QSignalSpy completed(w.runner(), &RunController::completed);
    const uint64_t before = servesim::sim::simulated_candidates();
    QVERIFY(w.start_run());
    QTRY_COMPARE_WITH_TIMEOUT(completed.count(), 1, 120000);
    // Both placements are listed, so the advisor adds no default candidate: two simulations in all.
    QCOMPARE(servesim::sim::simulated_candidates() - before, uint64_t(2));
    QVERIFY2(QString::fromStdString(w.runner()->last()->advice).contains("Recommended:"),
             w.runner()->last()->advice.c_str());
  }

  // A language model served token by token: the results table shows its TTFT, TPOT and USD per million
  // tokens; a CPU candidate beside it (per-token CPU costs) leaves those cells empty.
  void a_language_model_run_shows_its_token_columns() {
    QTemporaryDir dir;
    const QString path = test::write_text(dir, "llm.json", R"({
  "name": "llm",
  "seed": 7,
  "workload": {"type": "poisson", "rate_rps": 1, "duration_s": 120,
               "tokens": {"input": {"type": "constant", "value_tokens": 500},
                          "output": {"type": "constant", "value_tokens": 50}}},
  "service": {"llm": {"model": "llama-3.1-8b", "max_context_tokens": 4096,
                      "cpu_ms_per_input_token": 1, "cpu_ms_per_output_token": 50}},
  "slo": {"p99_ms": 60000, "timeout_s": 120},
  "candidates": [{"name": "k8s", "platform": "kubernetes-gpu", "node_type": "p5.48xlarge", "max_nodes": 1},
                 {"name": "pool", "platform": "fixed-pool", "servers": 8}]
})");
    MainWindow w;
    QVERIFY(w.open_file(path));
    QSignalSpy completed(w.runner(), &RunController::completed);
    QVERIFY(w.start_run());
    QTRY_COMPARE_WITH_TIMEOUT(completed.count(), 1, 120000);
    auto* m = w.results();
    QCOMPARE(m->rowCount(), 2);
    QVERIFY(m->data(m->index(0, ResultsModel::ttft_p99_ms), Qt::EditRole).toDouble() > 0);
    QVERIFY(m->data(m->index(0, ResultsModel::tpot_p99_ms), Qt::EditRole).toDouble() > 0);
    QVERIFY(m->data(m->index(0, ResultsModel::usd_per_million_tokens), Qt::EditRole).toDouble() > 0);
    QVERIFY(!m->data(m->index(1, ResultsModel::ttft_p99_ms), Qt::DisplayRole).isValid());
    QCOMPARE(m->data(m->index(0, ResultsModel::latency_source), Qt::DisplayRole).toString(),
             QString("calibrated"));
  }
  // The Details tab shows what a mechanism adds to summary.json: a workflow's executions and stages, an event
  // source's messages. Numbers worked by hand: each execution maps over 4 items, at most 2 at once, each a
  // 100 ms Lambda task with no cold-start time, so its makespan is ceil(4 / 2) x 100 ms = 200 ms and it
  // enters 1 map state + 4 iteration states = 5 transitions; every SQS message is served, once.
  void the_details_tab_shows_workflow_and_event_source_sections() {
    QTemporaryDir dir;
    const QString workflow = test::write_text(dir, "wf.json", R"({
  "name": "wf", "seed": 7,
  "workload": {"type": "poisson", "rate_rps": 1, "duration_s": 120},
  "service": {"warm": {"type": "constant", "value_ms": 100}},
  "slo": {"p99_ms": 60000, "timeout_s": 60},
  "candidates": [{"name": "flow", "platform": "topology", "workflow": {"engine": "step-functions-standard"},
    "stages": [{"id": "images", "kind": "map", "body": "infer", "items": 4, "max_concurrency": 2},
               {"id": "infer", "kind": "model", "candidate": {"platform": "aws-lambda", "memory_mb": 1769}}],
    "edges": []}]
})");
    MainWindow w;
    QVERIFY(w.open_file(workflow));
    QSignalSpy completed(w.runner(), &RunController::completed);
    QVERIFY(w.start_run());
    QTRY_COMPARE_WITH_TIMEOUT(completed.count(), 1, 120000);
    auto number = [&](const QStringList& path) {
      auto* item = w.details()->find(path);
      return item ? item->text(1).toDouble() : -1.0;
    };
    const double served =
        w.results()->data(w.results()->index(0, ResultsModel::served), Qt::DisplayRole).toDouble();
    QVERIFY(served > 60);  // Poisson at 1/s for 120 s
    QCOMPARE(number({"flow", "workflow", "executions", "started"}), served);
    QCOMPARE(number({"flow", "workflow", "executions", "completed"}), served);
    QCOMPARE(number({"flow", "workflow", "makespan_ms", "p99"}), 200.0);
    QCOMPARE(number({"flow", "workflow", "transitions_per_execution"}), 5.0);
    QCOMPARE(number({"flow", "workflow", "stages", "images", "items"}), 4 * served);
    QCOMPARE(number({"flow", "workflow", "stages", "infer", "attempts"}), 4 * served);

    const QString sqs = test::write_text(dir, "sqs.json", R"({
  "name": "sqs", "seed": 7,
  "workload": {"type": "poisson", "rate_rps": 5, "duration_s": 120},
  "service": {"warm": {"type": "constant", "value_ms": 100}},
  "slo": {"p99_ms": 60000, "timeout_s": 60},
  "event_source": {"type": "sqs", "batch_size": 10},
  "candidates": [{"name": "lambda", "platform": "aws-lambda", "memory_mb": 1769}]
})");
    QVERIFY(w.open_file(sqs));
    QCOMPARE(w.details()->topLevelItemCount(), 0);  // a new file clears the last run's details
    QVERIFY(w.start_run());
    QTRY_COMPARE_WITH_TIMEOUT(completed.count(), 2, 120000);
    const double messages =
        w.results()->data(w.results()->index(0, ResultsModel::served), Qt::DisplayRole).toDouble();
    QVERIFY(messages > 400);  // Poisson at 5/s for 120 s
    QCOMPARE(w.details()->find({"lambda", "event_source", "type"})->text(1), QString("sqs"));
    QCOMPARE(number({"lambda", "event_source", "messages", "sent"}), messages);
    QCOMPARE(number({"lambda", "event_source", "messages", "served"}), messages);
    QCOMPARE(number({"lambda", "event_source", "messages", "dead_lettered"}), 0.0);
  }
};

QTEST_MAIN(RunControllerTest)
#include "run_controller_test.moc"
