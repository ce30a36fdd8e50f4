#pragma once
// Command-line parsing shared by every subcommand.
#include <boost/program_options.hpp>

#include "app/prepare.hpp"
#include "cli/commands.hpp"
#include "sim/run_limits.hpp"

namespace servesim::cli {

// Adds --help, parses args into vm. Returns false after printing `usage` and the options when --help was
// given. A bad or missing option is an InputError ("command line: ... (see --help)").
bool parse_options(const Args& args, const char* usage, boost::program_options::options_description& opts,
                   boost::program_options::positional_options_description& pos,
                   boost::program_options::variables_map& vm);

// --max-arrivals and --max-output-mb, for the commands that simulate (sim/run_limits.hpp).
void add_run_limit_options(boost::program_options::options_description& opts);
// The limits given on the command line (the defaults otherwise); a limit must be a number > 0.
sim::RunLimits run_limits(const boost::program_options::variables_map& vm);
// app::prepare's options from the command line: the run limits and --force (when the command has it).
app::PrepareOptions prepare_options_from(const boost::program_options::variables_map& vm);

}  // namespace servesim::cli
