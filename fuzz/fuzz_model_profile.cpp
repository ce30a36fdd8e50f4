// libFuzzer target: a model profile JSON file (what `servesim profile` writes and a scenario's
// "model": {"profile": PATH} reads) through models::load_profile, then the service-time model on it.
#include <cstddef>
#include <cstdint>

#include "core/input_error.hpp"
#include "fuzz/fuzz_input.hpp"
#include "models/model_profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace servesim;
  const std::string path = fuzz::scratch().write("profile.json", data, size);
  try {
    const models::ModelProfile profile = models::load_profile(path);
    models::to_json(profile).dump();
    for (double vcpu : {0.5, 1.0, 4.0}) models::service_time_s(profile, vcpu);
  } catch (const InputError&) {
  }
  return 0;
}
