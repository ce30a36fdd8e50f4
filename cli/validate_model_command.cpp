// servesim validate-model: the models against the bundled reference measurements
// (calibrate/model_accuracy.hpp).
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <string>

#include "calibrate/model_accuracy.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "core/atomic_file.hpp"
#include "core/input_error.hpp"

namespace servesim::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kValidateModelUsage =
    R"(Usage: servesim validate-model [--summary] [--json] [--out FILE.json] [--fail-above PCT]
                               [--seed N] [--resamples R]

How far is each model from public measurements? Reruns the reference measurements bundled with servesim
through the models as built, and prints measured vs modelled side by side with the error:
  gpu-latency   MLPerf Inference closed results (ResNet-50, BERT-99 on T4 .. H200): offline throughput per
                GPU and single-stream latency against the calibrated roofline (docs/models/gpu-latency.md)
  llm-serving   published LLM serving figures (MLPerf, TensorRT-LLM, vLLM, NIM), each setup replayed
                through the token-level engine: throughput, TTFT, TPOT (docs/models/llm-serving.md)
Each group is summarised twice: in sample (the figures the fit was made on, so small by construction) and
held out (figures the fit never saw: the honest error), as the median absolute error with a bootstrap 95%
interval over the figures, and the largest. Then each platform model: what its rules are checked against,
and that no public per-request measurement of it is bundled (calibrate on your own logs for that).

  --summary         only the summaries, not each figure
  --json            print the whole result as JSON instead of the table
  --out FILE.json   also write it there (written whole or not at all)
  --fail-above PCT  exit with status 1 when a group's held-out median absolute error exceeds PCT percent

Exit status: 0 ok, 1 above --fail-above, 2 bad input, 3 internal error.
)";

void print_table(const nlohmann::ordered_json& r, bool rows) {
  for (const auto& g : r["groups"]) {
    std::printf("%s: %s\n  against %s (%s)\n", g["id"].get<std::string>().c_str(),
                g["title"].get<std::string>().c_str(), g["data"].get<std::string>().c_str(),
                g["doc"].get<std::string>().c_str());
    if (rows) {
      std::printf("  %-44s %-10s %-32s %12s %12s %9s\n", "figure", "role", "metric", "measured", "modelled",
                  "error");
      for (const auto& row : g["rows"])
        std::printf("  %-44s %-10s %-32s %12.4g %12.4g %+8.1f%%\n", row["id"].get<std::string>().c_str(),
                    row["role"].get<std::string>().c_str(), row["metric"].get<std::string>().c_str(),
                    row["measured"].get<double>(), row["modelled"].get<double>(),
                    row["error_pct"].get<double>());
      for (const auto& n : g["not_replayed"])
        std::printf("  %-44s not replayed: %s\n", n["id"].get<std::string>().c_str(),
                    n["why"].get<std::string>().c_str());
    }
    for (const char* role : {"in-sample", "held-out"}) {
      const auto& s = g["summary"][role];
      if (s["rows"].get<size_t>() == 0) {
        std::printf("  %-9s: no figures\n", role);
        continue;
      }
      std::printf(
          "  %-9s: %zu figures, median |error| %.1f%% (95%% interval %.1f .. %.1f%%), largest %.1f%% (%s)\n",
          role, s["rows"].get<size_t>(), s["median_abs_error_pct"].get<double>(),
          s["median_ci95"][0].get<double>(), s["median_ci95"][1].get<double>(),
          s["max_abs_error_pct"].get<double>(), s["worst"].get<std::string>().c_str());
    }
    std::printf("\n");
  }
  std::printf("platform models (scaling, keep-alive, billing, limits):\n");
  for (const auto& p : r["platforms"])
    std::printf("  %s: checked against %s.\n    Public measurements: %s; %s.\n",
                p["platform"].get<std::string>().c_str(), p["checked_against"].get<std::string>().c_str(),
                p["public_measurements"].get<std::string>().c_str(),
                p["calibrate"].get<std::string>().c_str());
}

}  // namespace

int validate_model_command(const Args& args) {
  po::options_description opts("Options");
  calibrate::AccuracyOptions options;
  std::string out;
  opts.add_options()("summary", po::bool_switch(), "only the summaries")(
      "json", po::bool_switch(), "print JSON instead of the table")("out,o", po::value(&out),
                                                                    "also write the JSON to this file")(
      "fail-above", po::value<double>(), "exit 1 when a held-out median |error| exceeds PCT percent")(
      "seed", po::value(&options.seed)->default_value(1), "seed of the bootstrap")(
      "resamples", po::value(&options.resamples)->default_value(2000), "bootstrap resamples (100..100000)");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse_options(args, kValidateModelUsage, opts, pos, vm)) return 0;
  if (options.resamples < 100 || options.resamples > 100000)
    throw InputError("command line: --resamples must be 100..100000 (see --help)");
  double fail_above = -1;
  if (vm.count("fail-above")) {
    fail_above = vm["fail-above"].as<double>();
    if (!(fail_above >= 0) || !std::isfinite(fail_above))
      throw InputError("command line: --fail-above must be a number >= 0 (see --help)");
  }

  const nlohmann::ordered_json result = calibrate::model_accuracy(options);
  if (!out.empty()) core::write_file_atomic(out, result.dump(2) + "\n");
  if (vm["json"].as<bool>())
    std::printf("%s\n", result.dump(2).c_str());
  else
    print_table(result, !vm["summary"].as<bool>());

  int status = 0;
  if (fail_above >= 0)
    for (const auto& g : result["groups"]) {
      const auto& s = g["summary"]["held-out"];
      if (s["rows"].get<size_t>() > 0 && s["median_abs_error_pct"].get<double>() > fail_above) {
        std::fprintf(
            stderr, "servesim: validate-model: %s's held-out median |error| %.1f%% exceeds --fail-above %g\n",
            g["id"].get<std::string>().c_str(), s["median_abs_error_pct"].get<double>(), fail_above);
        status = 1;
      }
    }
  return status;
}

}  // namespace servesim::cli
