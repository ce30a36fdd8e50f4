// libFuzzer target: an ONNX file through `servesim inspect` (models::inspect_model: protobuf parsing, the
// structure check, external-data checks, FLOP counting) and both renderings of the result.
// The input is written as <scratch>/model.onnx, so an external-data location "model.onnx" names the file
// itself.
#include <cstddef>
#include <cstdint>

#include "core/input_error.hpp"
#include "fuzz/fuzz_input.hpp"
#include "models/model_inspector.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace servesim;
  const std::string path = fuzz::scratch().write("model.onnx", data, size);
  try {
    const models::ModelInfo info = models::inspect_model(path);
    // As `servesim inspect --json` prints it: names need not be valid UTF-8 (protobuf does not check).
    models::to_json(info).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    models::to_text(info);
  } catch (const InputError&) {
  }
  return 0;
}
