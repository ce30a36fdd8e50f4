// servesim run / validate / catalog.
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "platforms/catalog.hpp"
#include "platforms/model_factory.hpp"
#include "reports/output_dir.hpp"
#include "reports/run_report.hpp"
#include "sim/arrival_source.hpp"
#include "sim/engine.hpp"
#include "sim/input_error.hpp"
#include "sim/json_fields.hpp"
#include "sim/scenario.hpp"

namespace servesim::cli {
namespace po = boost::program_options;

namespace {

// Parses options; returns false (after printing help) when --help was given. Bad options are InputErrors.
bool parse(const Args& args, const char* usage, po::options_description& opts,
           po::positional_options_description& pos, po::variables_map& vm) {
  opts.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << usage << "\n" << opts << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw InputError(std::string("command line: ") + e.what() + " (see --help)");
  }
  return true;
}

constexpr const char* kRunUsage = R"(Usage: servesim run SCENARIO.json [--out DIR] [--seed N] [--quiet]

Simulates every candidate of the scenario on the same arrivals and writes, into DIR:
  summary.json            per candidate: requests (arrived, served, cold_starts, throttled, timed_out,
                          dropped), latency_ms (mean, p50, p90, p99, max), instances, cost_usd breakdown,
                          SLO attainment and the conservation check
  timeseries.csv          one row per candidate and interval (metrics.interval_s, default 60 s)
  latency_histogram.csv   the whole-run latency histogram (log buckets, <= 1% relative error)
The folder appears whole or not at all. The same scenario and seed give byte-identical files.
)";

}  // namespace

int run_command(const Args& args) {
  po::options_description opts("Options");
  std::string scenario_path, out_dir;
  opts.add_options()("scenario", po::value(&scenario_path)->required(),
                     "scenario file (JSON, see docs/scenario.md)")(
      "out,o", po::value(&out_dir), "output folder (default: out/<scenario name>)")(
      "seed", po::value<uint64_t>(), "random seed (overrides the scenario's \"seed\")")(
      "quiet,q", po::bool_switch(), "print nothing but errors")(
      "fail-on-slo", po::bool_switch(), "exit with status 1 when no candidate meets the SLO");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!parse(args, kRunUsage, opts, pos, vm)) return 0;

  sim::Scenario sc = sim::load_scenario(scenario_path);
  if (vm.count("seed")) sc.seed = vm["seed"].as<uint64_t>();
  auto candidates = platforms::make_candidates(sc);
  // Read the whole trace once before writing anything: a bad token must not leave half a report behind.
  sim::count_arrivals(sc.workload, sc.seed);
  if (out_dir.empty()) out_dir = "out/" + sc.name;

  reports::OutputDir dir(out_dir);
  std::vector<std::string> names;
  for (const auto& c : candidates) names.push_back(c.name);
  reports::TimeseriesWriter series(dir.file("timeseries.csv"), names);

  sim::RunOptions options;
  options.workload = sc.workload;
  options.seed = sc.seed;
  options.interval_s = sc.interval_s;
  options.slo_latency_s = sc.slo.p99_ms / 1e3;
  options.on_row = [&series](size_t i, const sim::IntervalRow& row) { series.row(i, row); };
  const auto results = sim::simulate(options, candidates);
  series.close();

  const auto summary = reports::summary_json(sc, results);
  reports::write_file_atomic(dir.file("summary.json"), summary.dump(2) + "\n");
  reports::write_file_atomic(dir.file("latency_histogram.csv"), reports::latency_histogram_csv(results));
  dir.commit();

  const bool quiet = vm["quiet"].as<bool>();
  if (!quiet) {
    std::printf("%s", reports::summary_table(sc, results).c_str());
    uint64_t arrived = 0;
    for (const auto& r : results) arrived += r.requests.arrived;
    std::printf("simulated %llu requests in %.2f s of wall time\n", (unsigned long long)arrived,
                results.empty() ? 0.0 : results.front().wall_s);
    std::printf("outputs: %s/{summary.json,timeseries.csv,latency_histogram.csv}\n",
                dir.final_path().c_str());
  }
  if (vm["fail-on-slo"].as<bool>()) {
    bool any = false;
    for (const auto& c : summary["candidates"]) any = any || c["slo"]["p99_met"].get<bool>();
    if (!any) return 1;
  }
  return 0;
}

int validate_command(const Args& args) {
  po::options_description opts("Options");
  std::string scenario_path;
  opts.add_options()("scenario", po::value(&scenario_path)->required(), "scenario file");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!parse(args,
             "Usage: servesim validate SCENARIO.json\n\nChecks the scenario, its candidates' settings and "
             "reads its whole trace, without simulating.\n",
             opts, pos, vm))
    return 0;
  const sim::Scenario sc = sim::load_scenario(scenario_path);
  platforms::make_candidates(sc);
  const uint64_t n = sim::count_arrivals(sc.workload, sc.seed);
  std::printf("%s: ok (%zu candidates, %llu arrivals with seed %llu)\n", scenario_path.c_str(),
              sc.candidates.size(), (unsigned long long)n, (unsigned long long)sc.seed);
  return 0;
}

int catalog_command(const Args& args) {
  po::options_description opts("Options");
  std::string platform;
  opts.add_options()("platform", po::value(&platform), "platform name (default: list them)")(
      "json", po::bool_switch(), "print the catalogue entry as JSON");
  po::positional_options_description pos;
  pos.add("platform", 1);
  po::variables_map vm;
  if (!parse(args,
             "Usage: servesim catalog [PLATFORM] [--json]\n\nPrints every number a platform model assumes, "
             "with its unit, range, status (documented, observed, estimated, unconfirmed) and source.\nAny "
             "of them "
             "can be overridden per candidate in a scenario by its key.\n",
             opts, pos, vm))
    return 0;
  if (platform.empty()) {
    for (const auto& e : platforms::catalog()) std::printf("%-14s %s\n", e.platform.c_str(), e.title.c_str());
    return 0;
  }
  const auto* e = platforms::find_platform(platform);
  if (!e) throw InputError("catalog: no platform '" + platform + "' (run `servesim catalog` for the list)");
  std::printf("%s: %s (as of %s)\n\n", e->platform.c_str(), e->title.c_str(), e->as_of.c_str());
  for (const auto& p : e->parameters) {
    std::string range;
    if (p.value.is_number()) range = "[" + sim::quote_number(p.min) + ".." + sim::quote_number(p.max) + "]";
    std::printf("  %-38s %-14s %-10s %-12s %s\n      %s\n      source: %s\n", p.key.c_str(),
                p.value.dump().c_str(), p.unit.c_str(), p.status.c_str(), range.c_str(), p.help.c_str(),
                p.source.c_str());
  }
  return 0;
}

}  // namespace servesim::cli
