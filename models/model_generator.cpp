#include "models/model_generator.hpp"

#include <onnx/checker.h>

#include <cmath>
#include <filesystem>

#include "core/input_error.hpp"
#include "models/model_architectures.hpp"

namespace servesim::models {
namespace {

std::string build(ModelKind kind, GraphBuilder& b, const std::string& size, double scale) {
  switch (kind) {
    case ModelKind::kImageCnn:
      return build_image_cnn(b, size, scale);
    case ModelKind::kTextTransformer:
      return build_text_transformer(b, size, scale);
    case ModelKind::kRecsysMlp:
      return build_recsys_mlp(b, size, scale);
    case ModelKind::kTextDecoder:
      return build_text_decoder(b, size, scale);
  }
  return "";
}

std::uint64_t parameters_at(ModelKind kind, const std::string& size, double scale) {
  GraphBuilder dry("dry", 0, false);
  build(kind, dry, size, scale);
  return dry.parameter_count();
}

// The scale whose float32 parameters come closest to target_mb (parameters grow monotonically with scale).
double scale_for(ModelKind kind, const std::string& size, double target_mb) {
  const double target_params = target_mb * 1e6 / 4.0;
  double low = 1.0 / 64, high = 64;
  if (parameters_at(kind, size, high) < target_params)
    throw InputError("--target-mb: " + std::to_string(target_mb) + " MB is beyond what --size " + size +
                     " can reach by scaling; use --size large");
  for (int i = 0; i < 40; ++i) {
    const double mid = std::sqrt(low * high);
    (parameters_at(kind, size, mid) < target_params ? low : high) = mid;
  }
  return high;
}

}  // namespace

ModelKind parse_model_kind(const std::string& text) {
  if (text == "image-cnn") return ModelKind::kImageCnn;
  if (text == "text-transformer") return ModelKind::kTextTransformer;
  if (text == "recsys-mlp") return ModelKind::kRecsysMlp;
  if (text == "text-decoder") return ModelKind::kTextDecoder;
  throw InputError(
      "models generate: expected KIND image-cnn, text-transformer, recsys-mlp or text-decoder, got '" + text +
      "'");
}

std::string to_string(ModelKind kind) {
  switch (kind) {
    case ModelKind::kImageCnn:
      return "image-cnn";
    case ModelKind::kTextTransformer:
      return "text-transformer";
    case ModelKind::kRecsysMlp:
      return "recsys-mlp";
    case ModelKind::kTextDecoder:
      return "text-decoder";
  }
  return "";
}

GeneratedModel generate_model(const GenerateOptions& options, const std::string& out_path) {
  if (options.target_mb < 0) throw InputError("--target-mb: expected a positive size in MB");
  const double scale = options.target_mb > 0 ? scale_for(options.kind, options.size, options.target_mb) : 1.0;
  GraphBuilder builder(to_string(options.kind), options.seed, true);
  GeneratedModel result;
  result.description = build(options.kind, builder, options.size, scale);
  result.parameter_count = builder.parameter_count();
  onnx::ModelProto model =
      builder.finish(kReferenceOpset, result.description + " (seeded random weights, seed " +
                                          std::to_string(options.seed) + ")");
  const auto parent = std::filesystem::path(out_path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  result.bytes_written = write_onnx(model, out_path, options.write);
  result.has_external_data = std::filesystem::exists(out_path + ".data");
  try {
    onnx::checker::check_model(out_path);  // by path, so that external data is checked too
  } catch (const std::exception& e) {
    throw std::logic_error("generated model fails the ONNX checker: " + std::string(e.what()));
  }
  return result;
}

}  // namespace servesim::models
