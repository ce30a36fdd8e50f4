// servesim advise / servesim tune: the advisor's facts, rules, evidence and verdict; the configuration
// search.
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "advisor/advisor.hpp"
#include "advisor/rule_tree.hpp"
#include "advisor/tuner.hpp"
#include "app/advice.hpp"
#include "app/prepare.hpp"
#include "app/report_files.hpp"
#include "app/run_folder.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/output_options.hpp"
#include "cli/progress.hpp"
#include "core/input_error.hpp"
#include "reports/output_dir.hpp"
#include "sim/scenario.hpp"

namespace servesim::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kAdviseUsage = R"(Usage: servesim advise SCENARIO.json [--out DIR [--force]] [--json]
       servesim advise --rules [--dot] [SCENARIO.json]

Where should this model be served? Derives facts from the scenario (SLO, model size, the "advisor" section's
flags, the traffic's shape from one pass over its arrivals, GPU need, repeated inputs), walks the decision
rules, simulates every placement the rules leave open on the scenario's own traffic (its candidates, plus
catalogue defaults for an open placement it lists none for), ranks them (meets the SLO first, then cost) and
prints the verdict with the rule path, a table of every candidate and why each other one lost. Where rules
and evidence disagree, the verdict says so and follows the evidence. See docs/advisor.md.

  --rules        print the decision rules (with the scenario's threshold overrides if one is given)
  --dot          with --rules: Graphviz DOT instead of text
  --json         print advice.json to stdout instead of the text report
  --html F       with --out: also write the HTML review report to F, headed by the verdict
  --out DIR      write DIR/advice.json and the evidence runs' summary.json, timeseries.csv,
                 latency_histogram.csv (DIR is replaced as `servesim run --help` says)
  --force        replace DIR even when it holds files that servesim did not write
  --progress S   progress on stderr: auto (a bar on a terminal, else a line per tenth), bar, lines, none

Exit status: 0 ok, 2 bad input, 3 internal error, 130 interrupted by SIGINT (Ctrl-C), 143 by SIGTERM (then
nothing is written).
)";

constexpr const char* kTuneUsage =
    R"(Usage: servesim tune SCENARIO.json --platform P [--keys K1,K2] [--grid K=V1,V2,...] [--out DIR] [--json]

Sweeps configuration keys of one platform over a grid (all points run as candidates of one simulation on the
scenario's traffic) and prints the cheapest point that meets the SLO, with the cost/latency curve.
Base settings: the scenario's first candidate on the platform, else the catalogue defaults.
--json prints every point and the cheapest one as JSON instead (docs/scripting.md gives the shape).
--out DIR writes DIR/tune.csv; DIR is replaced as `servesim run --help` says (--force for a folder holding
files that servesim did not write). Exit status: 0 a point meets the SLO, 1 none does, 2 bad input,
3 internal error, 130 interrupted by SIGINT (Ctrl-C), 143 by SIGTERM (then nothing is written).
Sweepable keys (the first per platform is the default):
)";

}  // namespace

int advise_command(const Args& args) {
  po::options_description opts("Options");
  std::string scenario_path, out_dir;
  opts.add_options()("scenario", po::value(&scenario_path), "scenario file (JSON, see docs/scenario.md)")(
      "out,o", po::value(&out_dir), "output folder for advice.json and the evidence runs")(
      "json", po::bool_switch(), "print advice.json to stdout")(
      "html", po::value<std::string>(), "with --out: also write the HTML report, headed by the verdict")(
      "rules", po::bool_switch(), "print the decision rules")("dot", po::bool_switch(),
                                                              "with --rules: Graphviz DOT");
  add_force_option(opts);
  add_progress_option(opts);
  add_run_limit_options(opts);
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!parse_options(args, kAdviseUsage, opts, pos, vm)) return 0;

  if (vm["rules"].as<bool>()) {
    advisor::Thresholds th;
    if (!scenario_path.empty())
      th = advisor::parse_advisor_section(sim::load_scenario(scenario_path)).thresholds;
    const advisor::RuleTree tree;
    std::fputs((vm["dot"].as<bool>() ? tree.to_dot(th) : tree.to_text(th)).c_str(), stdout);
    return 0;
  }
  if (vm["dot"].as<bool>()) throw InputError("command line: --dot goes with --rules (see --help)");
  if (scenario_path.empty()) throw InputError("command line: the scenario file is missing (see --help)");

  // A bad trace token, a run beyond the limits or a refused output folder: before any simulation.
  app::PrepareOptions prepare_options = prepare_options_from(vm);
  prepare_options.writes_timeseries = !out_dir.empty();
  prepare_options.check_candidates = false;  // the advisor builds the candidates it simulates
  prepare_options.out_dir = out_dir;
  const app::Prepared prepared = app::prepare(scenario_path, prepare_options);
  // The evidence runs stream into the folder, opened once the advisor knows which candidates it simulates.
  std::unique_ptr<app::RunFolder> folder;
  advisor::AdviseHooks hooks;
  if (!out_dir.empty()) {
    hooks.before_run = [&](const std::vector<std::string>& names) {
      folder = std::make_unique<app::RunFolder>(prepared.out_dir, prepared.output, names,
                                                prepared.scenario.service.llm.given,
                                                app::has_queue_columns(prepared.scenario));
    };
    hooks.on_row = [&](size_t i, const sim::IntervalRow& row) { folder->row(i, row); };
  }
  ProgressPrinter progress(progress_style(vm, false));
  hooks.on_progress = progress.callback();
  const auto rec = advisor::advise(prepared.scenario, hooks);
  progress.finish();
  const auto json = advisor::to_json(rec);
  if (folder) {
    app::FolderOptions folder_options;
    folder_options.extra_files = {{"advice.json", json.dump(2) + "\n"}};
    // The report's head: the verdict, the rule path and, for each other candidate, why not (in numbers).
    folder_options.recommendation = app::advice_head(rec);
    folder_options.model_profile = prepared.model_profile;
    folder->commit(rec.evidence.scenario, rec.evidence.results, folder_options);
    if (vm.count("html")) app::write_html_report(folder->final_path(), vm["html"].as<std::string>());
  }
  if (vm["json"].as<bool>())
    std::printf("%s\n", json.dump(2).c_str());
  else {
    std::fputs(advisor::to_text(rec).c_str(), stdout);
    if (folder)
      std::printf("\noutputs: %s/{advice.json,summary.json,timeseries.csv,latency_histogram.csv}\n",
                  folder->final_path().c_str());
  }
  return 0;
}

int tune_command(const Args& args) {
  po::options_description opts("Options");
  std::string scenario_path, out_dir, platform, keys_arg;
  std::vector<std::string> grid_args;
  const auto sweepable = advisor::sweep_table();  // the example is the first tunable platform
  const std::string platform_help =
      "platform to tune" + (sweepable.empty() ? "" : " (e.g. " + sweepable.front().platform + ")");
  opts.add_options()("scenario", po::value(&scenario_path)->required(), "scenario file")(
      "platform,p", po::value(&platform)->required(), platform_help.c_str())(
      "keys,k", po::value(&keys_arg), "comma-separated keys to sweep (cross product)")(
      "grid,g", po::value(&grid_args)->composing(), "KEY=V1,V2,... values for a swept key (repeatable)")(
      "out,o", po::value(&out_dir), "output folder for tune.csv")(
      "json", po::bool_switch(), "print the points and the best one as JSON instead of the CSV");
  add_force_option(opts);
  add_progress_option(opts);
  add_run_limit_options(opts);
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  std::string usage = kTuneUsage;
  for (const auto& k : sweepable)
    usage += "  " + std::string(k.platform) + ": " + k.key + " [" + k.unit + "]  (" + k.note + ")\n";
  if (!parse_options(args, usage.c_str(), opts, pos, vm)) return 0;

  std::vector<std::string> keys;
  std::stringstream ks(keys_arg);
  for (std::string k; std::getline(ks, k, ',');)
    if (!k.empty()) keys.push_back(k);
  std::map<std::string, std::vector<double>> grids;
  for (const auto& g : grid_args) {
    const auto eq = g.find('=');
    if (eq == std::string::npos) throw InputError("command line: --grid expects KEY=V1,V2,..., got " + g);
    std::stringstream vs(g.substr(eq + 1));
    auto& grid = grids[g.substr(0, eq)];
    for (std::string v; std::getline(vs, v, ',');) {
      try {
        size_t used = 0;
        grid.push_back(std::stod(v, &used));
        if (used != v.size()) throw std::invalid_argument(v);
      } catch (const std::exception&) {
        throw InputError("command line: --grid " + g.substr(0, eq) + ": expected numbers, got '" + v + "'");
      }
    }
  }
  app::PrepareOptions prepare_options = prepare_options_from(vm);
  prepare_options.writes_timeseries = false;
  prepare_options.check_candidates = false;  // the tuner builds its grid's candidates
  prepare_options.out_dir = out_dir;
  const app::Prepared prepared = app::prepare(scenario_path, prepare_options);
  // The output folder is checked and made before the search runs: a refusal costs no simulation.
  std::unique_ptr<reports::OutputDir> dir;
  if (!prepared.out_dir.empty())
    dir = std::make_unique<reports::OutputDir>(prepared.out_dir, prepared.output);
  ProgressPrinter progress(progress_style(vm, false));
  const auto result = advisor::tune(prepared.scenario, platform, keys, grids,
                                    advisor::TuneHooks{progress.callback(), nullptr});
  progress.finish();
  const std::string csv = advisor::tune_csv(result);
  const bool as_json = vm["json"].as<bool>();
  if (as_json) {
    std::printf("%s\n", advisor::tune_json(result).dump(2).c_str());
  } else if (result.best) {
    std::fputs(csv.c_str(), stdout);
    const auto& b = result.points[*result.best];
    std::printf(
        "\ncheapest point meeting the SLO (p99 %g ms for %g%% of requests): %s: cost $%.6g, p99 %.1f ms\n",
        result.slo_p99_ms, result.min_attainment * 100, b.name.c_str(), b.cost_usd, b.p99_ms);
  } else {
    std::fputs(csv.c_str(), stdout);
    std::printf("\nno point meets the SLO (p99 %g ms for %g%% of requests)\n", result.slo_p99_ms,
                result.min_attainment * 100);
  }
  if (dir) {
    reports::write_file_atomic(dir->file("tune.csv"), csv);
    dir->commit();
    if (!as_json) std::printf("outputs: %s/tune.csv\n", dir->final_path().c_str());
  }
  return result.best ? 0 : 1;
}

}  // namespace servesim::cli
