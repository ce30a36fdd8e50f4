// servesim: deployment-planning simulator for ML inference. Thin shell: each subcommand is one function.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "app/model_section.hpp"
#include "cli/commands.hpp"
#include "core/input_error.hpp"
#include "core/interrupt.hpp"

namespace {

// The status of a process stopped by a signal, as a shell reports it: 128 + the signal's number.
int interrupted_status(int signal_number) {
  return 128 + signal_number;
}

constexpr const char* kUsage =
    R"(servesim - where should this model be served, what will it cost, and what latency will users see?

Replays real traffic traces against simulated serving platforms (SimGrid engine) and reports requests,
latency percentiles, cold starts, throttles, instances and cost per candidate.

Usage:
  servesim run SCENARIO.json [--out DIR] [--html OUT.html]     simulate every candidate of a scenario
  servesim validate SCENARIO.json [--json]                     check a scenario (and its trace) without running
  servesim catalog [PLATFORM] [--json]                         what a platform model assumes, with sources
  servesim report RUN_DIR --html OUT.html                      HTML report of a finished run (no re-simulation)
  servesim compare RUN_A RUN_B [...] [--html OUT] [--json]     the same candidates across finished runs, deltas
  servesim advise SCENARIO.json [--out DIR] [--json] [--rules] where to serve it: rules, evidence, verdict
  servesim tune SCENARIO.json --platform P [--out DIR] [--json] cheapest configuration that meets the SLO
  servesim sweep SWEEP.json --out DIR [--jobs N]               many runs over a grid of values, merged, Pareto front
  servesim calibrate LOGS... --platform P --out DIR            fit a scenario to real logs, validate it on held-out time
  servesim export RUN_DIR --format F --out DIR [--candidate C] the simulated configuration as a deployment template
  servesim validate-model [--summary] [--json]                 each model's error against the bundled public measurements
)";

// Only in a build with models/ (app::has_models()).
constexpr const char* kModelsUsage =
    R"(  servesim inspect MODEL.onnx [--json]                         size, parameters, operators, FLOPs of a model
  servesim models generate|quantize ...                        make reference ONNX models, int8 weights
  servesim profile MODEL.onnx [--engine ort|opencv] ...        measure load and inference times for real
)";

constexpr const char* kUsageEnd = R"(
Run `servesim COMMAND --help` for the options of a command.
Scenario format: docs/scenario.md. Platform numbers and their sources: `servesim catalog`.

Output folders (--out DIR, default out/<scenario name>) appear whole or not at all and are replaced only when
empty or written by servesim (marked by DIR/.servesim-output), else with --force. See docs/reports.md.

In scripts: --progress=auto|bar|lines|none (plain lines on stderr when it is not a terminal), --json on every
command that prints a table, temporaries of killed runs removed by the next run. See docs/scripting.md.

Exit status: 0 ok, 1 a check failed (no candidate meets the SLO with run --fail-on-slo; no point meets it in
tune), 2 bad input (one line on stderr naming the file and the field), 3 internal error, 130 interrupted by
SIGINT (Ctrl-C), 143 interrupted by SIGTERM (one line on stderr; the output folder is not written).
)";

// The command's exit status; InputError and Interrupted are turned into theirs by main().
int run(const std::string& command, const servesim::cli::Args& args) {
  using namespace servesim;
  if (command == "run") return cli::run_command(args);
  if (command == "validate") return cli::validate_command(args);
  if (command == "catalog") return cli::catalog_command(args);
  if (command == "report") return cli::report_command(args);
  if (command == "compare") return cli::compare_command(args);
  if (command == "advise") return cli::advise_command(args);
  if (command == "tune") return cli::tune_command(args);
  if (command == "sweep") return cli::sweep_command(args);
  if (command == "calibrate") return cli::calibrate_command(args);
  if (command == "export") return cli::export_command(args);
  if (command == "validate-model") return cli::validate_model_command(args);
    // The models/ subcommands are registered only where they are compiled (cli/CMakeLists.txt leaves
    // models_commands.cpp out of a build without models/): the one use of SERVESIM_HAVE_MODELS outside app/.
#ifdef SERVESIM_HAVE_MODELS
  if (command == "inspect") return cli::inspect_command(args);
  if (command == "models") return cli::models_command(args);
  if (command == "profile") return cli::profile_command(args);
#endif
  if (command == "--version") {
    std::printf("servesim %s\n", SERVESIM_VERSION);
    return 0;
  }
  std::fprintf(stderr, "servesim: unknown command '%s' (see servesim --help)\n", command.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace servesim;
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    const std::string usage = std::string(kUsage) + (app::has_models() ? kModelsUsage : "") + kUsageEnd;
    std::fputs(usage.c_str(), argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  cli::Args args(argv + 2, argv + argc);
  // The commands that simulate stop at their next check on SIGINT or SIGTERM and remove what they wrote; the
  // others keep the default action (the process ends at once), since nothing in them would notice the
  // request.
  for (const char* simulating : {"run", "validate", "advise", "tune", "sweep", "calibrate"})
    if (command == simulating) core::install_interrupt_handlers();
  try {
    const int status = run(command, args);
    // A signal that came after the last point where the work could stop: the outputs are complete.
    if (const int signal_number = core::interrupt_signal()) {
      std::fprintf(stderr, "servesim: interrupted (%s) after its work was done\n",
                   core::signal_name(signal_number).c_str());
      return interrupted_status(signal_number);
    }
    return status;
  } catch (const core::Interrupted& e) {
    std::fprintf(stderr, "servesim: %s\n", e.what());
    return interrupted_status(e.signal_number());
  } catch (const InputError& e) {
    std::fprintf(stderr, "servesim: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "servesim: internal error: %s\n", e.what());
    return 3;
  }
}
