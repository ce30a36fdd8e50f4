#pragma once
// Floating-point operations of one inference, after ONNX shape inference. Convention: FLOPs = 2 x
// multiply-accumulates of Conv, ConvTranspose, Gemm and MatMul (including the batched, attention-shaped
// MatMuls Q.K^T and P.V); bias additions, activations, normalisation and pooling are not counted (they
// are memory-bound and a few percent of the total in CNNs and transformers).
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <map>
#include <string>

namespace servesim::models {

struct FlopCount {
  double flops = 0;                           // per inference at the given batch size
  std::map<std::string, double> by_operator;  // FLOPs per operator type
  int uncounted_nodes = 0;                    // counted operators whose shapes inference could not resolve
};

// Symbolic or missing input dims become batch_size for the first dimension and 1 elsewhere.
FlopCount count_flops(const onnx::ModelProto& model, std::int64_t batch_size = 1);

}  // namespace servesim::models
