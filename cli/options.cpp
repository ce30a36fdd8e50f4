#include "cli/options.hpp"

#include <iostream>
#include <string>

#include "sim/input_error.hpp"

namespace servesim::cli {
namespace po = boost::program_options;

bool parse_options(const Args& args, const char* usage, po::options_description& opts,
                   po::positional_options_description& pos, po::variables_map& vm) {
  opts.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << usage << "\n" << opts << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw InputError(std::string("command line: ") + e.what() + " (see --help)");
  }
  return true;
}

}  // namespace servesim::cli
