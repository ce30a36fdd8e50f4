#pragma once
// Each subcommand of `servesim` is one function: it gets the arguments after the subcommand name and returns
// the process exit status (0 ok, 1 SLO not met with --fail-on-slo, 2 bad input, 3 internal error). InputError
// thrown from a command is printed as one line and turned into status 2 by main().
#include <string>
#include <vector>

namespace servesim::cli {

using Args = std::vector<std::string>;

int run_command(const Args& args);        // servesim run
int validate_command(const Args& args);   // servesim validate
int catalog_command(const Args& args);    // servesim catalog
int report_command(const Args& args);     // servesim report RUN_DIR --html OUT.html
int compare_command(const Args& args);    // servesim compare RUN_A RUN_B [...] [--html OUT.html] [--json]
int advise_command(const Args& args);     // servesim advise
int tune_command(const Args& args);       // servesim tune
int sweep_command(const Args& args);      // servesim sweep SWEEP.json --out DIR [--jobs N]
int calibrate_command(const Args& args);  // servesim calibrate LOGS... --platform P --out DIR
int export_command(const Args& args);     // servesim export RUN_DIR --format F --out DIR
int validate_model_command(const Args& args);  // servesim validate-model

// Only in a build with models/ (app::has_models(); cli/models_commands.cpp).
int inspect_command(const Args& args);  // servesim inspect MODEL.onnx
int models_command(const Args& args);   // servesim models generate|quantize ...
int profile_command(const Args& args);  // servesim profile MODEL.onnx

}  // namespace servesim::cli
