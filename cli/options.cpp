#include "cli/options.hpp"

#include <cctype>
#include <cmath>
#include <iostream>
#include <string>

#include "core/input_error.hpp"

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
  } catch (const po::required_option& e) {
    // A missing positional argument is named as the usage line names it (SCENARIO.json, RUN_DIR), not as the
    // --option the parser keeps it under.
    std::string name = e.get_option_name();
    while (!name.empty() && name.front() == '-') name.erase(0, 1);
    for (unsigned i = 0; i < pos.max_total_count() && i < 8; ++i)
      if (pos.name_for_position(i) == name) {
        std::string upper;
        for (char c : name)
          upper += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        throw InputError("command line: missing the " + upper + " argument (see --help)");
      }
    throw InputError(std::string("command line: ") + e.what() + " (see --help)");
  } catch (const po::error& e) {
    throw InputError(std::string("command line: ") + e.what() + " (see --help)");
  }
  return true;
}

void add_run_limit_options(po::options_description& opts) {
  const sim::RunLimits defaults;
  opts.add_options()("max-arrivals", po::value<double>()->default_value(defaults.max_arrivals, "1e9"),
                     "refuse a run with more arrivals than this (the estimate `validate` prints)")(
      "max-output-mb", po::value<double>()->default_value(defaults.max_output_mb, "2048"),
      "refuse a run whose output folder would be larger than this [MB]");
}

sim::RunLimits run_limits(const po::variables_map& vm) {
  sim::RunLimits limits;
  auto positive = [&](const char* name, double& out) {
    if (!vm.count(name)) return;
    out = vm[name].as<double>();
    if (!(out > 0) || !std::isfinite(out))
      throw InputError(std::string("command line: --") + name + " must be a number > 0 (see --help)");
  };
  positive("max-arrivals", limits.max_arrivals);
  positive("max-output-mb", limits.max_output_mb);
  return limits;
}

app::PrepareOptions prepare_options_from(const po::variables_map& vm) {
  app::PrepareOptions options;
  options.limits = run_limits(vm);
  options.force = vm.count("force") && vm["force"].as<bool>();
  return options;
}

}  // namespace servesim::cli
