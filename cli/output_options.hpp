#pragma once
// What every command that writes an output folder (run, advise, tune, sweep) shares: the --force option
// (app::prepare checks a scenario's own output folder; sweep checks its merged folder with output_options).
#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "reports/output_dir.hpp"

namespace servesim::cli {

// Adds --force to `opts`.
void add_force_option(boost::program_options::options_description& opts);
// --force from `vm` and `inputs`, for OutputDir.
reports::OutputDir::Options output_options(const boost::program_options::variables_map& vm,
                                           std::vector<std::string> inputs);

}  // namespace servesim::cli
