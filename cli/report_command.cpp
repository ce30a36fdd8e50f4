// servesim report RUN_DIR --html OUT.html (app/report_files.hpp renders it).
#include <boost/program_options.hpp>
#include <iostream>

#include "app/report_files.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"

namespace servesim::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kReportUsage = R"(Usage: servesim report RUN_DIR --html OUT.html

Renders the report of a finished run from its output folder (summary.json, timeseries.csv,
latency_histogram.csv and report_context.json, all written by `servesim run`), without simulating again.
OUT.html is one self-contained file (inline SVG charts, nothing fetched) that opens offline and prints on A4:
the question and the verdict, traffic and each candidate's behaviour over time with spike windows, the cost
breakdown, the model's service times, every catalogue number used (with sources) and what reproduces the run.
The report's tables are in RUN_DIR as CSV (candidates.csv, cost_breakdown.csv, spike_windows.csv,
assumptions.csv; see docs/reports.md).

Exit status: 0 ok, 2 bad input (a missing or malformed file), 3 internal error.
)";

}  // namespace

int report_command(const Args& args) {
  po::options_description opts("Options");
  std::string run_dir, html_path;
  opts.add_options()("run-dir", po::value(&run_dir)->required(), "output folder of `servesim run`")(
      "html", po::value(&html_path)->required(), "write the HTML report to this file");
  po::positional_options_description pos;
  pos.add("run-dir", 1);
  po::variables_map vm;
  if (!parse_options(args, kReportUsage, opts, pos, vm)) return 0;
  app::write_html_report(run_dir, html_path);
  return 0;
}

}  // namespace servesim::cli
