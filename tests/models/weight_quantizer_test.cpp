#include "models/weight_quantizer.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/input_error.hpp"
#include "models/model_generator.hpp"
#include "models/model_inspector.hpp"
#include "models/ort_engine.hpp"
#include "test_dir.hpp"

using namespace servesim::models;
using servesim::models::test::scratch;

TEST_CASE("models::WeightQuantizer: int8 weights are ~4x smaller and outputs stay close") {
  GenerateOptions options;
  options.kind = ModelKind::kImageCnn;
  generate_model(options, scratch("cnn.onnx"));
  const QuantizeResult result = quantize_weights(scratch("cnn.onnx"), scratch("cnn_int8.onnx"));
  // int8 instead of float32 for 99% of the weights; per-channel scales and small float tensors keep the
  // ratio a little under 4.
  CHECK(result.size_ratio() > 3.5);
  CHECK(result.size_ratio() < 4.0);
  CHECK(result.quantized_tensors == 12);  // 11 convolutions + the classifier
  const ModelInfo info = inspect_model(scratch("cnn_int8.onnx"));
  CHECK(info.operator_counts.at("DequantizeLinear") == 12);
  CHECK(info.initializer_bytes_by_type.at("int8") > 435000);

  const std::string missing = OrtEngine::missing_piece();
  if (!missing.empty()) {
    if (std::getenv("CI")) FAIL("ONNX Runtime not available in CI: " << missing);
    WARN("ONNX Runtime not available, output comparison skipped: " << missing);
    return;
  }
  std::ostringstream warnings;
  const OutputDifference diff =
      compare_outputs(scratch("cnn.onnx"), scratch("cnn_int8.onnx"), EngineKind::kOrt, 3, warnings);
  CHECK(diff.compared_values == 1000);
  // Per-channel symmetric int8 rounds each weight by at most scale/2 = max|w|/254 (0.4%); through 11
  // layers the outputs stay within 3% of the largest float output.
  CHECK(diff.max_abs_diff > 0);
  CHECK(diff.max_abs_diff < 0.03 * diff.max_abs_reference);
}

TEST_CASE("models::WeightQuantizer: recsys tables are quantized per row") {
  GenerateOptions options;
  options.kind = ModelKind::kRecsysMlp;
  generate_model(options, scratch("rec.onnx"));
  const QuantizeResult result = quantize_weights(scratch("rec.onnx"), scratch("rec_int8.onnx"));
  // The tables and the top MLP turn int8; the 13x32 bottom layer and the biases (under 1024 elements) stay
  // float, so the ratio is a little lower than the CNN's.
  CHECK(result.size_ratio() > 3.4);
  if (OrtEngine::missing_piece().empty()) {
    // The ids must index the int8 tables the same way as the float ones (same rows, same inputs).
    std::ostringstream warnings;
    const auto diff =
        compare_outputs(scratch("rec.onnx"), scratch("rec_int8.onnx"), EngineKind::kOrt, 5, warnings);
    CHECK(diff.max_abs_diff < 0.01 * diff.max_abs_reference);
  }
  CHECK_THROWS_WITH(quantize_weights(scratch("rec_int8.onnx"), scratch("again.onnx")),
                    Catch::Contains("no float Conv/Gemm/MatMul/Gather weight"));
}

TEST_CASE("models::WeightQuantizer: hostile external data is refused and nothing is written") {
  GenerateOptions options;
  options.kind = ModelKind::kImageCnn;
  options.write.external_above_bytes = 0;  // every weight of at least 1 KiB in cnn-ext.onnx.data
  generate_model(options, scratch("cnn-ext.onnx"));
  SECTION("over the memory budget") {
    QuantizeOptions quantize;
    quantize.memory_budget_bytes = 100'000;
    CHECK_THROWS_WITH(quantize_weights(scratch("cnn-ext.onnx"), scratch("budget_int8.onnx"), quantize),
                      Catch::Contains("bytes of external data would bring the weights loaded to") &&
                          Catch::Contains("above the memory budget of 100000 bytes"));
    CHECK_FALSE(std::filesystem::exists(scratch("budget_int8.onnx")));
  }
  SECTION("a location outside the model's folder") {
    onnx::ModelProto model = read_onnx(scratch("cnn-ext.onnx")).model;
    for (auto& tensor : *model.mutable_graph()->mutable_initializer())
      for (auto& entry : *tensor.mutable_external_data())
        if (entry.key() == "location") entry.set_value("../../../../../../../../etc/passwd");
    write_onnx(model, scratch("cnn-passwd.onnx"));
    CHECK_THROWS_WITH(
        quantize_weights(scratch("cnn-passwd.onnx"), scratch("passwd_int8.onnx")),
        Catch::Contains("cnn-passwd.onnx: initializer") &&
            Catch::Contains(": external data location \"../../../../../../../../etc/passwd\" is "
                            "outside the model's folder"));
    CHECK_FALSE(std::filesystem::exists(scratch("passwd_int8.onnx")));
  }
}
