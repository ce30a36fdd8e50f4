#include "cli/output_options.hpp"

namespace servesim::cli {
namespace po = boost::program_options;

void add_force_option(po::options_description& opts) {
  opts.add_options()("force", po::bool_switch(),
                     "replace the output folder even when it holds files that servesim did not write");
}

reports::OutputDir::Options output_options(const po::variables_map& vm, std::vector<std::string> inputs) {
  reports::OutputDir::Options options;
  options.force = vm.count("force") && vm["force"].as<bool>();
  options.inputs = std::move(inputs);
  return options;
}

}  // namespace servesim::cli
