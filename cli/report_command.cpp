// servesim report RUN_DIR --html OUT.html, and the report inputs `servesim run` leaves in its output folder.
#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "core/input_error.hpp"
#include "platforms/catalog.hpp"
#include "platforms/topology_model.hpp"
#include "reports/html_report.hpp"
#include "reports/output_dir.hpp"
#include "reports/report_context.hpp"
#include "reports/report_tables.hpp"
#include "reports/run_data.hpp"
#include "sim/scenario.hpp"

namespace servesim::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

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

// Every catalogue parameter a candidate ran with: the scenario's value where it set one, else the default.
std::vector<reports::CandidateAssumptions> assumptions(const sim::Scenario& sc) {
  std::vector<reports::CandidateAssumptions> out;
  for (const auto& c : sc.candidates) {
    if (c.platform == platforms::TopologyModel::kPlatform) {  // its stages are in the scenario itself
      out.push_back(
          reports::CandidateAssumptions{c.name, c.platform, "Serving topology (docs/topology.md)", "", {}});
      continue;
    }
    const platforms::Settings settings(c, sc.file);  // checks the overrides once more
    const auto& entry = settings.entry();
    reports::CandidateAssumptions a{c.name, c.platform, entry.title, entry.as_of, {}};
    for (const auto& p : entry.parameters) {
      const bool overridden = settings.is_overridden(p.key);
      a.parameters.push_back(reports::AssumedParameter{p.key, overridden ? c.settings.at(p.key) : p.value,
                                                       p.value, p.unit, p.status, p.source, overridden});
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

void write_report_inputs(const sim::Scenario& sc, const std::string& dir,
                         const nlohmann::json& recommendation, const nlohmann::json& model_profile) {
  reports::ReportContext ctx = reports::context_from_scenario(sc, SERVESIM_VERSION);
  ctx.candidates = assumptions(sc);
  ctx.recommendation = recommendation;
  ctx.model_profile = model_profile;
  reports::write_file_atomic((fs::path(dir) / "report_context.json").string(), to_json(ctx).dump(2) + "\n");
  const reports::RunData run = reports::read_run_dir(dir);
  for (const auto& [name, text] : reports::report_csv_files(run, ctx))
    reports::write_file_atomic((fs::path(dir) / name).string(), text);
}

void write_html_report(const std::string& run_dir, const std::string& html_path) {
  const reports::RunData run = reports::read_run_dir(run_dir);
  const reports::ReportContext ctx =
      reports::read_report_context((fs::path(run_dir) / "report_context.json").string());
  const fs::path parent = fs::path(html_path).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) throw input_error(html_path, "", "cannot create the folder (" + ec.message() + ")");
  reports::write_file_atomic(html_path, reports::html_report(run, ctx));
}

int report_command(const Args& args) {
  po::options_description opts("Options");
  std::string run_dir, html_path;
  opts.add_options()("run-dir", po::value(&run_dir)->required(), "output folder of `servesim run`")(
      "html", po::value(&html_path)->required(), "write the HTML report to this file");
  po::positional_options_description pos;
  pos.add("run-dir", 1);
  po::variables_map vm;
  if (!parse_options(args, kReportUsage, opts, pos, vm)) return 0;
  write_html_report(run_dir, html_path);
  return 0;
}

}  // namespace servesim::cli
