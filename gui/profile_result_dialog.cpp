#include "gui/profile_result_dialog.hpp"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

#include "gui/profile_latency_model.hpp"

namespace servesim::gui {

QString profile_summary(const ProfileOutcome& outcome) {
  const models::ProfileResult& r = outcome.result;
  const models::ModelProfile& p = r.profile;
  const bool fell_back = outcome.requested_engine == "ort" && p.engine != "onnxruntime";
  QStringList lines;
  lines << QString::fromStdString(outcome.model_path);
  lines << QObject::tr("Engine: %1 %2%3, %4")
               .arg(QString::fromStdString(p.engine), QString::fromStdString(p.engine_version),
                    fell_back ? QObject::tr(" (ort was asked for)") : QString(),
                    r.from_cache ? QObject::tr("cached profile") : QObject::tr("measured now"));
  for (const QString& line : QString::fromStdString(outcome.warnings).split('\n', Qt::SkipEmptyParts))
    lines << line;
  lines << QObject::tr("Machine: %1, %2 logical cores, profiled %3")
               .arg(QString::fromStdString(p.cpu_model))
               .arg(p.cores)
               .arg(QString::fromStdString(p.date_utc));
  lines << QObject::tr("Model: %1 parameters, %2 MB, %3 GFLOP per inference at batch 1")
               .arg(static_cast<qulonglong>(p.parameter_count))
               .arg(static_cast<double>(p.model_bytes) / 1e6, 0, 'f', 2)
               .arg(p.flops_per_inference / 1e9, 0, 'g', 3);
  QString times = QObject::tr("Read %1 s, load %2 s").arg(p.file_read_s, 0, 'f', 4).arg(p.load_s, 0, 'f', 4);
  if (p.load_optimized_s) times += QObject::tr(" (optimized model %1 s)").arg(*p.load_optimized_s, 0, 'f', 4);
  times += QObject::tr(", first inference %1 s, peak RSS %2 MB")
               .arg(p.first_inference_s, 0, 'f', 4)
               .arg(p.peak_rss_mb, 0, 'f', 1);
  lines << times;
  const QString cache = QString::fromStdString(r.cache_path);
  if (!cache.isEmpty() && QFileInfo::exists(cache)) lines << QObject::tr("Cached at %1").arg(cache);
  return lines.join('\n');
}

ProfileResultDialog::ProfileResultDialog(ProfileOutcomePtr outcome, const QString& suggested_profile_path,
                                         QWidget* parent)
    : QDialog(parent), outcome_(std::move(outcome)) {
  setWindowTitle(tr("Profile of %1").arg(QFileInfo(QString::fromStdString(outcome_->model_path)).fileName()));
  auto* layout = new QVBoxLayout(this);
  summary_ = new QLabel(profile_summary(*outcome_), this);
  summary_->setObjectName("profileSummary");
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(summary_);

  latency_ = new ProfileLatencyModel(this);
  latency_->set_points(outcome_->result.profile.latency);
  table_ = new QTableView(this);
  table_->setModel(latency_);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setStretchLastSection(true);
  layout->addWidget(table_, 1);

  auto* file_row = new QHBoxLayout;
  file_row->addWidget(new QLabel(tr("Profile file"), this));
  path_ = new QLineEdit(suggested_profile_path, this);
  file_row->addWidget(path_, 1);
  auto* browse = new QPushButton(tr("Browse..."), this);
  file_row->addWidget(browse);
  layout->addLayout(file_row);
  replace_ = new QCheckBox(tr("Let the profile give the service times: remove service.warm, "
                              "parallel_fraction, cold_start.model_load and model_size_mb, which would "
                              "otherwise win over it"),
                           this);
  replace_->setChecked(true);
  layout->addWidget(replace_);
  message_ = new QLabel(this);
  message_->setObjectName("profileMessage");
  message_->setWordWrap(true);
  message_->hide();
  layout->addWidget(message_);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  save_ = buttons->addButton(tr("Save profile"), QDialogButtonBox::ActionRole);
  use_ = buttons->addButton(tr("Use in scenario"), QDialogButtonBox::ActionRole);
  use_->setToolTip(
      tr("Save the profile to the file above and set the scenario's model section to "
         "{\"profile\": FILE}"));
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Save the profile"), path_->text(), tr("Profiles (*.json)"));
    if (!path.isEmpty()) path_->setText(path);
  });
  connect(save_, &QPushButton::clicked, this, [this] { emit save_requested(path_->text()); });
  connect(use_, &QPushButton::clicked, this,
          [this] { emit use_requested(path_->text(), replace_->isChecked()); });
  resize(760, 520);
}

void ProfileResultDialog::show_message(const QString& text, bool is_error) {
  message_->setText(text);
  message_->setStyleSheet(is_error ? "color: #c0392b;" : "color: #1e8449;");
  message_->setVisible(!text.isEmpty());
}

}  // namespace servesim::gui
