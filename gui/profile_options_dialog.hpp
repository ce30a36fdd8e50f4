#pragma once
// What File > Profile model... asks before profiling: the engine (ort, the default, or opencv), the batch
// sizes and the intra-op thread counts, with the defaults of `servesim profile` (batch 1, threads 1,2), and
// whether to measure again when the cache has the profile. The lists are checked on OK, with the CLI's
// messages.
#include <QDialog>

#include "models/profiler.hpp"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;

namespace servesim::gui {

class ProfileOptionsDialog : public QDialog {
  Q_OBJECT
 public:
  explicit ProfileOptionsDialog(const QString& model_path, QWidget* parent = nullptr);

  // The options `servesim profile MODEL --engine E --batch B --threads T [--no-cache]` would use; throws
  // InputError for a bad list.
  models::ProfileOptions options() const;

  QComboBox* engine() const { return engine_; }
  QLineEdit* batches() const { return batches_; }
  QLineEdit* threads() const { return threads_; }
  QCheckBox* no_cache() const { return no_cache_; }
  QLabel* error() const { return error_; }

  void accept() override;  // only with valid lists; else the error shows under them

 private:
  QComboBox* engine_;
  QLineEdit* batches_;
  QLineEdit* threads_;
  QCheckBox* no_cache_;
  QLabel* error_;
};

}  // namespace servesim::gui
