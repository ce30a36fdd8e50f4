#pragma once
// `servesim models generate`: reference ONNX models built from scratch with seeded random weights. Latency
// depends on the architecture and the tensor sizes, not on the weight values, so these stand in for trained
// models of the same shape when profiling serving options.
#include <cstdint>
#include <string>

#include "models/onnx_file.hpp"

namespace servesim::models {

enum class ModelKind {
  kImageCnn,         // ResNet-style CNN, image[batch,3,224,224] -> logits[batch,1000]
  kTextTransformer,  // DistilBERT-shaped encoder, input_ids[batch,128] -> logits[batch,2]
  kRecsysMlp,        // embedding tables + MLP scorer, dense[batch,13] + sparse_ids[batch,T] -> score[batch,1]
  kTextDecoder,      // GPT-2-shaped decoder with a KV cache (text_decoder.cpp): input_ids[batch,n] + past_*
                     // -> logits[batch,n,vocab] + present_*
};

// "image-cnn", "text-transformer", "recsys-mlp", "text-decoder"
ModelKind parse_model_kind(const std::string& text);
std::string to_string(ModelKind kind);

struct GenerateOptions {
  ModelKind kind = ModelKind::kImageCnn;
  std::string size = "small";  // preset: small | base | large (see docs/models.md for their shapes)
  double target_mb = 0;    // > 0: scale the preset's width (CNN, transformer) or rows (recsys) to this size
  std::uint64_t seed = 1;  // weight values
  WriteOptions write;
};

struct GeneratedModel {
  std::uint64_t parameter_count = 0;
  std::uint64_t bytes_written = 0;  // model file + external data
  bool has_external_data = false;
  std::string description;  // the shape in one line, e.g. "ResNet-style, width 16, blocks 1-1-1-1"
};

// Builds, checks with the ONNX checker and writes the model.
GeneratedModel generate_model(const GenerateOptions& options, const std::string& out_path);

}  // namespace servesim::models
