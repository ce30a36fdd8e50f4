#include "cli/output_options.hpp"

#include <filesystem>

#include "sim/scenario.hpp"

namespace servesim::cli {
namespace po = boost::program_options;

void add_force_option(po::options_description& opts) {
  opts.add_options()("force", po::bool_switch(),
                     "replace the output folder even when it holds files that servesim did not write");
}

std::vector<std::string> scenario_inputs(const sim::Scenario& scenario) {
  std::vector<std::string> inputs = {scenario.file};
  if (!scenario.workload.path.empty()) inputs.push_back(scenario.workload.path);
  if (scenario.model.is_object())
    for (const char* key : {"onnx", "profile"})
      if (scenario.model.contains(key) && scenario.model[key].is_string())
        inputs.push_back((std::filesystem::path(scenario.base_dir) / scenario.model[key].get<std::string>())
                             .lexically_normal()
                             .string());
  return inputs;
}

reports::OutputDir::Options output_options(const po::variables_map& vm, std::vector<std::string> inputs) {
  reports::OutputDir::Options options;
  options.force = vm.count("force") && vm["force"].as<bool>();
  options.inputs = std::move(inputs);
  return options;
}

}  // namespace servesim::cli
