#pragma once
// The app's window: the scenario form on the left; charts, the results table, the time-series table and the
// advisor panel on the right; a status bar with the run's progress, its simulated-time position and Cancel.
// File > Profile model... measures an ONNX model (ModelProfiler: ProfileWorkflow in a build with models/) and
// can point the scenario at the result.
// Widgets only show models and forward actions to the document, the run controller and the profiler.
#include <QMainWindow>

#include "gui/calibrate_controller.hpp"
#include "gui/results_model.hpp"
#include "gui/run_controller.hpp"
#include "gui/scenario_document.hpp"
#include "gui/timeseries_model.hpp"

class QAction;
class QDialog;
class QLabel;
class QProgressBar;
class QPushButton;
class QTableView;

namespace servesim::gui {

class ChartsPanel;
class DetailsView;
class ModelProfiler;
class ScenarioForm;

// Where the Open dialog starts: the open scenario's folder; else the installed scenarios
// (<installed_data_dir>/scenarios, when it exists); else "" (the dialog's own default, the working folder).
QString open_dialog_folder(const QString& scenario_path, const QString& installed_data_dir);

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);

  bool open_file(const QString& path, QString* error = nullptr);
  bool save_file(const QString& path, QString* error = nullptr);
  // Checks the scenario and starts a run; false (with the error shown) when the scenario is bad or a run is
  // on.
  bool start_run();
  void cancel_run();
  // Writes the CSV/JSON files of the last run into `folder` (and report.html when the app has the HTML
  // report).
  bool export_files(const QString& folder, bool html, QString* error = nullptr);

  ScenarioDocument* document() const { return doc_; }
  ScenarioForm* form() const { return form_; }
  RunController* runner() const { return runner_; }
  TimeseriesModel* timeseries() const { return series_; }
  ResultsModel* results() const { return results_; }
  ChartsPanel* charts() const { return charts_; }
  // The "Details" tab: the last run's summary.json per candidate as a tree (empty before a run).
  DetailsView* details() const { return details_; }
  // File > Profile model... (a ProfileWorkflow); null in a build without models/. The action is disabled, its
  // tooltip saying why, without models/ or when the servesim binary that profiles is not found
  // (ProfileController::binary).
  ModelProfiler* profiler() const { return profiler_; }
  QAction* profile_action() const { return profile_action_; }
  QProgressBar* progress_bar() const { return progress_; }
  QLabel* sim_time_label() const { return sim_time_; }
  QPushButton* cancel_button() const { return cancel_button_; }
  QAction* run_action() const { return run_action_; }
  QAction* export_html_action() const { return export_html_; }
  // File > Calibrate from logs...: `servesim calibrate` on every file of `log_folder` (platform "" = told
  // from the files) into the new folder `out_dir`; when it ends, the comparison opens in a CalibrationDialog
  // (calibration_dialog()), from which the fitted scenario can be opened, or the error is shown.
  // `extra`: the command's vLLM options (--gpu, --tensor-parallel), asked for when the logs are vLLM's
  // metrics. Asks for the GPU and the tensor parallelism when the logs in `log_folder` (or `platform`) are
  // vLLM's metrics; false when the user cancels.
  bool vllm_options(const QString& log_folder, const QString& platform, QStringList& extra);
  bool start_calibration(const QString& log_folder, const QString& platform, const QString& out_dir,
                         const QStringList& extra = {});
  CalibrateController* calibrator() const { return calibrator_; }
  QDialog* calibration_dialog() const { return calibration_dialog_; }
  QAction* calibrate_action() const { return calibrate_action_; }

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void build_actions();
  void set_running(bool running);
  bool has_profiler() const;  // built with models/ and the servesim binary found
  bool is_profiling() const;
  void show_outcome(const RunOutcomePtr& outcome);
  void update_title();
  ScenarioDocument* doc_;
  RunController* runner_;
  ModelProfiler* profiler_ = nullptr;
  TimeseriesModel* series_;
  ResultsModel* results_;
  ScenarioForm* form_ = nullptr;
  ChartsPanel* charts_ = nullptr;
  QTableView* results_view_ = nullptr;
  DetailsView* details_ = nullptr;
  QLabel* advisor_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* sim_time_ = nullptr;
  QLabel* status_ = nullptr;
  QPushButton* cancel_button_ = nullptr;
  QAction* run_action_ = nullptr;
  QAction* export_csv_ = nullptr;
  QAction* export_html_ = nullptr;
  QAction* profile_action_ = nullptr;
  CalibrateController* calibrator_ = nullptr;
  QDialog* calibration_dialog_ = nullptr;
  QAction* calibrate_action_ = nullptr;
};

}  // namespace servesim::gui
