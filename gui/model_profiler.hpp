#pragma once
// File > Profile model... as the window sees it: start it (the dialogs ask for the model and the options),
// cancel it, whether it runs, whether it can run at all, and what it reports. ProfileWorkflow implements it
// in a build with models/; without models/ there is none (make_model_profiler returns null:
// gui/CMakeLists.txt compiles no_model_profiler.cpp instead of the profile_* files), so the window needs no
// build switch.
//
//   ModelProfiler* profiler = make_model_profiler(document, window);  // null without models/
//   if (profiler && profiler->why_unavailable().isEmpty()) profiler->ask_and_start();
#include <QObject>
#include <QString>

class QWidget;

namespace servesim::gui {

class ScenarioDocument;

class ModelProfiler : public QObject {
  Q_OBJECT
 public:
  using QObject::QObject;

  virtual void ask_and_start() = 0;  // the file dialog, the options dialog, then the profile
  virtual void cancel() = 0;         // stops a profile at once, keeping nothing
  virtual bool is_running() const = 0;
  // Why no profile can run (the servesim binary that profiles was not found); "" when one can.
  virtual QString why_unavailable() const = 0;

 signals:
  void running_changed(bool running);
  void scenario_changed();              // the scenario's model section was set: show it in the form
  void status(const QString& message);  // one line for the status bar
};

// The profiler of this build, owned by `window`; null in a build without models/.
ModelProfiler* make_model_profiler(ScenarioDocument* doc, QWidget* window);

}  // namespace servesim::gui
