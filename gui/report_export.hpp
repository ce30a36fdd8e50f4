#pragma once
// The HTML report of a run (reports/html_report.hpp), exported with the run's files.
//
//   if (has_html_report()) export_with_html_report(outcome, "out/run");  // out/run/report.html
#include <string>

#include "gui/run_outcome.hpp"

namespace servesim::gui {

// Whether this build can write the HTML report (always: app/ writes it).
bool has_html_report();
// Writes the run's files (export_run_files) and report.html into `folder` (whole or not at all). Throws on
// I/O errors.
void export_with_html_report(const RunOutcome& outcome, const std::string& folder);

}  // namespace servesim::gui
