#pragma once
// What every command that writes an output folder (run, advise, tune, sweep) shares: the --force option, and
// the files a run reads, which its output folder must never hold (reports/output_dir.hpp).
#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "reports/output_dir.hpp"

namespace servesim::sim {
struct Scenario;
}

namespace servesim::cli {

// Adds --force to `opts`.
void add_force_option(boost::program_options::options_description& opts);
// The files a scenario reads: the scenario itself, its trace, its model's ONNX file or profile.
std::vector<std::string> scenario_inputs(const sim::Scenario& scenario);
// --force from `vm` and `inputs`, for OutputDir.
reports::OutputDir::Options output_options(const boost::program_options::variables_map& vm,
                                           std::vector<std::string> inputs);

}  // namespace servesim::cli
