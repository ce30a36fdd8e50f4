#pragma once
// `servesim models quantize`: weight-only int8. Float weights of Conv, Gemm and MatMul (and embedding tables
// read by Gather) become int8 with one symmetric scale per output channel (per row for tables), and a
// DequantizeLinear node in front of the consumer turns them back into float at run time. Activations stay
// float, so the graph runs in any engine that has DequantizeLinear (opset >= 13 for per-channel scales).
#include <cstdint>
#include <string>

#include "models/inference_engine.hpp"
#include "models/onnx_file.hpp"

namespace servesim::models {

struct QuantizeOptions {
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
  double size_ratio() const {
    return output_bytes ? static_cast<double>(input_bytes) / static_cast<double>(output_bytes) : 0;
  }
};

QuantizeResult quantize_weights(const std::string& in_path, const std::string& out_path,
                                const QuantizeOptions& options = {});

struct OutputDifference {
  std::string engine;            // the engine that ran both models
  double max_abs_diff = 0;       // largest |reference - candidate| over all outputs
  double max_abs_reference = 0;  // largest |reference|, to read the difference against
  std::size_t compared_values = 0;
};

// Runs both models on the same seeded random inputs (batch 1) and compares their outputs element by element.
OutputDifference compare_outputs(const std::string& reference_path, const std::string& candidate_path,
                                 EngineKind engine, std::uint32_t seed, std::ostream& warnings);

}  // namespace servesim::models
