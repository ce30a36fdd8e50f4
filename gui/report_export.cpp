#include "gui/report_export.hpp"

namespace servesim::gui {

bool has_html_report() {
  return true;
}

void export_with_html_report(const RunOutcome& outcome, const std::string& folder) {
  export_run_files(outcome, folder, true);
}

}  // namespace servesim::gui
