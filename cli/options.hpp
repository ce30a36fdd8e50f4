#pragma once
// Command-line parsing shared by every subcommand.
#include <boost/program_options.hpp>

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
// estimate_work, then check_run_limits: throws InputError before anything is written when the run is beyond
// a limit. Also reads the whole trace once, so a bad token is reported before any output exists.
sim::WorkEstimate check_run(const sim::Scenario& scenario, const boost::program_options::variables_map& vm,
                            bool writes_timeseries);

}  // namespace servesim::cli
