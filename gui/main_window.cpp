#include "gui/main_window.hpp"

#include <QAction>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include "calibrate/calibration.hpp"
#include "core/input_error.hpp"
#include "core/install_layout.hpp"
#include "gui/calibration_dialog.hpp"
#include "gui/charts_panel.hpp"
#include "gui/details_view.hpp"
#include "gui/model_profiler.hpp"
#include "gui/report_export.hpp"
#include "gui/scenario_form.hpp"
#include "platforms/fleet/gpu_catalog.hpp"
#include "reports/run_report.hpp"

namespace servesim::gui {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      doc_(new ScenarioDocument(this)),
      runner_(new RunController(this)),
      series_(new TimeseriesModel(this)),
      results_(new ResultsModel(this)) {
  profiler_ = make_model_profiler(doc_, this);
  calibrator_ = new CalibrateController(this);
  connect(calibrator_, &CalibrateController::finished, this, [this](const CalibrationOutcomePtr& outcome) {
    calibrate_action_->setEnabled(true);
    status_->setText(outcome->status == CalibrationOutcome::Status::completed
                         ? tr("Calibration written to %1").arg(outcome->out_dir)
                         : tr("Calibration stopped"));
    if (outcome->status == CalibrationOutcome::Status::cancelled) return;
    if (outcome->status == CalibrationOutcome::Status::failed) {
      QMessageBox::warning(this, tr("Calibrate"), outcome->error);
      return;
    }
    auto* dialog = new CalibrationDialog(outcome, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    calibration_dialog_ = dialog;
    connect(dialog, &QObject::destroyed, this, [this, dialog] {
      if (calibration_dialog_ == dialog) calibration_dialog_ = nullptr;
    });
    connect(dialog, &QDialog::accepted, this, [this, dialog, outcome] {
      QString error;
      if (dialog->open_scenario_chosen() && !open_file(outcome->scenario_path(), &error))
        QMessageBox::warning(this, tr("Open"), error);
    });
    dialog->open();
  });
  // Left: the scenario form.
  form_ = new ScenarioForm(doc_);
  auto* scroll = new QScrollArea;
  scroll->setWidget(form_);
  scroll->setWidgetResizable(true);
  scroll->setMinimumWidth(400);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

  // Right: charts over the tables and the advisor panel.
  charts_ = new ChartsPanel(series_, results_);
  results_view_ = new QTableView;
  results_view_->setModel(results_);
  results_view_->verticalHeader()->hide();
  results_view_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  results_view_->horizontalHeader()->setStretchLastSection(true);
  auto* series_view = new QTableView;
  series_view->setModel(series_);
  auto* tabs = new QTabWidget;
  tabs->addTab(results_view_, tr("Results"));
  tabs->addTab(series_view, tr("Time series"));
  details_ = new DetailsView;
  tabs->addTab(details_, tr("Details"));

  auto* advisor_box = new QGroupBox(tr("Advisor verdict and rule path"));
  advisor_box->setObjectName("advisorPanel");
  auto* advisor_layout = new QVBoxLayout(advisor_box);
  advisor_ = new QLabel(tr("no advisor verdict yet"));
  advisor_->setWordWrap(true);
  advisor_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  advisor_->setStyleSheet("color: #555; font-style: italic;");
  auto* advisor_scroll = new QScrollArea;  // the verdict, rule path and why-not lines can be long
  advisor_scroll->setWidgetResizable(true);
  advisor_scroll->setFrameShape(QFrame::NoFrame);
  advisor_scroll->setWidget(advisor_);
  advisor_layout->addWidget(advisor_scroll);
  advisor_box->setMinimumWidth(260);

  auto* bottom = new QSplitter(Qt::Horizontal);
  bottom->addWidget(tabs);
  bottom->addWidget(advisor_box);
  bottom->setStretchFactor(0, 3);
  bottom->setStretchFactor(1, 1);
  auto* right = new QSplitter(Qt::Vertical);
  right->addWidget(charts_);
  right->addWidget(bottom);
  right->setStretchFactor(0, 3);
  right->setStretchFactor(1, 1);
  right->setSizes({700, 220});
  auto* main = new QSplitter(Qt::Horizontal);
  main->addWidget(scroll);
  main->addWidget(right);
  main->setStretchFactor(0, 0);
  main->setStretchFactor(1, 1);
  main->setSizes({430, 1170});
  setCentralWidget(main);

  // Status bar: what happened, the run's progress and its simulated-time position, Cancel.
  status_ = new QLabel(tr("Open a scenario (File > Open)"));
  progress_ = new QProgressBar;
  progress_->setRange(0, RunController::kProgressMax);
  progress_->setValue(0);
  progress_->setMaximumWidth(260);
  progress_->setFormat("%p%");
  sim_time_ = new QLabel;
  sim_time_->setMinimumWidth(200);
  cancel_button_ = new QPushButton(tr("Cancel"));
  cancel_button_->setEnabled(false);
  statusBar()->addWidget(status_, 1);
  statusBar()->addPermanentWidget(sim_time_);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(cancel_button_);

  build_actions();

  auto* watcher = runner_->watcher();
  connect(watcher, &QFutureWatcher<RunOutcome>::progressValueChanged, progress_, &QProgressBar::setValue);
  connect(watcher, &QFutureWatcher<RunOutcome>::progressTextChanged, this,
          [this](const QString& text) { sim_time_->setText(tr("simulated %1").arg(text)); });
  connect(cancel_button_, &QPushButton::clicked, this, &MainWindow::cancel_run);
  connect(runner_, &RunController::completed, this, &MainWindow::show_outcome);
  connect(runner_, &RunController::cancelled, this, [this] {
    set_running(false);
    progress_->setValue(0);
    status_->setText(tr("Run cancelled: nothing was kept"));
  });
  connect(runner_, &RunController::failed, this, [this](const QString& error) {
    set_running(false);
    status_->setText(tr("Run failed"));
    form_->show_issue(split_issue(error.toStdString(), doc_->path().toStdString()));
  });
  connect(results_, &ResultsModel::checked_changed, charts_, &ChartsPanel::set_candidate_visible);
  connect(doc_, &ScenarioDocument::edited, this, [this] {
    doc_->check();
    update_title();
  });
  if (profiler_) {
    // Profiling and running exclude each other: a simulation beside the profiler would slow its measurement.
    connect(profiler_, &ModelProfiler::running_changed, this, [this](bool profiling) {
      const bool running = runner_->is_running();
      run_action_->setEnabled(!profiling && !running);
      profile_action_->setEnabled(!profiling && !running && has_profiler());
    });
    connect(profiler_, &ModelProfiler::status, status_, &QLabel::setText);
    connect(profiler_, &ModelProfiler::scenario_changed, this, [this] {
      form_->reload();  // the model section and the service fields it replaced
      doc_->check();
      update_title();
    });
  }
  resize(1600, 1000);
  update_title();
}

QString open_dialog_folder(const QString& scenario_path, const QString& installed_data_dir) {
  if (!scenario_path.isEmpty()) return QFileInfo(scenario_path).absolutePath();
  if (!installed_data_dir.isEmpty() && QDir(installed_data_dir + "/scenarios").exists())
    return installed_data_dir + "/scenarios";
  return QString();
}

bool MainWindow::vllm_options(const QString& log_folder, const QString& platform, QStringList& extra) {
  std::string effective = platform.toStdString();
  const QStringList logs = calibration_logs_in(log_folder);
  if (effective.empty() && !logs.isEmpty()) {
    try {
      effective = calibrate::platform_of_log(logs.front().toStdString());
    } catch (const InputError&) {  // the command reports an unreadable log with its one-line error
    }
  }
  if (!calibrate::takes_gpu_options(effective)) return true;
  // vLLM's metrics name the model (model_name) but rarely the GPU: the replicas' GPU and how many each spans.
  QStringList gpus{tr("named by the metrics' labels")};
  for (const auto& g : platforms::gpu_catalog().gpus)
    gpus << QString::fromStdString(g.id + " (" + g.name + ")");
  bool ok = false;
  const QString gpu =
      QInputDialog::getItem(this, tr("Calibrate"), tr("GPU of the vLLM replicas:"), gpus, 0, false, &ok);
  if (!ok) return false;
  const int tp = QInputDialog::getInt(this, tr("Calibrate"),
                                      tr("GPUs per replica (vLLM --tensor-parallel-size):"), 1, 1, 8, 1, &ok);
  if (!ok) return false;
  if (gpu != gpus.front()) extra << "--gpu" << gpu.section(' ', 0, 0);
  if (tp > 1) extra << "--tensor-parallel" << QString::number(tp);
  return true;
}

bool MainWindow::start_calibration(const QString& log_folder, const QString& platform, const QString& out_dir,
                                   const QStringList& extra) {
  const QStringList logs = calibration_logs_in(log_folder);
  if (logs.isEmpty()) {
    QMessageBox::warning(this, tr("Calibrate"), tr("%1: no log file in this folder").arg(log_folder));
    return false;
  }
  if (!calibrator_->start(logs, platform, out_dir, extra)) return false;
  calibrate_action_->setEnabled(false);
  status_->setText(tr("Calibrating from %n log file(s)...", nullptr, static_cast<int>(logs.size())));
  return true;
}

void MainWindow::build_actions() {
  auto* file = menuBar()->addMenu(tr("&File"));
  auto* run = menuBar()->addMenu(tr("&Run"));
  auto* view = menuBar()->addMenu(tr("&View"));
  auto* bar = addToolBar(tr("Main"));
  bar->setMovable(false);

  auto* open = file->addAction(tr("&Open..."), QKeySequence::Open, this, [this] {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open scenario"),
        open_dialog_folder(doc_->path(), QString::fromStdString(core::installed_data_dir())),
        tr("Scenarios (*.json)"));
    QString error;
    if (!path.isEmpty() && !open_file(path, &error)) QMessageBox::warning(this, tr("Open"), error);
  });
  auto* save = file->addAction(tr("&Save"), QKeySequence::Save, this, [this] {
    QString path = doc_->path();
    if (path.isEmpty())
      path = QFileDialog::getSaveFileName(this, tr("Save scenario"), QString(), tr("Scenarios (*.json)"));
    QString error;
    if (!path.isEmpty() && !save_file(path, &error)) QMessageBox::warning(this, tr("Save"), error);
  });
  file->addAction(tr("Save &As..."), QKeySequence::SaveAs, this, [this] {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Save scenario"), doc_->path(), tr("Scenarios (*.json)"));
    QString error;
    if (!path.isEmpty() && !save_file(path, &error)) QMessageBox::warning(this, tr("Save"), error);
  });
  file->addSeparator();
  export_csv_ = file->addAction(tr("Export &CSV..."), this, [this] {
    const QString dir = QFileDialog::getSaveFileName(this, tr("Export the run's files into a new folder"));
    QString error;
    if (!dir.isEmpty() && !export_files(dir, false, &error)) QMessageBox::warning(this, tr("Export"), error);
  });
  export_html_ = file->addAction(tr("Export &HTML report..."), this, [this] {
    const QString dir = QFileDialog::getSaveFileName(this, tr("Export the run's files and report.html"));
    QString error;
    if (!dir.isEmpty() && !export_files(dir, true, &error)) QMessageBox::warning(this, tr("Export"), error);
  });
  file->addSeparator();
  profile_action_ = file->addAction(tr("&Profile model..."), this, [this] {
    if (profiler_) profiler_->ask_and_start();
  });
  profile_action_->setToolTip(
      tr("Measure an ONNX model as servesim profile does, and use it in the scenario"));
  if (!profiler_) {
    profile_action_->setEnabled(false);
    profile_action_->setToolTip(
        tr("Built without models/ (ONNX profiling): rebuild with -DSERVESIM_BUILD_MODELS=ON"));
  } else if (!has_profiler()) {  // the profile runs in `servesim profile`, which is not there
    profile_action_->setEnabled(false);
    profile_action_->setToolTip(profiler_->why_unavailable());
  }
  calibrate_action_ = file->addAction(tr("&Calibrate from logs..."), this, [this] {
    const QString logs = QFileDialog::getExistingDirectory(this, tr("Folder of the function's log exports"));
    if (logs.isEmpty()) return;
    QStringList platforms{tr("told from the logs")};
    for (const auto& p : calibrate::calibrated_platforms()) platforms << QString::fromStdString(p);
    bool ok = false;
    const QString platform =
        QInputDialog::getItem(this, tr("Calibrate"), tr("Platform of the logs:"), platforms, 0, false, &ok);
    if (!ok) return;
    const QString chosen = platform == platforms.front() ? QString() : platform;
    QStringList extra;
    if (!vllm_options(logs, chosen, extra)) return;
    const QString out =
        QFileDialog::getSaveFileName(this, tr("New folder for the fitted scenario and report"));
    if (out.isEmpty()) return;
    start_calibration(logs, chosen, out, extra);
  });
  calibrate_action_->setToolTip(
      tr("Fit a scenario to a function's own logs (servesim calibrate) and see how "
         "closely it replays the held-out part"));
  if (calibrator_->binary().isEmpty()) {
    calibrate_action_->setEnabled(false);
    calibrate_action_->setToolTip(calibrator_->why_no_binary());
  }
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  run_action_ = run->addAction(tr("&Run"), QKeySequence(Qt::CTRL | Qt::Key_R), this, [this] { start_run(); });
  run->addAction(tr("&Cancel"), this, &MainWindow::cancel_run);
  auto* reset = view->addAction(tr("Reset &zoom"), this, [this] { charts_->reset_zoom(); });

  bar->addAction(open);
  bar->addAction(save);
  bar->addSeparator();
  bar->addAction(run_action_);
  bar->addAction(profile_action_);
  bar->addSeparator();
  bar->addAction(export_csv_);
  bar->addAction(export_html_);
  bar->addSeparator();
  bar->addAction(reset);
  export_csv_->setEnabled(false);
  export_html_->setEnabled(false);
  if (!has_html_report())
    export_html_->setToolTip(tr("The HTML report is not part of this build (reports/html_report.hpp)"));
}

bool MainWindow::open_file(const QString& path, QString* error) {
  if (runner_->is_running()) {
    if (error) *error = tr("a run is in progress");
    return false;
  }
  QString why;
  if (!doc_->load(path, &why)) {
    if (error) *error = why;
    status_->setText(why);
    return false;
  }
  series_->clear();
  results_->set_run(nullptr);
  details_->set_summary(nullptr);
  charts_->rebuild();
  export_csv_->setEnabled(false);
  export_html_->setEnabled(false);
  form_->reload();
  const auto issue = doc_->check();
  status_->setText(issue.is_ok() ? tr("Opened %1").arg(path) : tr("Opened %1 (with an error)").arg(path));
  update_title();
  return true;
}

bool MainWindow::save_file(const QString& path, QString* error) {
  const bool ok = doc_->save(path, error);
  status_->setText(ok ? tr("Saved %1").arg(path) : tr("Save failed"));
  update_title();
  return ok;
}

bool MainWindow::has_profiler() const {
  return profiler_ && profiler_->why_unavailable().isEmpty();
}

bool MainWindow::is_profiling() const {
  return profiler_ && profiler_->is_running();
}

bool MainWindow::start_run() {
  if (runner_->is_running()) return false;
  if (is_profiling()) {
    status_->setText(tr("A model is being profiled: run once it is done"));
    return false;
  }
  const auto issue = doc_->check();
  if (!issue.is_ok()) {
    status_->setText(tr("Fix the scenario before running"));
    return false;
  }
  series_->clear();
  results_->set_run(nullptr);
  details_->set_summary(nullptr);
  charts_->rebuild();
  progress_->setValue(0);
  sim_time_->clear();
  set_running(true);
  status_->setText(tr("Running..."));
  return runner_->start(doc_->scenario());
}

void MainWindow::cancel_run() {
  if (!runner_->is_running()) return;
  status_->setText(tr("Cancelling..."));
  runner_->cancel();
}

void MainWindow::set_running(bool running) {
  run_action_->setEnabled(!running && !is_profiling());
  profile_action_->setEnabled(!running && has_profiler() && !is_profiling());
  cancel_button_->setEnabled(running);
  export_csv_->setEnabled(!running && runner_->last() && series_->rowCount() > 0);
  export_html_->setEnabled(!running && has_html_report() && runner_->last() && series_->rowCount() > 0);
}

void MainWindow::show_outcome(const RunOutcomePtr& outcome) {
  series_->set_run(outcome);
  advisor_->setStyleSheet("");
  advisor_->setText(QString::fromStdString(outcome->advice));
  results_->set_run(outcome);
  details_->set_summary(reports::summary_json(outcome->scenario, outcome->results));
  charts_->rebuild();
  set_running(false);
  progress_->setValue(RunController::kProgressMax);
  const double simulated_s = outcome->results.empty() ? 0.0 : outcome->results.front().simulated_s;
  sim_time_->setText(tr("simulated %1").arg(RunController::format_time(simulated_s)));
  double wall_s = outcome->results.empty() ? 0.0 : outcome->results.front().wall_s;
  status_->setText(tr("Run complete: %1 candidates, %2 s of wall time%3")
                       .arg(outcome->results.size())
                       .arg(wall_s, 0, 'f', 1)
                       .arg(outcome->model_line.empty()
                                ? QString()
                                : " — " + QString::fromStdString(outcome->model_line)));
}

bool MainWindow::export_files(const QString& folder, bool html, QString* error) {
  const auto& outcome = runner_->last();
  if (!outcome) {
    if (error) *error = tr("nothing to export: run the scenario first");
    return false;
  }
  try {
    if (html)
      export_with_html_report(*outcome, folder.toStdString());
    else
      export_run_files(*outcome, folder.toStdString());
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    status_->setText(tr("Export failed"));
    return false;
  }
  status_->setText(tr("Exported to %1").arg(folder));
  return true;
}

void MainWindow::update_title() {
  const QString name = doc_->path().isEmpty() ? tr("untitled") : doc_->path();
  setWindowTitle(QString("%1%2 — ServeSim").arg(name, doc_->is_modified() ? "*" : ""));
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (profiler_) profiler_->cancel();  // kills `servesim profile` at once: nothing to wait for
  runner_->cancel();
  if (runner_->is_running()) runner_->watcher()->waitForFinished();
  event->accept();
}

}  // namespace servesim::gui
