#pragma once
// The graph rewrites behind each mode of `servesim models quantize` (weight_quantizer.hpp describes them).
// Each works on a model already read with its weights loaded, fills the counts of `result` and throws an
// InputError naming `path` when nothing in the model can be quantized that way. Internal to models/.
#include <onnx/onnx_pb.h>

#include <iosfwd>
#include <string>

#include "models/weight_quantizer.hpp"

namespace servesim::models::quantize {

void weight_only_int8(onnx::ModelProto& model, const std::string& path, const QuantizeOptions& options,
                      QuantizeResult& result);
void dynamic_int8(onnx::ModelProto& model, const std::string& path, const QuantizeOptions& options,
                  QuantizeResult& result);
void int4_weights(onnx::ModelProto& model, const std::string& path, const QuantizeOptions& options,
                  QuantizeResult& result);
// Runs the calibration inputs through the float model (a temporary copy beside `out_path` with the
// activations to calibrate as extra outputs) with options.calibration_engine.
void static_int8(onnx::ModelProto& model, const std::string& path, const std::string& out_path,
                 const QuantizeOptions& options, QuantizeResult& result, std::ostream& warnings);

}  // namespace servesim::models::quantize
