#include "app/report_files.hpp"

#include <filesystem>

#include "core/input_error.hpp"
#include "platforms/catalog.hpp"
#include "platforms/registry.hpp"
#include "reports/html_report.hpp"
#include "reports/output_dir.hpp"
#include "reports/report_context.hpp"
#include "reports/report_tables.hpp"
#include "reports/run_data.hpp"

namespace servesim::app {
namespace fs = std::filesystem;

namespace {

// Every catalogue parameter a candidate ran with: the scenario's value where it set one, else the default.
std::vector<reports::CandidateAssumptions> assumptions(const sim::Scenario& sc) {
  std::vector<reports::CandidateAssumptions> out;
  for (const auto& c : sc.candidates) {
    const auto* registration = platforms::find_registration(c.platform);
    if (registration && !registration->composite_title.empty()) {  // its parts are in the scenario itself
      out.push_back(reports::CandidateAssumptions{c.name, c.platform, registration->composite_title, "", {}});
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

}  // namespace servesim::app
