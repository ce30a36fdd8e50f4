// servesim run / validate / catalog.
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "app/prepare.hpp"
#include "app/report_files.hpp"
#include "app/run.hpp"
#include "app/run_folder.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/output_options.hpp"
#include "cli/progress.hpp"
#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "platforms/catalog.hpp"
#include "platforms/fleet/gpu_catalog.hpp"
#include "platforms/topology/state_store.hpp"
#include "reports/run_report.hpp"
#include "sim/arrival_source.hpp"
#include "sim/scenario.hpp"
#include "sim/trace_summary.hpp"

namespace servesim::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kRunUsage =
    R"(Usage: servesim run SCENARIO.json [--out DIR] [--force] [--seed N] [--html OUT.html] [--json] [--quiet]
                    [--progress auto|bar|lines|none]

Simulates every candidate of the scenario on the same arrivals and writes, into DIR:
  summary.json            per candidate: requests (arrived, served, cold_starts, throttled, timed_out,
                          dropped), latency_ms (mean, p50, p90, p99, max), instances, cost_usd breakdown,
                          SLO attainment and the conservation check
  timeseries.csv          one row per candidate and interval (metrics.interval_s, default 60 s)
  latency_histogram.csv   the whole-run latency histogram (log buckets, <= 1% relative error)
  report_context.json     what `servesim report` needs besides the results: scenario path and sha256, seed,
                          version, workload, service times, every catalogue number each candidate used
  candidates.csv, cost_breakdown.csv, spike_windows.csv, assumptions.csv
                          the tables of the HTML report (units in the headers; see docs/reports.md)
  .servesim-output        marks the folder as servesim's: a later run may replace it
The folder appears whole or not at all. The same scenario and seed give byte-identical files.
DIR defaults to out/<scenario name>. An existing DIR is replaced only when it is empty or an earlier servesim
output (it has .servesim-output), else with --force; never when it is, or holds, the current folder or an input.
--html OUT.html also writes the self-contained HTML report (the same as `servesim report DIR --html OUT.html`).
Progress goes to stderr for runs longer than a second: --progress=auto (the default) draws a bar when stderr
is a terminal and prints a plain line per tenth done otherwise (a CI log); bar and lines force either, none
(or --quiet, unless --progress is given) prints nothing. SIGINT or SIGTERM stops the run at once: the
temporary folder DIR.tmp-PID is removed, an earlier DIR is left as it was, and the exit status is 130 or 143.
A scenario with a "model" section takes its service times from its ONNX model, profiled with ONNX Runtime
on first use and cached (or from a saved profile), and refuses candidates with too little memory for it.

Exit status: 0 ok, 1 no candidate meets the SLO (only with --fail-on-slo), 2 bad input (one line on stderr
naming the file and the field), 3 internal error, 130 interrupted by SIGINT (Ctrl-C), 143 by SIGTERM (then
nothing is written).
)";

constexpr const char* kValidateUsage =
    R"(Usage: servesim validate SCENARIO.json [--json] [--max-arrivals N] [--max-output-mb MB]

Checks the scenario, its candidates' settings and reads its whole trace, without simulating, then states
the work a run implies: the arrivals (counted with the seed, and how they follow from the workload), the
simulated time, the rows of timeseries.csv, the size of the output folder and the run time estimated at
~4 M simulated requests per second per candidate (bench_trending_topic, README Performance).
A run beyond --max-arrivals (default 1e9) or --max-output-mb (default 2048) is refused, by validate and by
run, advise, tune and sweep, before anything is written: raise the limit to run it anyway. The estimate
never materialises the arrivals, so a workload of 1e9 requests/s for 1e10 s is refused at once.
For a request trace it also prints the span of its timestamps, its mean and peak request rate and, with token
columns, the mean and p99 of the token counts, and warns on stderr when the span does not fit timestamp_unit
(more than a year, or more than 1000 rows within a second).
--json prints the same as one JSON object on stdout (docs/scripting.md gives its shape).
Exit status: 0 ok, 2 bad input (one line on stderr), 130/143 interrupted while reading the trace.
)";

// validate --json: the work estimate and the trace summary (docs/scripting.md).
nlohmann::json validate_json(const std::string& path, const app::Prepared& prepared, uint64_t arrivals,
                             const std::vector<std::string>& warnings) {
  const sim::Scenario& sc = prepared.scenario;
  const sim::WorkEstimate& work = prepared.work;
  nlohmann::json out = {
      {"scenario", path},
      {"name", sc.name},
      {"ok", true},
      {"seed", sc.seed},
      {"candidates", sc.candidates.size()},
      {"arrivals", arrivals},
      {"model", prepared.model_line.empty() ? nlohmann::json() : nlohmann::json(prepared.model_line)},
      {"work",
       {{"arrivals_estimated", work.arrivals},
        {"arrivals_basis", work.arrivals_basis},
        {"simulated_s", work.simulated_s},
        {"timeseries_rows", work.timeseries_rows},
        {"output_mb", work.output_mb},
        {"run_time_s", work.run_time_s}}},
      {"request_trace", nullptr},
      {"warnings", warnings}};
  if (sc.workload.kind == sim::WorkloadSpec::Kind::request_trace) {
    const sim::RequestTraceSummary trace = sim::summarize_request_trace(sc.workload);
    auto tokens = [&](const sim::TokenStats& t) {
      return trace.has_tokens ? nlohmann::json{{"mean", t.mean}, {"p99", t.p99}} : nlohmann::json();
    };
    out["request_trace"] = {{"rows", trace.rows},
                            {"first_s", trace.first_s},
                            {"last_s", trace.last_s},
                            {"mean_rps", trace.mean_rps},
                            {"peak_rps", trace.peak_rps},
                            {"peak_bin_s", trace.peak_bin_s},
                            {"input_tokens", tokens(trace.input_tokens)},
                            {"output_tokens", tokens(trace.output_tokens)}};
  }
  return out;
}

constexpr const char* kCatalogUsage = R"(Usage: servesim catalog [PLATFORM|gpus|state-stores] [--json]

Prints every number a platform model assumes, with its unit, range, status (documented, observed, estimated,
unconfirmed) and source. Any of them can be overridden per candidate in a scenario by its key.
Without PLATFORM: the list of platforms. --json prints the same as JSON (docs/scripting.md gives the shapes).
Exit status: 0 ok, 2 an unknown platform.
)";

// catalog PLATFORM --json: the entry as the catalogue reader holds it (docs/scripting.md).
nlohmann::json catalog_entry_json(const platforms::PlatformEntry& e) {
  nlohmann::json parameters = nlohmann::json::array();
  for (const auto& p : e.parameters) {
    nlohmann::json q = {{"key", p.key},       {"value", p.value},   {"unit", p.unit},
                        {"status", p.status}, {"source", p.source}, {"help", p.help}};
    if (p.value.is_number()) {
      q["min"] = p.min;
      q["max"] = p.max;
      q["integer"] = p.integer;
    }
    if (!p.allowed.empty()) q["allowed"] = p.allowed;
    parameters.push_back(std::move(q));
  }
  return {{"platform", e.platform},
          {"title", e.title},
          {"as_of", e.as_of},
          {"placement", e.placement},
          {"parameters", parameters}};
}

}  // namespace

int run_command(const Args& args) {
  po::options_description opts("Options");
  std::string scenario_path, out_dir;
  opts.add_options()("scenario", po::value(&scenario_path)->required(),
                     "scenario file (JSON, see docs/scenario.md)")(
      "out,o", po::value(&out_dir), "output folder (default: out/<scenario name>)")(
      "seed", po::value<uint64_t>(), "random seed (overrides the scenario's \"seed\")")(
      "quiet,q", po::bool_switch(), "print nothing but errors")(
      "json", po::bool_switch(), "print summary.json on stdout instead of the table")(
      "html", po::value<std::string>(), "also write the HTML report to this file")(
      "fail-on-slo", po::bool_switch(), "exit with status 1 when no candidate meets the SLO");
  add_force_option(opts);
  add_progress_option(opts);
  add_run_limit_options(opts);
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!parse_options(args, kRunUsage, opts, pos, vm)) return 0;

  // Everything is checked before anything is written: a bad trace token must not leave half a report
  // behind, nor a run beyond --max-arrivals or --max-output-mb fill the disk.
  app::PrepareOptions prepare_options = prepare_options_from(vm);
  prepare_options.out_dir = out_dir;
  prepare_options.default_out_dir = true;
  if (vm.count("seed")) prepare_options.seed = vm["seed"].as<uint64_t>();
  const app::Prepared prepared = app::prepare(scenario_path, prepare_options);
  const sim::Scenario& sc = prepared.scenario;
  const std::string& model_line = prepared.model_line;

  app::RunFolder folder(prepared.out_dir, prepared.output, app::candidate_names(sc), sc.service.llm.given,
                        app::has_queue_columns(sc));
  app::RunOptions options;
  options.on_row = folder.row_sink();
  const bool quiet = vm["quiet"].as<bool>(), json = vm["json"].as<bool>();
  ProgressPrinter progress(progress_style(vm, quiet));
  options.on_progress = progress.callback();
  const app::RunOutcome outcome = app::run(prepared, options);
  progress.finish();
  const auto& results = outcome.results;
  const auto& summary = outcome.summary;
  app::FolderOptions folder_options;
  folder_options.model_profile = outcome.model_profile;
  folder.commit(sc, results, folder_options);
  if (vm.count("html")) app::write_html_report(folder.final_path(), vm["html"].as<std::string>());

  if (json) {
    std::printf("%s\n", summary.dump(2).c_str());
  } else if (!quiet) {
    if (!model_line.empty()) std::printf("%s\n", model_line.c_str());
    std::printf("%s", reports::summary_table(sc, results).c_str());
    uint64_t arrived = 0;
    for (const auto& r : results) arrived += r.requests.arrived;
    std::printf("simulated %llu requests in %.2f s of wall time\n", (unsigned long long)arrived,
                results.empty() ? 0.0 : results.front().wall_s);
    std::printf("outputs: %s/{summary.json,timeseries.csv,latency_histogram.csv}\n",
                folder.final_path().c_str());
    if (vm.count("html")) std::printf("report: %s\n", vm["html"].as<std::string>().c_str());
  }
  if (vm["fail-on-slo"].as<bool>()) {
    bool any = false;
    for (const auto& c : summary["candidates"]) any = any || c["slo"]["met"].get<bool>();
    if (!any) return 1;
  }
  return 0;
}

int validate_command(const Args& args) {
  po::options_description opts("Options");
  std::string scenario_path;
  opts.add_options()("scenario", po::value(&scenario_path)->required(), "scenario file")(
      "json", po::bool_switch(), "print the result as JSON on stdout");
  add_run_limit_options(opts);
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!parse_options(args, kValidateUsage, opts, pos, vm)) return 0;
  // The estimate first: counting a workload beyond the limits would take as long as running it.
  const app::Prepared prepared = app::prepare(scenario_path, prepare_options_from(vm));
  const sim::Scenario& sc = prepared.scenario;
  const std::string& model_line = prepared.model_line;
  const sim::WorkEstimate& work = prepared.work;
  const uint64_t n = sim::count_arrivals(sc.workload, sc.seed);
  if (vm["json"].as<bool>()) {
    std::vector<std::string> warnings;
    if (sc.workload.kind == sim::WorkloadSpec::Kind::request_trace) {
      const std::string warning = sim::unit_warning(sim::summarize_request_trace(sc.workload), sc.workload);
      if (!warning.empty()) {
        std::fprintf(stderr, "servesim: warning: %s\n", warning.c_str());
        warnings.push_back(warning);
      }
    }
    std::printf("%s\n", validate_json(scenario_path, prepared, n, warnings).dump(2).c_str());
    return 0;
  }
  if (!model_line.empty()) std::printf("%s\n", model_line.c_str());
  std::printf("%s: ok (%zu candidates, %llu arrivals with seed %llu)\n", scenario_path.c_str(),
              sc.candidates.size(), (unsigned long long)n, (unsigned long long)sc.seed);
  std::printf("%s\n", sim::describe_work(work).c_str());
  if (sc.workload.kind == sim::WorkloadSpec::Kind::request_trace) {
    const sim::RequestTraceSummary trace = sim::summarize_request_trace(sc.workload);
    std::printf("%s", sim::describe(trace).c_str());
    const std::string warning = sim::unit_warning(trace, sc.workload);
    if (!warning.empty()) std::fprintf(stderr, "servesim: warning: %s\n", warning.c_str());
  }
  return 0;
}

namespace {

// `servesim catalog gpus`: platforms/fleet/gpus.json as a table (docs/models/gpu-latency.md explains it).
int print_gpu_catalog(bool as_json) {
  const platforms::GpuCatalog& c = platforms::gpu_catalog();
  if (as_json) {
    std::printf("%s\n", c.json.dump(2).c_str());
    return 0;
  }
  std::printf(
      "GPU catalogue (as of %s): dense datasheet peaks [TFLOP/s; TOP/s for int8], memory and bandwidth\n\n",
      c.as_of.c_str());
  std::printf("  %-10s %-24s %-7s %7s %8s", "id", "name", "gen.", "mem GB", "GB/s");
  for (const auto& precision : c.precisions) std::printf(" %7s", precision.c_str());
  std::printf("  status\n");
  for (const auto& g : c.gpus) {
    std::printf("  %-10s %-24s %-7s %7s %8s", g.id.c_str(), g.name.c_str(), g.generation.c_str(),
                core::quote_number(g.memory_gb).c_str(),
                core::quote_number(g.memory_bandwidth_gb_per_s).c_str());
    for (const auto& precision : c.precisions) {
      const auto peak = g.peak_tflops_at(precision);
      std::printf(" %7s", peak ? core::quote_number(*peak).c_str() : "-");
    }
    std::printf("  %s\n      source: %s\n", g.status.c_str(), g.source.c_str());
  }
  std::printf(
      "\nLatency model fit (docs/models/gpu-latency.md): latency(b) = max(b x GFLOP / (peak x efficiency), "
      "bytes / bandwidth) + overhead\n");
  std::printf("  calibrated at: ");
  for (const auto& precision : c.calibrated_precisions) std::printf("%s ", precision.c_str());
  std::printf("(other precisions use the same fit and are labelled estimated)\n");
  for (const auto& [model_class, per_generation] : c.fit) {
    const auto& b = c.model_classes.at(model_class);
    std::printf("  %s (MLPerf %s, %s GFLOP, %s MB per request):\n", model_class.c_str(), b.name.c_str(),
                core::quote_number(b.gflops_per_request).c_str(), core::quote_number(b.weight_mb).c_str());
    for (const auto& generation : c.generations) {
      if (const platforms::GpuStandIn* s = c.stand_in_for(generation)) {
        std::printf("    %-7s no fit of its own: the %s fit is used, latencies labelled estimated\n",
                    generation.c_str(), s->generation.c_str());
        continue;
      }
      const auto& f = per_generation.at(generation);
      auto join = [](const std::vector<std::string>& ids) {
        std::string out;
        for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
        return out;
      };
      std::printf("    %-7s efficiency %-6s overhead %-7s ms  (offline from %s; batch 1 from %s)\n",
                  generation.c_str(), core::quote_number(f.efficiency).c_str(),
                  core::quote_number(f.overhead_ms).c_str(), join(f.offline_from).c_str(),
                  join(f.batch1_from).c_str());
    }
  }
  std::printf(
      "  %zu MLPerf results behind it; sources: servesim catalog gpus --json (calibration.measurements)\n",
      c.measurements.size());
  return 0;
}

}  // namespace

// The state stores a topology's state-store stage simulates (platforms/topology/state-stores.json).
int print_state_stores(bool as_json) {
  const auto doc = nlohmann::json::parse(platforms::embedded_state_stores());
  if (as_json) {
    std::printf("%s\n", doc.dump(2).c_str());
    return 0;
  }
  std::printf("%s (as of %s)\n", doc.at("title").get<std::string>().c_str(),
              doc.at("as_of").get<std::string>().c_str());
  for (const auto& service : doc.at("services")) {
    std::printf("\n%s: %s\n  billing %s; limits: %s\n", service.at("service").get<std::string>().c_str(),
                service.at("title").get<std::string>().c_str(),
                service.at("billing").get<std::string>().c_str(),
                service.at("limits").get<std::string>().c_str());
    for (const auto& [key, p] : service.at("parameters").items())
      std::printf("  %-36s %-10s %-22s %s\n      source: %s\n", key.c_str(), p.at("value").dump().c_str(),
                  p.at("unit").get<std::string>().c_str(), p.at("status").get<std::string>().c_str(),
                  p.at("source").get<std::string>().c_str());
  }
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
  if (!parse_options(args, kCatalogUsage, opts, pos, vm)) return 0;
  const bool as_json = vm["json"].as<bool>();
  if (platform.empty() && as_json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : platforms::catalog())
      list.push_back({{"platform", e.platform}, {"title", e.title}, {"placement", e.placement}});
    std::printf("%s\n", nlohmann::json{{"platforms", list}}.dump(2).c_str());
    return 0;
  }
  if (platform.empty()) {
    for (const auto& e : platforms::catalog()) std::printf("%-14s %s\n", e.platform.c_str(), e.title.c_str());
    std::printf("%-14s %s\n", "gpus",
                "GPU catalogue: datasheet peaks per precision and the GPU latency model's MLPerf fit");
    std::printf("%-14s %s\n", "state-stores",
                "state stores of a topology's state-store stage: latency, units, limits, retries, prices");
    return 0;
  }
  if (platform == "gpus") return print_gpu_catalog(as_json);
  if (platform == "state-stores") return print_state_stores(as_json);
  const auto* e = platforms::find_platform(platform);
  if (!e) throw InputError("catalog: no platform '" + platform + "' (run `servesim catalog` for the list)");
  if (as_json) {
    std::printf("%s\n", catalog_entry_json(*e).dump(2).c_str());
    return 0;
  }
  std::printf("%s: %s (as of %s)\n\n", e->platform.c_str(), e->title.c_str(), e->as_of.c_str());
  for (const auto& p : e->parameters) {
    std::string range;
    if (p.value.is_number()) range = "[" + core::quote_number(p.min) + ".." + core::quote_number(p.max) + "]";
    std::printf("  %-38s %-14s %-10s %-12s %s\n      %s\n      source: %s\n", p.key.c_str(),
                p.value.dump().c_str(), p.unit.c_str(), p.status.c_str(), range.c_str(), p.help.c_str(),
                p.source.c_str());
  }
  return 0;
}

}  // namespace servesim::cli
