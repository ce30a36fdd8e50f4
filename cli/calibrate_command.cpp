// servesim calibrate: fit a scenario to a platform's own logs and validate it on held-out time.
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "calibrate/calibration.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "core/input_error.hpp"

namespace servesim::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kCalibrateUsage =
    R"(Usage: servesim calibrate LOGS... [--platform P] --out DIR [--train-fraction F] [--fail-above PCT]
                          [--seed N] [--replications R] [--bootstrap B] [--architecture A]
                          [--model M] [--gpu G] [--tensor-parallel N] [--force] [--quiet]

Reads a function's per-request logs, fits a scenario to the first part of them (by time) and replays the
rest through the simulator to say how far its figures are from what the logs show.

LOGS, by --platform (told from the first file's content when --platform is not given):
  AWS Lambda       CloudWatch Logs exports holding the REPORT line of each invocation, as
    aws logs tail /aws/lambda/FUNCTION --since 1d --format detailed > lambda.log            (text)
    aws logs filter-log-events --log-group-name /aws/lambda/FUNCTION --output json > lambda.json  (JSON)
    (or JSON Lines of such events). Other lines (START, END, the function's output) are skipped.
  Cloud Run        Cloud Logging entries of the service (a JSON array or JSON Lines), as
    gcloud logging read 'resource.type="cloud_run_revision" AND resource.labels.service_name="SVC"'
      --format=json > run.json
    request entries (httpRequest.latency, labels.instanceId) are read; "Starting new instance" system
    entries, where present, confirm cold starts; other entries are skipped. An entry's timestamp is taken
    as the request's arrival; --timestamp-at end takes it as the response (arrival = timestamp - latency):
    Google's reference does not say which.
  Azure Functions  Application Insights request telemetry (the requests or AppRequests table) exported from
    Log Analytics as CSV with a header row, a JSON array of rows, JSON Lines, or the query API's JSON:
    timestamp, duration (ms), cloud_RoleInstance, and optionally id, resultCode, itemCount (must be 1).
  vLLM on Kubernetes (GPU)  Prometheus data of the vLLM pods: text-exposition scrapes of /metrics in one
    file, each scrape after a line '# servesim-scrape UNIX_S' (or samples with millisecond timestamps),
    or the JSON answers of /api/v1/query_range (one file per metric or several). vllm:request_success_total,
    prompt/generation_tokens_total, num_requests_running and the TTFT, TPOT and e2e histograms are read;
    the model comes from the model_name label or --model, the GPU from a GPU label or --gpu.

Writes, into DIR (which appears whole or not at all):
  requests.csv      every logged invocation's arrival [s from the first] (a request trace)
  scenario.json     the scenario fitted on the training part: warm service times (empirical percentiles of
                    Duration; Cloud Run and Azure: of the latency of requests that were not the first on
                    their instance), cold-start init (of Init Duration; Cloud Run and Azure: first-request
                    latency minus the warm mean), the idle lifetime (a censored-data estimate from each
                    log stream's or instance's reuse gaps), memory (Lambda); values and sample sizes in
                    its description.
                    `servesim run DIR/scenario.json` replays the whole trace through it.
                    vLLM: the request rate per scrape interval (rate.txt, instead of requests.csv), the
                    mean input and output tokens, the replica range, the model and the node type
  validation.json   observed vs simulated over the held-out part: cold-start share, latency p50/p90/p99,
                    mean billed duration and cost (Lambda only), peak concurrent executions (busy
                    instances); 95% intervals (bootstrap over
                    the logged invocations; the spread of the replications) and the error in percent.
                    vLLM: TTFT p50/p99, TPOT p50, e2e p50/p99 (histogram estimates, the bucket bounds as
                    their interval), running requests (mean and peak)
  validation.html   the same as a self-contained page with a chart of the intervals
Lambda logs at several Memory Sizes: each size is fitted on the first part of its own records and validated
on the rest (a size with too few records is left out, with a note); scenario.json has one candidate per
size (fitted-lambda-<MB>, each with its own service), scenario-<MB>.json and requests-<MB>.csv each size
alone, validation.json a block per size and a fit of the warm median against the CPU share.
Lambda: billing (100-ms rounding before Dec 2020, init billed or not) is read from Billed Duration; prices
are the catalogue's (`servesim catalog`), for --architecture. Cloud Run and Azure logs carry no billing, no
instance size and no plan: the catalogue's instance size (Azure: Flex Consumption) is written.
The same logs and seed give byte-identical files. See docs/calibrate.md.

Exit status: 0 ok, 1 an error above --fail-above, 2 bad input (one line on stderr naming the file and the
line), 3 internal error, 130/143 interrupted (nothing is written).
)";

// The table of validation.json's rows ("metrics").
void print_table(const nlohmann::ordered_json& metrics) {
  std::printf("%-28s %14s %25s %14s %25s %9s\n", "figure", "observed", "observed 95%", "simulated",
              "simulated 95%", "error");
  for (const auto& m : metrics) {
    const auto range = [](const auto& pair) {
      if (pair[0].is_null()) return std::string("-");
      char text[64];
      std::snprintf(text, sizeof text, "%.4g .. %.4g", pair[0].template get<double>(),
                    pair[1].template get<double>());
      return std::string(text);
    };
    char error[32] = "-";
    if (!m["error_pct"].is_null())
      std::snprintf(error, sizeof error, "%+.1f%%", m["error_pct"].get<double>());
    std::printf("%-28s %14.5g %25s %14.5g %25s %9s\n", m["name"].get<std::string>().c_str(),
                m["observed"].get<double>(), range(m["observed_ci95"]).c_str(), m["simulated"].get<double>(),
                range(m["simulated_ci95"]).c_str(), error);
  }
}

void print_validation(const nlohmann::ordered_json& v, const calibrate::CalibrateOptions& options,
                      const std::string& out_dir) {
  if (v.contains("observed_intervals"))  // histogram data: requests, and no resampling
    std::printf(
        "%s: trained on %zu requests, validated on %zu (seed %llu, %u replications; observed "
        "intervals: histogram bucket bounds)\n",
        v["platform"].get<std::string>().c_str(), v["train"]["invocations"].get<size_t>(),
        v["validation"]["invocations"].get<size_t>(), static_cast<unsigned long long>(options.seed),
        options.replications);
  else
    std::printf(
        "%s: trained on %zu invocations, validated on %zu (seed %llu, %u replications, %u resamples)\n",
        v["platform"].get<std::string>().c_str(), v["train"]["invocations"].get<size_t>(),
        v["validation"]["invocations"].get<size_t>(), static_cast<unsigned long long>(options.seed),
        options.replications, options.bootstrap);
  print_table(v["metrics"]);
  std::printf("outputs: %s/{scenario.json,validation.json,validation.html,%s}\n", out_dir.c_str(),
              v.contains("observed_intervals") ? "rate.txt" : "requests.csv");
}

// Several memory sizes: a table per size, the sizes left out, the fit of the warm median on the CPU share.
void print_memory_sizes(const nlohmann::ordered_json& v, const calibrate::CalibrateOptions& options,
                        const std::string& out_dir) {
  std::printf("%s: %zu memory sizes fitted apart, %s in time (seed %llu, %u replications, %u resamples)\n",
              v["platform"].get<std::string>().c_str(), v["memory_sizes"].size(),
              v["groups_in_time"].get<std::string>().c_str(), static_cast<unsigned long long>(options.seed),
              options.replications, options.bootstrap);
  for (const auto& block : v["memory_sizes"]) {
    std::printf("\n%.0f MB (%s): trained on %zu invocations, validated on %zu\n",
                block["memory_mb"].get<double>(), block["candidate"].get<std::string>().c_str(),
                block["train"]["invocations"].get<size_t>(),
                block["validation"]["invocations"].get<size_t>());
    print_table(block["metrics"]);
  }
  for (const auto& out : v["left_out"])
    std::printf("\nleft out: %.0f MB (%zu records): %s\n", out["memory_mb"].get<double>(),
                out["invocations"].get<size_t>(), out["reason"].get<std::string>().c_str());
  const auto& scaling = v["memory_scaling"];
  if (scaling.is_object()) {
    std::printf("\nwarm median = %.4g ms + %.4g ms / vCPU (a two-parameter fit; error per size:",
                scaling["fixed_ms"].get<double>(), scaling["cpu_ms_vcpu"].get<double>());
    for (const auto& p : scaling["groups"])
      std::printf(" %.0f MB %+.1f%%", p["memory_mb"].get<double>(), p["error_pct"].get<double>());
    std::printf(")\n");
  }
  std::printf(
      "outputs: %s/{scenario.json,validation.json,validation.html,requests.csv} and "
      "scenario-<MB>.json, requests-<MB>.csv per size\n",
      out_dir.c_str());
}

}  // namespace

int calibrate_command(const Args& args) {
  po::options_description opts("Options");
  calibrate::CalibrateOptions options;
  std::string platforms;
  for (const auto& p : calibrate::calibrated_platforms()) platforms += (platforms.empty() ? "" : ", ") + p;
  opts.add_options()("logs", po::value(&options.logs)->required(), "log files")(
      "platform", po::value(&options.platform),
      ("the platform the logs come from: " + platforms + " (default: told from the first file)").c_str())(
      "out,o", po::value(&options.out_dir)->required(), "output folder")(
      "train-fraction", po::value(&options.train_fraction)->default_value(0.7, "0.7"),
      "share of the logs' time span, from its start, that the fit uses; the rest validates it")(
      "fail-above", po::value<double>(), "exit with status 1 when an error exceeds PCT percent")(
      "seed", po::value(&options.seed)->default_value(1), "random seed of the replays and the bootstrap")(
      "replications", po::value(&options.replications)->default_value(10),
      "simulated replays of the validation window (2..1000)")(
      "bootstrap", po::value(&options.bootstrap)->default_value(1000),
      "bootstrap resamples of the observed window (100..100000)")(
      "architecture", po::value(&options.architecture)->default_value("x86_64"),
      "x86_64 or arm64 (Lambda; not in the logs; selects the price per GB-s)")(
      "model", po::value(&options.model),
      "vLLM: the served model, a service.llm preset or a name starting with one (default: the model_name "
      "label)")("gpu", po::value(&options.gpu),
                "vLLM: the GPU, e.g. h100, l4, a100-80gb (default: a GPU label)")(
      "tensor-parallel", po::value(&options.tensor_parallel)->default_value(1),
      "vLLM: GPUs one replica spans (the deployment's --tensor-parallel-size; not in the metrics)")(
      "timestamp-at", po::value(&options.timestamp_at)->default_value("start"),
      "Cloud Run: what a request entry's timestamp marks, the request's start (its arrival) or its end "
      "(arrival = timestamp - latency); Google does not document it")(
      "force", po::bool_switch(&options.force),
      "replace an output folder holding files servesim did not write")(
      "json", po::bool_switch(), "print validation.json instead of the table")("quiet,q", po::bool_switch(),
                                                                               "print nothing but errors");
  po::positional_options_description pos;
  pos.add("logs", -1);
  po::variables_map vm;
  if (!parse_options(args, kCalibrateUsage, opts, pos, vm)) return 0;
  double fail_above = -1;
  if (vm.count("fail-above")) {
    fail_above = vm["fail-above"].as<double>();
    if (!(fail_above >= 0) || !std::isfinite(fail_above))
      throw InputError("command line: --fail-above must be a number >= 0 (see --help)");
  }

  const calibrate::CalibrateOutcome outcome = calibrate::calibrate(options);
  if (vm["json"].as<bool>()) {
    std::printf("%s\n", outcome.validation.dump(2).c_str());
  } else if (!vm["quiet"].as<bool>()) {
    const auto& v = outcome.validation;
    if (v.contains("memory_sizes"))
      print_memory_sizes(v, options, outcome.out_dir);
    else
      print_validation(v, options, outcome.out_dir);
  }
  if (fail_above >= 0 && outcome.max_abs_error_pct > fail_above) {
    std::fprintf(stderr, "servesim: calibrate: an error of %.1f%% exceeds --fail-above %g\n",
                 outcome.max_abs_error_pct, fail_above);
    return 1;
  }
  return 0;
}

}  // namespace servesim::cli
