#pragma once
// Command-line parsing shared by every subcommand.
#include <boost/program_options.hpp>

#include "cli/commands.hpp"

namespace servesim::cli {

// Adds --help, parses args into vm. Returns false after printing `usage` and the options when --help was
// given. A bad or missing option is an InputError ("command line: ... (see --help)").
bool parse_options(const Args& args, const char* usage, boost::program_options::options_description& opts,
                   boost::program_options::positional_options_description& pos,
                   boost::program_options::variables_map& vm);

}  // namespace servesim::cli
