#pragma once
// The four reference architectures behind model_generator.hpp. `scale` widens (CNN, transformer) or
// lengthens (recsys rows) the preset; the builder decides whether weights get bytes.
#include <string>

#include "models/graph_builder.hpp"

namespace servesim::models {

inline constexpr std::int64_t kReferenceOpset = 13;  // read by ORT and by OpenCV 4.6's ONNX importer

// Each returns a one-line description and leaves the finished graph in the builder.
std::string build_image_cnn(GraphBuilder& b, const std::string& size, double scale);
std::string build_text_transformer(GraphBuilder& b, const std::string& size, double scale);
std::string build_recsys_mlp(GraphBuilder& b, const std::string& size, double scale);
std::string build_text_decoder(GraphBuilder& b, const std::string& size, double scale);

// Transformer pieces shared by the encoder and the decoder (text_transformer.cpp).
// LayerNorm over the last axis, spelt out with ReduceMean/Sub/Mul/Sqrt/Div (opset 13 has no
// LayerNormalization).
std::string layer_norm(GraphBuilder& b, const std::string& x, std::int64_t hidden);
// x [.., in] -> x W + b [.., out], W uniform in +-sqrt(3 / in).
std::string dense(GraphBuilder& b, const std::string& x, std::int64_t in, std::int64_t out,
                  const std::string& hint);

}  // namespace servesim::models
