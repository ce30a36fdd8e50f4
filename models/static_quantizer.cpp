#include "core/input_error.hpp"
#include "models/quantize_modes.hpp"
namespace servesim::models::quantize {
void static_int8(onnx::ModelProto&, const std::string& path, const std::string&, const QuantizeOptions&,
                 QuantizeResult&, std::ostream&) {
  throw input_error(path, "", "static-int8 not yet");
}
}  // namespace servesim::models::quantize
