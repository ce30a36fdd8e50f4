// libFuzzer target: a scenario file, read as `servesim run` reads it (sim::load_scenario: JSON syntax, every
// section and key), then its candidates checked against the catalogue (platforms::make_candidates).
// An InputError is the expected answer to bad input; any other exception, a crash or a sanitizer report is a
// finding. Trace files named by the scenario are not opened here (fuzz_rate_trace, fuzz_request_trace).
#include <cstddef>
#include <cstdint>

#include "core/input_error.hpp"
#include "fuzz/fuzz_input.hpp"
#include "platforms/model_factory.hpp"
#include "sim/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace servesim;
  const std::string path = fuzz::scratch().write("scenario.json", data, size);
  try {
    const sim::Scenario scenario = sim::load_scenario(path);
    platforms::make_candidates(scenario);
  } catch (const InputError&) {
  }
  return 0;
}
