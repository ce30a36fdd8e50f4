// servesim-gui [SCENARIO.json] [--screenshot OUT.png]: the desktop app. With --screenshot it runs the
// scenario, saves a picture of the main window after the run and exits (0, or 2 with a one-line error).
#include <QApplication>
#include <QCommandLineParser>
#include <QPixmap>
#include <cstdio>

#include "gui/main_window.hpp"
#include "gui/run_controller.hpp"

using servesim::gui::MainWindow;
using servesim::gui::RunController;

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("servesim-gui");
  QApplication::setApplicationVersion(SERVESIM_VERSION);
  QCommandLineParser parser;
  parser.setApplicationDescription("ServeSim: compare serving platforms for a model under real traffic");
  parser.addHelpOption();
  parser.addVersionOption();
  QCommandLineOption screenshot("screenshot", "run SCENARIO, save a screenshot of the window to FILE, exit",
                                "FILE");
  parser.addOption(screenshot);
  parser.addPositionalArgument("scenario", "scenario file to open (JSON, see docs/scenario.md)");
  parser.process(app);
  const QStringList args = parser.positionalArguments();
  const QString scenario = args.value(0);
  const QString shot = parser.value(screenshot);

  auto fail = [](const QString& message) {
    std::fprintf(stderr, "servesim-gui: %s\n", message.toLocal8Bit().constData());
    return 2;
  };
  if (!shot.isEmpty() && scenario.isEmpty()) return fail("--screenshot needs a scenario file");

  MainWindow window;
  if (!scenario.isEmpty()) {
    QString error;
    if (!window.open_file(scenario, &error)) return fail(error);
  }
  if (shot.isEmpty()) {
    window.show();
    return app.exec();
  }

  const auto issue = window.document()->check();
  if (!issue.is_ok()) return fail(QString::fromStdString(issue.text));
  window.resize(1600, 1000);
  window.show();
  int status = 0;
  QObject::connect(window.runner(), &RunController::completed, &window, [&] {
    // Let the charts lay out and paint once before grabbing.
    QMetaObject::invokeMethod(
        &window,
        [&] {
          if (!window.grab().save(shot)) status = fail("cannot write " + shot);
          app.exit(status);
        },
        Qt::QueuedConnection);
  });
  QObject::connect(window.runner(), &RunController::failed, &window, [&](const QString& error) {
    status = fail(error);
    app.exit(status);
  });
  QObject::connect(window.runner(), &RunController::cancelled, &window,
                   [&] { app.exit(fail("run cancelled")); });
  if (!window.start_run()) return fail("the run did not start");
  return app.exec();
}
