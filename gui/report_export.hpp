#pragma once
// The HTML report of a run (reports/html_report.hpp), when this build has it.
#include <string>

#include "gui/run_outcome.hpp"

namespace servesim::gui {

bool has_html_report();
// Writes the run's CSV/JSON files and report.html into `folder` (whole or not at all). Throws when the build
// has no HTML report or on I/O errors.
void export_with_html_report(const RunOutcome& outcome, const std::string& folder);

}  // namespace servesim::gui
