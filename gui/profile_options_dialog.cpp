#include "gui/profile_options_dialog.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "core/input_error.hpp"
#include "gui/profile_controller.hpp"
#include "models/ort_engine.hpp"

namespace servesim::gui {
namespace {

QString join(const std::vector<int>& values) {
  QStringList parts;
  for (const int v : values) parts << QString::number(v);
  return parts.join(',');
}

}  // namespace

ProfileOptionsDialog::ProfileOptionsDialog(const QString& model_path, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Profile %1").arg(QFileInfo(model_path).fileName()));
  const models::ProfileOptions defaults;  // those of `servesim profile`
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  engine_ = new QComboBox(this);
  engine_->addItem(tr("ort (ONNX Runtime)"), "ort");
  engine_->addItem(tr("opencv (OpenCV DNN)"), "opencv");
  engine_->setCurrentIndex(defaults.engine == models::EngineKind::kOrt ? 0 : 1);
  batches_ = new QLineEdit(join(defaults.batches), this);
  batches_->setPlaceholderText(tr("comma-separated, e.g. 1,2,4"));
  threads_ = new QLineEdit(join(defaults.threads), this);
  threads_->setPlaceholderText(tr("comma-separated; 1 and 2 give the CPU scaling"));
  no_cache_ = new QCheckBox(tr("Measure even when cached, store nothing (--no-cache)"), this);
  form->addRow(tr("Engine"), engine_);
  form->addRow(tr("Batch sizes"), batches_);
  form->addRow(tr("Threads"), threads_);
  form->addRow(QString(), no_cache_);
  layout->addLayout(form);

  const std::string missing = models::OrtEngine::missing_piece();
  auto* note = new QLabel(
      tr("ort runs ONNX Runtime through the Node.js bridge (models/ort_bridge). When node, the bridge or its "
         "npm package is missing, profiling warns and falls back to OpenCV DNN, as servesim profile does. "
         "OpenCV DNN cannot run embedding lookups (recsys and transformer models).") +
          (missing.empty()
               ? tr("\nONNX Runtime is available here.")
               : tr("\nONNX Runtime is not available here: %1.").arg(QString::fromStdString(missing))),
      this);
  note->setWordWrap(true);
  note->setStyleSheet("color: #555;");
  layout->addWidget(note);
  error_ = new QLabel(this);
  error_->setObjectName("optionsError");
  error_->setWordWrap(true);
  error_->setStyleSheet("color: #c0392b;");
  error_->hide();
  layout->addWidget(error_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Profile"));
  connect(buttons, &QDialogButtonBox::accepted, this, &ProfileOptionsDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &ProfileOptionsDialog::reject);
  layout->addWidget(buttons);
  setMinimumWidth(480);
}

models::ProfileOptions ProfileOptionsDialog::options() const {
  models::ProfileOptions o;
  o.engine = models::parse_engine_kind(engine_->currentData().toString().toStdString());
  o.batches = parse_int_list(batches_->text(), "--batch");
  o.threads = parse_int_list(threads_->text(), "--threads");
  o.use_cache = !no_cache_->isChecked();
  return o;
}

void ProfileOptionsDialog::accept() {
  try {
    options();
  } catch (const InputError& e) {
    error_->setText(QString::fromStdString(e.what()));
    error_->show();
    return;
  }
  QDialog::accept();
}

}  // namespace servesim::gui
