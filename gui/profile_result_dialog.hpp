#pragma once
// What a profile measured, as `servesim profile` prints it: engine and version (and the engine asked for,
// with the fallback warning), machine (CPU, cores, date), model size, read / load / first-inference times,
// peak RSS, where the profile is cached, and the latency per batch size and thread count (a table over
// ProfileLatencyModel). Below: the file to save the profile in, Save profile, and Use in scenario, which the
// window carries out (ProfileController::use_in_scenario) and whose error shows here.
#include <QDialog>

#include "gui/profile_controller.hpp"

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace servesim::gui {

class ProfileLatencyModel;

// The text above the table (several lines).
QString profile_summary(const ProfileOutcome& outcome);

class ProfileResultDialog : public QDialog {
  Q_OBJECT
 public:
  ProfileResultDialog(ProfileOutcomePtr outcome, const QString& suggested_profile_path,
                      QWidget* parent = nullptr);

  const ProfileOutcomePtr& outcome() const { return outcome_; }
  QLabel* summary() const { return summary_; }
  ProfileLatencyModel* latency() const { return latency_; }
  QLineEdit* profile_path() const { return path_; }
  QCheckBox* replace_service_times() const { return replace_; }
  QPushButton* save_button() const { return save_; }
  QPushButton* use_button() const { return use_; }
  QLabel* message() const { return message_; }
  void show_message(const QString& text, bool is_error);

 signals:
  void save_requested(const QString& profile_path);
  void use_requested(const QString& profile_path, bool replace_service_times);

 private:
  ProfileOutcomePtr outcome_;
  QLabel* summary_;
  ProfileLatencyModel* latency_;
  QTableView* table_;
  QLineEdit* path_;
  QCheckBox* replace_;
  QPushButton* save_;
  QPushButton* use_;
  QLabel* message_;
};

}  // namespace servesim::gui
