#pragma once
// `servesim models quantize`: four ways to store and run a float ONNX model with fewer bits.
//   weight-int8   Conv/Gemm/MatMul weights and Gather tables int8 (symmetric, one scale per output channel or
//                 row), a DequantizeLinear in front of each consumer: smaller file, float compute (every call
//                 dequantizes the weights again).
//   dynamic-int8  integer kernels with activations quantized at run time: DynamicQuantizeLinear (uint8,
//                 per-tensor scale from each call's min/max) + MatMulInteger / ConvInteger (int8 weights),
//                 the int32 result scaled back to float (Cast, Mul) and the bias added; BatchNormalization is
//                 folded into the Conv first; embedding tables int8, dequantized per row looked up.
//   static-int8   QDQ format: QuantizeLinear/DequantizeLinear pairs on activations with scales calibrated by
//                 running seeded inputs through the float model (min/max per tensor), DequantizeLinear on
//                 int8 weights and int32 biases; ONNX Runtime fuses the pairs into int8 kernels (QLinearConv,
//                 ...).
//   int4          weight-only 4-bit for MatMul/Gemm weights: com.microsoft MatMulNBits (block-wise scales
//                 along K, block 32 or 128), an ONNX Runtime contrib operator; tables int8 as above.
//
//   QuantizeOptions options;  options.mode = QuantizeMode::kDynamicInt8;
//   QuantizeResult r = quantize_weights("m.onnx", "m-dyn.onnx", options);
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "models/inference_engine.hpp"
#include "models/onnx_file.hpp"

namespace servesim::models {

enum class QuantizeMode { kWeightInt8, kDynamicInt8, kStaticInt8, kInt4 };
// "weight-int8" | "dynamic-int8" | "static-int8" | "int4"; anything else is an InputError naming --mode.
QuantizeMode parse_quantize_mode(const std::string& text);
std::string to_string(QuantizeMode mode);

struct QuantizeOptions {
  QuantizeMode mode = QuantizeMode::kWeightInt8;
  // static-int8: calibration inputs run through the float model (seeded, batch 1), 1 to 10000.
  int calibration_inputs = 16;
  std::uint32_t calibration_seed = 1000;  // input i uses seed calibration_seed + i
  // int4: weights per block along K (32 or 128) sharing one scale.
  int int4_block_size = 32;
  // static-int8: the engine that runs the calibration (ORT; OpenCV cannot run every model).
  EngineKind calibration_engine = EngineKind::kOrt;
  std::uint64_t min_elements = 1024;  // smaller tensors (biases, norms) stay float
  // The external data loaded may total at most this many bytes (0: half of this machine's physical memory):
  // the float weights, their int8 copies and a float copy of the tensor being quantized are all in memory.
  std::uint64_t memory_budget_bytes = 0;
  // Refuse, before writing anything, a model whose batch-1 inputs compare_outputs would refuse
  // (check_input_sizes), when the comparison is to follow.
  bool check_comparison_inputs = false;
  WriteOptions write;
};

struct QuantizeResult {
  std::uint64_t input_bytes = 0;  // .onnx plus external data
  std::uint64_t output_bytes = 0;
  int quantized_tensors = 0;
  std::uint64_t quantized_parameters = 0;
  int folded_batch_norms = 0;
  int calibrated_tensors = 0;          // static-int8: activation tensors with a calibrated scale
  std::vector<std::string> operators;  // operator types of the written graph ("com.microsoft:MatMulNBits")
  double size_ratio() const {
    return output_bytes ? static_cast<double>(input_bytes) / static_cast<double>(output_bytes) : 0;
  }
};

// Writes nothing when the model cannot be quantized in the mode asked (InputError naming the file).
// `warnings` receives the ORT-missing warning of the calibration engine (static-int8).
QuantizeResult quantize_weights(const std::string& in_path, const std::string& out_path,
                                const QuantizeOptions& options = {});
QuantizeResult quantize_weights(const std::string& in_path, const std::string& out_path,
                                const QuantizeOptions& options, std::ostream& warnings);

struct OutputDifference {
  std::string engine;            // the engine that ran both models
  double max_abs_diff = 0;       // largest |reference - candidate| over all outputs
  double max_abs_reference = 0;  // largest |reference|, to read the difference against
  std::size_t compared_values = 0;
  int inputs = 0;  // input sets compared
  // Outputs whose last axis has more than one value (class scores): rows whose largest entry is the same
  // in both models, out of all such rows (0 of 0 when no output has classes).
  int top1_agreements = 0;
  int top1_rows = 0;
  double relative_diff() const { return max_abs_reference > 0 ? max_abs_diff / max_abs_reference : 0; }
};

// Runs both models on the same seeded random inputs (batch 1; input set i uses seed + i, i < inputs) and
// compares their outputs element by element.
OutputDifference compare_outputs(const std::string& reference_path, const std::string& candidate_path,
                                 EngineKind engine, std::uint32_t seed, std::ostream& warnings,
                                 int inputs = 1);

}  // namespace servesim::models
