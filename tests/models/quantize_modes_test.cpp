// The quantization modes of `servesim models quantize` beyond weight-only int8 (weight_quantizer_test.cpp):
// dynamic-int8, static-int8 and int4. Each quantized graph must load and run in ONNX Runtime, stay within a
// tolerance derived from its quantization step, and have the size the bit widths predict.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/input_error.hpp"
#include "models/graph_builder.hpp"
#include "models/model_generator.hpp"
#include "models/model_inspector.hpp"
#include "models/ort_engine.hpp"
#include "models/quantize_graph.hpp"
#include "models/weight_quantizer.hpp"
#include "ort_check.hpp"
#include "test_dir.hpp"

using namespace servesim::models;
using servesim::models::test::ort_available;
using servesim::models::test::scratch;

namespace {

constexpr std::int64_t kK = 256, kN = 64;

// y[1, N] = x[1, K] W[K, N] with W uniform in +-sqrt(3 / K) (unit-variance outputs for unit-variance x).
std::string single_matmul(const std::string& name) {
  GraphBuilder b("matmul", 7, true);
  b.add_input("x", onnx::TensorProto::FLOAT, {1, kK});
  const std::string w = b.weight("w", {kK, kN}, std::sqrt(3.0f / kK));
  b.node("MatMul", {"x", w}, "mm");
  b.last_node().set_output(0, "y");
  b.add_output("y", onnx::TensorProto::FLOAT, {1, kN});
  onnx::ModelProto model = b.finish(13, "one MatMul");
  write_onnx(model, scratch(name));
  return scratch(name);
}

struct SingleRun {
  std::vector<float> x, w, y;  // input, float weight [K, N], quantized model's output
};

SingleRun run_single(const std::string& float_path, const std::string& quantized_path, std::uint32_t seed) {
  SingleRun run;
  const onnx::ModelProto model = read_onnx(float_path).model;
  run.w = quantize::float_values(model.graph().initializer(0));
  std::ostringstream warnings;
  auto engine = make_engine(EngineKind::kOrt, warnings);
  engine->load(quantized_path, {1, true, ""});
  RunRequest request{input_specs(model, 1, seed), 0, 1, 1, 0, true};
  run.x = input_values(request.inputs[0]);
  run.y = engine->run(request).outputs.at(0).values;
  return run;
}

double exact_output(const SingleRun& run, std::int64_t n) {
  double y = 0;
  for (std::int64_t k = 0; k < kK; ++k) y += double(run.x[std::size_t(k)]) * run.w[std::size_t(k * kN + n)];
  return y;
}

// Checks an int8 x int8 MatMul (activation range [x_low, x_high] on a uint8 grid, weights per column)
// against the exact product of the float model.
//   s_x = (max(x_high, 0) - min(x_low, 0)) / 255, so |x - x^| <= e_x = s_x / 2 for x inside the range;
//   s_w[n] = max_k |W[k, n]| / 127, |W - W^| <= e_w[n] = s_w[n] / 2; then
//   |x^ W^ - x W| = |sum_k (x^_k - x_k) W^_kn + x_k (W^_kn - W_kn)|
//                <= sum_k (e_x (|W_kn| + e_w[n]) + |x_k| e_w[n]),
// plus float32 accumulation (1e-5 here), checked per output against the exact product in double.
// That bound adds K worst cases; rounding errors, uniform in +-e, have variance e^2 / 3 and add like a
// random walk, so the expected squared error of output n is sum_k (x_k^2 e_w^2 + W_kn^2 e_x^2) / 3. Over
// the 64 outputs the observed root-mean-square error must match that prediction (a 64-sample RMS has a
// relative spread of ~1 / sqrt(128) = 9%; [0.6, 1.5] is ~4 spreads wide): the quantization is the one
// described, neither coarser nor absent.
void check_int8_matmul(const SingleRun& run) {
  double x_min = 0, x_max = 0;
  for (const float v : run.x) x_min = std::min<double>(x_min, v), x_max = std::max<double>(x_max, v);
  const double e_x = (x_max - x_min) / 255 / 2;
  double squared_error = 0, predicted = 0;
  for (std::int64_t n = 0; n < kN; ++n) {
    double w_max = 0;
    for (std::int64_t k = 0; k < kK; ++k)
      w_max = std::max<double>(w_max, std::fabs(run.w[std::size_t(k * kN + n)]));
    const double e_w = w_max / 127 / 2;
    double bound = 1e-5;
    for (std::int64_t k = 0; k < kK; ++k) {
      const double w = run.w[std::size_t(k * kN + n)], x = run.x[std::size_t(k)];
      bound += e_x * (std::fabs(w) + e_w) + std::fabs(x) * e_w;
      predicted += (x * x * e_w * e_w + w * w * e_x * e_x) / 3;
    }
    const double error = std::fabs(run.y[std::size_t(n)] - exact_output(run, n));
    CHECK(error <= bound);
    squared_error += error * error;
  }
  const double rms_ratio = std::sqrt(squared_error / predicted);
  INFO("observed / predicted RMS error " << rms_ratio);
  CHECK(rms_ratio > 0.6);
  CHECK(rms_ratio < 1.5);
}

}  // namespace

TEST_CASE("models::QuantizeModes: dynamic-int8 MatMul stays within its rounding bound") {
  const std::string float_path = single_matmul("mm.onnx");
  QuantizeOptions options;
  options.mode = QuantizeMode::kDynamicInt8;
  const QuantizeResult result = quantize_weights(float_path, scratch("mm-dyn.onnx"), options);
  CHECK(result.quantized_tensors == 1);
  const ModelInfo info = inspect_model(scratch("mm-dyn.onnx"));
  CHECK(info.operator_counts.at("DynamicQuantizeLinear") == 1);
  CHECK(info.operator_counts.at("MatMulInteger") == 1);
  CHECK_FALSE(info.operator_counts.count("MatMul"));
  // 256 x 64 int8 weights instead of float32: 16384 bytes, plus 64 float scales.
  CHECK(info.initializer_bytes_by_type.at("int8") == std::uint64_t{kK * kN});
  if (!ort_available()) return;
  // DynamicQuantizeLinear takes this call's own range: the bound of check_int8_matmul with x's min/max.
  check_int8_matmul(run_single(float_path, scratch("mm-dyn.onnx"), 11));
}

TEST_CASE("models::QuantizeModes: static-int8 MatMul calibrated on its input stays within the same bound") {
  const std::string float_path = single_matmul("mm-static.onnx");
  if (!ort_available()) return;
  QuantizeOptions options;
  options.mode = QuantizeMode::kStaticInt8;
  // One calibration input, the very input run below: the calibrated range is that input's min/max, so the
  // activation is quantized on the same grid as dynamic-int8 would, and the same bound holds.
  options.calibration_inputs = 1;
  options.calibration_seed = 17;
  const QuantizeResult result = quantize_weights(float_path, scratch("mm-static-q.onnx"), options);
  CHECK(result.quantized_tensors == 1);
  CHECK(result.calibrated_tensors == 1);
  const ModelInfo info = inspect_model(scratch("mm-static-q.onnx"));
  CHECK(info.operator_counts.at("QuantizeLinear") == 1);
  CHECK(info.operator_counts.at("DequantizeLinear") == 2);  // the activation and the weight
  check_int8_matmul(run_single(float_path, scratch("mm-static-q.onnx"), 17));
}

TEST_CASE("models::QuantizeModes: int4 MatMulNBits stays within its block rounding bound") {
  const std::string float_path = single_matmul("mm4.onnx");
  for (const int block : {32, 128}) {
    QuantizeOptions options;
    options.mode = QuantizeMode::kInt4;
    options.int4_block_size = block;
    const std::string out = scratch("mm-int4-" + std::to_string(block) + ".onnx");
    quantize_weights(float_path, out, options);
    const ModelInfo info = inspect_model(out);
    CHECK(info.operator_counts.at("com.microsoft:MatMulNBits") == 1);
    // Two 4-bit codes per byte: K N / 2 = 8192 bytes, and one float32 scale per block of `block` weights:
    // K N / block scales. Against K N float32 weights (65536 bytes) that is 1/8 of the size plus the
    // scales: 65536 / (8192 + 4 x 512) = 6.4x at block 32, 65536 / (8192 + 4 x 128) = 7.53x at block 128.
    CHECK(info.initializer_bytes_by_type.at("uint8") == std::uint64_t{kK * kN / 2});
    CHECK(info.initializer_bytes_by_type.at("float32") == std::uint64_t(4 * kK * kN / block));
    if (!ort_available()) return;
    const SingleRun run = run_single(float_path, out, 13);
    // Each weight rounds to its block's grid s = max|w in block| / 7 (codes -8..7), an error of at most
    // s / 2; the activations stay float, so |y^_n - y_n| <= sum_k |x_k| s(block of k, n) / 2 (+ 1e-5). As
    // for int8 the expected squared error is sum_k x_k^2 (s / 2)^2 / 3, and the RMS over 64 outputs must
    // match.
    double squared_error = 0, predicted = 0;
    for (std::int64_t n = 0; n < kN; ++n) {
      double bound = 1e-5;
      for (std::int64_t begin = 0; begin < kK; begin += block) {
        double w_max = 0, x_sum = 0, x_squares = 0;
        for (std::int64_t k = begin; k < begin + block; ++k) {
          w_max = std::max<double>(w_max, std::fabs(run.w[std::size_t(k * kN + n)]));
          x_sum += std::fabs(run.x[std::size_t(k)]);
          x_squares += double(run.x[std::size_t(k)]) * run.x[std::size_t(k)];
        }
        const double e = w_max / 7 / 2;
        bound += x_sum * e;
        predicted += x_squares * e * e / 3;
      }
      const double error = std::fabs(run.y[std::size_t(n)] - exact_output(run, n));
      CHECK(error <= bound);
      squared_error += error * error;
    }
    const double rms_ratio = std::sqrt(squared_error / predicted);
    INFO("block " << block << ": observed / predicted RMS error " << rms_ratio);
    CHECK(rms_ratio > 0.6);
    CHECK(rms_ratio < 1.5);
  }
}

TEST_CASE("models::QuantizeModes: dynamic-int8 reference models run in ORT close to float") {
  struct Case {
    ModelKind kind;
    const char* name;
    const char* integer_op;
    double tolerance;
  };
  // Per layer, weights round by at most max|w| / 254 (0.4% of the largest weight) and activations by
  // range / 510 (0.2%); errors of independent sign grow like the square root of the depth: the CNN's 12
  // quantized layers give about sqrt(12) x 0.6% = 2.1%, hence 3% of the largest float output; the
  // transformer's 13 (and its LayerNorms rescaling the error with the signal) and the 3-layer recsys MLP
  // likewise stay under 3%.
  for (const Case& c : {Case{ModelKind::kImageCnn, "cnn", "ConvInteger", 0.03},
                        Case{ModelKind::kTextTransformer, "transformer", "MatMulInteger", 0.03},
                        Case{ModelKind::kRecsysMlp, "recsys", "MatMulInteger", 0.03}}) {
    GenerateOptions generate;
    generate.kind = c.kind;
    const std::string float_path = scratch(std::string(c.name) + ".onnx");
    const std::string out = scratch(std::string(c.name) + "-dyn.onnx");
    generate_model(generate, float_path);
    QuantizeOptions options;
    options.mode = QuantizeMode::kDynamicInt8;
    const QuantizeResult result = quantize_weights(float_path, out, options);
    // Nearly all weights are int8 with 4-byte scales per channel: the file is a little under 1/4.
    CHECK(result.size_ratio() > 3.4);
    CHECK(result.size_ratio() < 4.0);
    const ModelInfo info = inspect_model(out);
    CHECK(info.operator_counts.count(c.integer_op));
    CHECK_FALSE(info.operator_counts.count("BatchNormalization"));
    if (c.kind == ModelKind::kImageCnn) {
      CHECK(result.folded_batch_norms == 12);
      // 11 of the 12 convolutions; the 1x1 shortcut from 16 to 32 channels has 512 weights, under the
      // 1024-element threshold, and stays float.
      CHECK(info.operator_counts.at("ConvInteger") == 11);
      CHECK(info.operator_counts.at("Conv") == 1);
    }
    if (!ort_available()) return;
    std::ostringstream warnings;
    const auto diff = compare_outputs(float_path, out, EngineKind::kOrt, 21, warnings, 4);
    INFO(c.name << ": " << diff.max_abs_diff << " of " << diff.max_abs_reference);
    CHECK(diff.max_abs_diff > 0);
    CHECK(diff.relative_diff() < c.tolerance);
  }
}

TEST_CASE("models::QuantizeModes: bad input is refused with one line") {
  CHECK_THROWS_WITH(parse_quantize_mode("int2"),
                    "--mode: expected weight-int8, dynamic-int8, static-int8 or int4, got 'int2'");
  const std::string float_path = single_matmul("mm-bad.onnx");
  QuantizeOptions options;
  options.mode = QuantizeMode::kInt4;
  options.int4_block_size = 64;
  CHECK_THROWS_WITH(quantize_weights(float_path, scratch("bad.onnx"), options),
                    "--block-size: expected 32 or 128, got 64");
  CHECK_FALSE(std::filesystem::exists(scratch("bad.onnx")));
  options.mode = QuantizeMode::kStaticInt8;
  options.calibration_inputs = 0;
  CHECK_THROWS_WITH(quantize_weights(float_path, scratch("bad.onnx"), options),
                    "--calibration: expected 1 to 10000 inputs, got 0");
  options.mode = QuantizeMode::kDynamicInt8;
  options.calibration_inputs = 16;
  options.min_elements = 1'000'000;  // nothing that large
  CHECK_THROWS_WITH(
      quantize_weights(float_path, scratch("bad.onnx"), options),
      Catch::Contains("mm-bad.onnx") &&
          Catch::Contains("no float Conv/Gemm/MatMul weight or Gather table of at least 1000000"));
  CHECK_FALSE(std::filesystem::exists(scratch("bad.onnx")));
}

TEST_CASE("models::QuantizeModes: static-int8 reference models fuse into int8 kernels and stay close") {
  struct Case {
    ModelKind kind;
    const char* name;
    const char* fused_op;  // what ONNX Runtime turns the QDQ pattern into
    int fused_count;
    double tolerance;
  };
  // Activation scales are per tensor, fixed by the calibration range: the step is range / 255, 0.4% of the
  // largest activation, but a tensor whose typical values are much smaller than its largest (the recsys
  // concatenation of bottom-MLP outputs with 0.05-sized embeddings, the transformer's normalised
  // activations) rounds those by a few percent; over a dot product of K terms these average down by
  // ~sqrt(K), leaving ~1-3% of the largest output after the quantized layers. Hence 5%.
  // The CNN: 11 of its 12 Convs are quantized (the 512-weight 1x1 shortcut stays float), and ORT fuses
  // each into QLinearConv; the transformer's 12 weight MatMuls (6 per layer) become MatMulIntegerToFloat.
  for (const Case& c :
       {Case{ModelKind::kImageCnn, "cnn", "com.microsoft:QLinearConv", 11, 0.05},
        Case{ModelKind::kTextTransformer, "transformer", "com.microsoft:MatMulIntegerToFloat", 12, 0.05},
        Case{ModelKind::kRecsysMlp, "recsys", "", 0, 0.05}}) {
    if (!ort_available()) return;
    GenerateOptions generate;
    generate.kind = c.kind;
    const std::string float_path = scratch(std::string(c.name) + "-s.onnx");
    const std::string out = scratch(std::string(c.name) + "-static.onnx");
    generate_model(generate, float_path);
    QuantizeOptions options;
    options.mode = QuantizeMode::kStaticInt8;
    options.calibration_inputs = 4;
    const QuantizeResult result = quantize_weights(float_path, out, options);
    CHECK(result.size_ratio() > 3.4);
    CHECK(result.size_ratio() < 4.0);
    CHECK(result.calibrated_tensors > 0);
    CHECK_FALSE(std::filesystem::exists(out + ".calibration.onnx"));  // the probe model is removed
    std::ostringstream warnings;
    if (c.fused_count) {
      auto engine = make_engine(EngineKind::kOrt, warnings);
      const std::string optimized = scratch(std::string(c.name) + "-static-ort.onnx");
      engine->load(out, {1, true, optimized});
      const ModelInfo info = inspect_model(optimized);
      CHECK(info.operator_counts.count(c.fused_op));
      if (info.operator_counts.count(c.fused_op)) CHECK(info.operator_counts.at(c.fused_op) == c.fused_count);
    }
    // Held-out inputs (seeds 21..24), not the calibration ones (1000..1003).
    const auto diff = compare_outputs(float_path, out, EngineKind::kOrt, 21, warnings, 4);
    INFO(c.name << ": " << diff.max_abs_diff << " of " << diff.max_abs_reference);
    CHECK(diff.max_abs_diff > 0);
    CHECK(diff.relative_diff() < c.tolerance);
  }
}
