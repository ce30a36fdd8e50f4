// The scenario form: saving round-trips a file unchanged, edits patch only their field, and a bad field
// shows the CLI's message next to it.
#include "gui/scenario_form.hpp"

#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QTemporaryDir>
#include <QtTest>

#include "core/input_error.hpp"
#include "gui/candidate_editor.hpp"
#include "gui/main_window.hpp"
#include "gui_test_support.hpp"
#include "platforms/model_factory.hpp"

using namespace servesim::gui;

class ScenarioFormTest : public QObject {
  Q_OBJECT
 private slots:
  void saving_an_unedited_scenario_writes_it_back_unchanged() {
    QTemporaryDir dir;
    MainWindow w;
    QVERIFY(w.open_file("scenarios/trending-topic-lambda.json"));
    QVERIFY(!w.document()->is_modified());
    const QString out = dir.filePath("same.json");
    QVERIFY(w.save_file(out));
    QCOMPARE(test::read_all(out), test::read_all("scenarios/trending-topic-lambda.json"));
  }

  void every_bundled_scenario_round_trips_unchanged() {
    // Including the sections the form does not edit (faults, client retry settings, topology candidates).
    QTemporaryDir dir;
    const QStringList files = QDir("scenarios").entryList({"*.json"}, QDir::Files, QDir::Name);
    QVERIFY(files.contains("trending-topic-faults.json"));
    QVERIFY(files.contains("cascade-edge-cache.json"));
    for (const QString& name : files) {
      MainWindow w;
      QVERIFY2(w.open_file("scenarios/" + name), qPrintable(name));
      QVERIFY2(!w.document()->is_modified(), qPrintable(name));
      const QString out = dir.filePath(name);
      QVERIFY2(w.save_file(out), qPrintable(name));
      QCOMPARE(test::read_all(out), test::read_all("scenarios/" + name));
    }
  }

  void a_request_trace_key_column_is_a_field_and_survives_saving() {
    QTemporaryDir dir;
    test::write_text(dir, "keyed.csv", "TIMESTAMP,input\n1,a\n2,b\n3,a\n");
    const QString scenario = test::write_text(
        dir, "keyed.json",
        R"({"name": "k", "workload": {"type": "request_trace", "path": "keyed.csv", "key_column": "input"},
 "service": {"warm": {"type": "constant", "value_ms": 20}}, "candidates": [{"platform": "fixed-pool"}]}
)");
    MainWindow w;
    QVERIFY(w.open_file(scenario));
    auto* key = w.form()->field("/workload/key_column");
    QVERIFY(key);
    QCOMPARE(key->line_edit()->text(), QString("input"));
    QVERIFY(key->line_edit()->isVisibleTo(&w));
    key->line_edit()->selectAll();
    QTest::keyClicks(key->line_edit(), "TIMESTAMP");
    const QString out = dir.filePath("saved.json");
    QVERIFY(w.save_file(out));
    QCOMPARE(servesim::sim::load_scenario(out.toStdString()).workload.key_column, std::string("TIMESTAMP"));
    QVERIFY(test::read_all(out).contains("\"key_column\": \"TIMESTAMP\""));
  }

  void a_request_trace_token_columns_and_filter_are_fields_and_survive_saving() {
    QTemporaryDir dir;
    test::write_text(dir, "tokens.csv", "TIMESTAMP,Model,in,out\n1,a,10,2\n2,b,20,3\n");
    const QString scenario = test::write_text(
        dir, "tokens.json",
        R"({"name": "k", "workload": {"type": "request_trace", "path": "tokens.csv", "input_tokens_column": "in",
 "output_tokens_column": "out"}, "service": {"warm": {"type": "constant", "value_ms": 20}},
 "candidates": [{"platform": "fixed-pool"}]}
)");
    MainWindow w;
    QVERIFY(w.open_file(scenario));
    auto* input = w.form()->field("/workload/input_tokens_column");
    QVERIFY(input);
    QCOMPARE(input->line_edit()->text(), QString("in"));
    auto* column = w.form()->field("/workload/filter/column");
    auto* equals = w.form()->field("/workload/filter/equals");
    QVERIFY(column && equals);
    QTest::keyClicks(column->line_edit(), "Model");
    QTest::keyClicks(equals->line_edit(), "b");
    // The prompts' prefix blocks (prefix caching): a column and the tokens per block.
    auto* blocks = w.form()->field("/workload/prefix_blocks_column");
    auto* block_tokens = w.form()->field("/workload/prefix_block_tokens");
    QVERIFY(blocks && block_tokens);
    QVERIFY(blocks->line_edit()->isVisibleTo(&w));
    QTest::keyClicks(blocks->line_edit(), "hash_ids");
    QTest::keyClicks(block_tokens->line_edit(), "16");
    const QString out = dir.filePath("saved.json");
    QVERIFY(w.save_file(out));
    const auto workload = servesim::sim::load_scenario(out.toStdString()).workload;
    QCOMPARE(workload.output_tokens_column, std::string("out"));
    QCOMPARE(workload.filter_column, std::string("Model"));
    QCOMPARE(workload.filter_equals, std::string("b"));
    QCOMPARE(workload.prefix_blocks_column, std::string("hash_ids"));
    QCOMPARE(workload.prefix_block_tokens, 16u);
  }

  void an_edit_that_is_undone_by_hand_writes_the_file_unchanged() {
    QTemporaryDir dir;
    MainWindow w;
    QVERIFY(w.open_file("scenarios/trending-topic-lambda.json"));
    auto* scale = w.form()->field("/workload/scale");
    QVERIFY(scale);
    QCOMPARE(scale->line_edit()->text(), QString("10"));
    QTest::keyClicks(scale->line_edit(), "0");  // 100
    QVERIFY(w.document()->is_modified());
    scale->line_edit()->selectAll();
    QTest::keyClicks(scale->line_edit(), "10");
    QVERIFY(!w.document()->is_modified());
    const QString out = dir.filePath("same.json");
    QVERIFY(w.save_file(out));
    QCOMPARE(test::read_all(out), test::read_all("scenarios/trending-topic-lambda.json"));
  }

  void an_edit_patches_only_its_field() {
    QTemporaryDir dir;
    MainWindow w;
    QVERIFY(w.open_file("scenarios/trending-topic-lambda.json"));
    auto* p99 = w.form()->field("/slo/p99_ms");
    QVERIFY(p99);
    p99->line_edit()->selectAll();
    QTest::keyClicks(p99->line_edit(), "250");
    const QString out = dir.filePath("edited.json");
    QVERIFY(w.save_file(out));
    auto expected =
        nlohmann::ordered_json::parse(test::read_all("scenarios/trending-topic-lambda.json").toStdString());
    expected["slo"]["p99_ms"] = 250;
    const auto saved = nlohmann::ordered_json::parse(test::read_all(out).toStdString());
    QCOMPARE(saved.dump(), expected.dump());  // same keys, same order, one value changed
    QVERIFY(servesim::sim::load_scenario(out.toStdString()).slo.p99_ms == 250);
  }

  void a_bad_field_shows_the_clis_message_next_to_it() {
    QTemporaryDir dir;
    MainWindow w;
    QVERIFY(w.open_file("scenarios/trending-topic-lambda.json"));
    auto* candidates = w.form()->candidates();
    candidates->select(1);
    auto* memory = candidates->field("memory_mb");
    QCOMPARE(memory->pointer(), std::string("/candidates/1/memory_mb"));
    memory->line_edit()->selectAll();
    QTest::keyClicks(memory->line_edit(), "64");
    QVERIFY(!memory->error_text().isEmpty());
    QVERIFY(w.form()->banner()->isVisibleTo(&w));

    // The message is the CLI's: check the saved file the way `servesim validate` does.
    const QString out = dir.filePath("bad.json");
    QVERIFY(w.save_file(out));
    std::string cli;
    try {
      const auto sc = servesim::sim::load_scenario(out.toStdString());
      servesim::platforms::make_candidates(sc);
    } catch (const servesim::InputError& e) {
      cli = e.what();
    }
    QCOMPARE(cli, out.toStdString() + ": /candidates/1/memory_mb: " + memory->error_text().toStdString());
    QVERIFY(!w.start_run());  // a bad scenario does not run

    // A type error in a workload field lands next to that field; fixing it clears the message.
    auto* scale = w.form()->field("/workload/scale");
    scale->line_edit()->selectAll();
    QTest::keyClicks(scale->line_edit(), "ten");
    memory->line_edit()->selectAll();
    QTest::keyClicks(memory->line_edit(), "2048");
    QVERIFY(scale->error_text().contains("ten"));
    scale->line_edit()->selectAll();
    QTest::keyClicks(scale->line_edit(), "10");
    QVERIFY(scale->error_text().isEmpty());
    QVERIFY(memory->error_text().isEmpty());
    QVERIFY(!w.form()->banner()->isVisibleTo(&w));
  }
};

QTEST_MAIN(ScenarioFormTest)
#include "scenario_form_test.moc"
