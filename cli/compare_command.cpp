// servesim compare RUN_A RUN_B [...] [--html OUT.html] [--json] (reports/run_compare.hpp compares).
#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "core/atomic_file.hpp"
#include "core/input_error.hpp"
#include "reports/run_compare.hpp"
#include "reports/run_data.hpp"

namespace servesim::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kCompareUsage =
    R"(Usage: servesim compare RUN_A RUN_B [RUN_C ...] [--html OUT.html] [--json]

Compares the same candidates across two or more finished runs (output folders of `servesim run`: two
scenarios, or two versions of one), without simulating again. For each candidate, per run: its cost (USD),
SLO attainment, p99 latency (ms) and cold starts, and the delta of each run against the first (run A),
absolute and in percent of run A's value. A candidate missing from a run is listed as "absent" there.
--json prints the same as JSON; --html writes it as one self-contained page (the report's style, nothing
fetched). See docs/compare.md.

Exit status: 0 ok, 2 bad input (fewer than two runs, a folder that is not a run folder, a malformed
summary.json), 3 internal error.
)";

}  // namespace

int compare_command(const Args& args) {
  po::options_description opts("Options");
  std::vector<std::string> run_dirs;
  std::string html_path;
  opts.add_options()("run-dir", po::value(&run_dirs), "output folders of `servesim run` (two or more)")(
      "html", po::value(&html_path), "also write the comparison as an HTML page to this file")(
      "json", po::bool_switch(), "print the comparison as JSON instead of a table");
  po::positional_options_description pos;
  pos.add("run-dir", -1);
  po::variables_map vm;
  if (!parse_options(args, kCompareUsage, opts, pos, vm)) return 0;
  if (run_dirs.size() < 2)
    throw input_error("command line", "",
                      "expected at least two run folders (output folders of servesim run), got " +
                          std::to_string(run_dirs.size()) + " (see --help)");
  std::vector<reports::RunData> runs;
  for (const auto& dir : run_dirs) {
    if (std::filesystem::is_directory(dir) &&
        !std::filesystem::exists(std::filesystem::path(dir) / "summary.json"))
      throw input_error(dir, "",
                        "expected a run folder (the output folder of servesim run), found no summary.json");
    runs.push_back(reports::read_run_dir(dir));
  }
  const auto comparison = reports::compare_runs(runs);
  if (!html_path.empty()) core::write_file_atomic(html_path, reports::compare_html(comparison, runs));
  if (vm["json"].as<bool>())
    std::cout << comparison.dump(2) << "\n";
  else
    std::cout << reports::compare_table(comparison);
  return 0;
}

}  // namespace servesim::cli
