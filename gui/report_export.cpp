#include "gui/report_export.hpp"

#include <filesystem>
#include <stdexcept>

#include "reports/output_dir.hpp"
#ifdef SERVESIM_HAVE_HTML_REPORT
#include "reports/html_report.hpp"
#include "reports/report_context.hpp"
#include "reports/run_data.hpp"
#endif

namespace servesim::gui {

#ifdef SERVESIM_HAVE_HTML_REPORT
bool has_html_report() {
  return true;
}

void export_with_html_report(const RunOutcome& outcome, const std::string& folder) {
  reports::OutputDir dir(folder);
  write_run_files(outcome, dir);
  const std::string tmp = std::filesystem::path(dir.file("summary.json")).parent_path().string();
  const reports::RunData run = reports::read_run_dir(tmp);
  const reports::ReportContext context = reports::context_from_scenario(outcome.scenario, SERVESIM_VERSION);
  reports::write_file_atomic(dir.file("report.html"), reports::html_report(run, context));
  dir.commit();
}
#else
bool has_html_report() {
  return false;
}

void export_with_html_report(const RunOutcome&, const std::string&) {
  throw std::runtime_error("this servesim-gui was built without the HTML report");
}
#endif

}  // namespace servesim::gui
