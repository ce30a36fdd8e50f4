#include "models/model_inspector.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "core/input_error.hpp"
#include "models/graph_builder.hpp"
#include "models/model_generator.hpp"
#include "models/onnx_file.hpp"
#include "test_dir.hpp"

using namespace servesim::models;
using servesim::models::test::scratch;

namespace {

// Conv 3->4 channels, 3x3, pad 1 on 8x8; an attention-shaped MatMul [1,2,16,8] x [1,2,8,16]; a Gemm 10->5.
std::string tiny_model() {
  GraphBuilder b("tiny", 7, true);
  b.add_input("x", onnx::TensorProto::FLOAT, {1, 3, 8, 8});
  b.add_input("q", onnx::TensorProto::FLOAT, {1, 2, 16, 8});
  b.add_input("k", onnx::TensorProto::FLOAT, {1, 2, 8, 16});
  b.add_input("v", onnx::TensorProto::FLOAT, {1, 10});
  const std::string w = b.weight("w", {4, 3, 3, 3}, 0.1f);  // 108 parameters
  const std::string bias = b.weight("b", {4}, 0.1f);        // 4
  b.node("Conv", {"x", w, bias});
  b.attr("pads", std::vector<std::int64_t>{1, 1, 1, 1});
  b.last_node().set_output(0, "y");
  b.node("MatMul", {"q", "k"});
  b.last_node().set_output(0, "scores");
  const std::string g = b.weight("g", {5, 10}, 0.1f);  // 50
  b.node("Gemm", {"v", g});
  b.attr("transB", std::int64_t{1});
  b.last_node().set_output(0, "z");
  b.add_output("y", onnx::TensorProto::FLOAT, {1, 4, 8, 8});
  b.add_output("scores", onnx::TensorProto::FLOAT, {1, 2, 16, 16});
  b.add_output("z", onnx::TensorProto::FLOAT, {1, 5});
  onnx::ModelProto model = b.finish(13, "tiny");
  const std::string path = scratch("tiny.onnx");
  write_onnx(model, path);
  return path;
}

}  // namespace

TEST_CASE("models::ModelInspector: counts parameters and FLOPs as computed by hand") {
  const ModelInfo info = inspect_model(tiny_model());
  CHECK(info.parameter_count == 108 + 4 + 50);
  CHECK(info.initializer_bytes == (108 + 4 + 50) * 4);
  CHECK(info.initializer_bytes_by_type.at("float32") == (108 + 4 + 50) * 4);
  CHECK(info.opsets.at("") == 13);
  // Conv: 2 x (4 x 8 x 8 outputs) x (3 x 3 x 3) MACs each = 13824.
  CHECK(info.flops_by_operator.at("Conv") == Approx(2.0 * 4 * 8 * 8 * 27));
  // Attention-shaped MatMul: 2 x (1 x 2 x 16 x 16 outputs) x 8 = 8192.
  CHECK(info.flops_by_operator.at("MatMul") == Approx(2.0 * 2 * 16 * 16 * 8));
  // Gemm: 2 x 5 outputs x 10 = 100.
  CHECK(info.flops_by_operator.at("Gemm") == Approx(100));
  CHECK(info.flops_per_inference == Approx(13824 + 8192 + 100));
  CHECK(info.operator_counts.at("Conv") == 1);
  REQUIRE(info.inputs.size() == 4);
  CHECK(info.inputs[0].dims == std::vector<std::string>{"1", "3", "8", "8"});
  CHECK(to_json(info)["flops_per_inference"].get<double>() == Approx(22116));
}

TEST_CASE(
    "models::ModelInspector: a Conv whose weight rank differs from its input's is uncounted, not a crash") {
  // ONNX 1.12's shape inference reads out of bounds on this (fuzz finding, kept in fuzz/corpus/onnx_inspect):
  // a rank-2 input [1, 3] against a 3x3 kernel [4, 3, 3, 3], no kernel_shape attribute. A second Conv takes
  // its weight from a graph input (known only at run time) and a third is well-formed, so its count stands.
  GraphBuilder b("ranks", 7, true);
  b.add_input("x", onnx::TensorProto::FLOAT, {1, 3});
  b.add_input("img", onnx::TensorProto::FLOAT, {1, 3, 8, 8});
  b.add_input("wr", onnx::TensorProto::FLOAT, {4, 3, 3, 3});
  const std::string w = b.weight("w", {4, 3, 3, 3}, 0.1f);
  b.node("Conv", {"x", w});
  b.last_node().set_output(0, "bad");
  b.node("Conv", {"img", "wr"});
  b.last_node().set_output(0, "dynamic");
  b.node("Conv", {"img", w});
  b.last_node().set_output(0, "good");
  for (const char* out : {"bad", "dynamic", "good"}) b.add_output(out, onnx::TensorProto::FLOAT, {});
  const std::string path = scratch("ranks.onnx");
  onnx::ModelProto model = b.finish(13, "ranks");
  write_onnx(model, path);
  const ModelInfo info = inspect_model(path);
  CHECK(info.uncounted_nodes == 2);
  CHECK(info.flops_by_operator.at("Conv") == Approx(2.0 * 4 * 6 * 6 * 27));  // 6x6 outputs without padding
}

TEST_CASE("models::ModelInspector: the small CNN and transformer match hand counts") {
  SECTION("image-cnn small: width 16, one basic block per stage") {
    GenerateOptions options;
    options.kind = ModelKind::kImageCnn;
    generate_model(options, scratch("cnn.onnx"));
    const ModelInfo info = inspect_model(scratch("cnn.onnx"));
    // stem 16*3*49 + BN 64; stage0 2*(16*16*9) + 2 BN; stage1..3 projection + two 3x3 convs + 3 BN; fc.
    const double stem = 16 * 3 * 49 + 64, stage0 = 2 * 2304 + 128;
    const double stage1 = 512 + 4608 + 9216 + 3 * 128, stage2 = 2048 + 18432 + 36864 + 3 * 256,
                 stage3 = 8192 + 73728 + 147456 + 3 * 512, fc = 128 * 1000 + 1000;
    CHECK(info.parameter_count == stem + stage0 + stage1 + stage2 + stage3 + fc);  // 439896
    // FLOPs: stem 2*16*112^2*147; stage0 2 convs of 2*16*56^2*144; each later stage 2*C*HW*(Cin + 9Cin + 9C)
    // which is the same 22,478,848 at every stage; fc 2*128*1000.
    const double flops = 2.0 * 16 * 112 * 112 * 147 + 2 * (2.0 * 16 * 3136 * 144) + 3 * 22478848.0 + 256000;
    CHECK(info.flops_per_inference == Approx(flops));  // 155,600,896
    CHECK(info.uncounted_nodes == 0);
    CHECK(info.inputs.at(0).dims == std::vector<std::string>{"batch", "3", "224", "224"});
  }
  SECTION("text-transformer small: hidden 128, 2 layers, 2 heads, sequence 128") {
    GenerateOptions options;
    options.kind = ModelKind::kTextTransformer;
    generate_model(options, scratch("bert.onnx"));
    const ModelInfo info = inspect_model(scratch("bert.onnx"));
    const double dense = 4 * (2.0 * 128 * 128 * 128), attention = 2 * (2.0 * 2 * 128 * 128 * 64),
                 ffn = 2 * (2.0 * 128 * 128 * 512);
    CHECK(info.flops_per_inference == Approx(2 * (dense + attention + ffn) + 2 * 128 * 2));  // 117,441,024
    CHECK(info.uncounted_nodes == 0);
  }
}

TEST_CASE("models::ModelInspector: rejects bad files with a clear message") {
  SECTION("not ONNX") {
    std::ofstream(scratch("notes.onnx")) << "these are my notes, not a model\n";
    CHECK_THROWS_AS(inspect_model(scratch("notes.onnx")), servesim::InputError);
    CHECK_THROWS_WITH(inspect_model(scratch("notes.onnx")), Catch::Contains("not an ONNX model"));
  }
  SECTION("truncated") {
    const std::string path = tiny_model();
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const double keep : {0.3, 0.6, 0.9}) {
      std::ofstream(scratch("cut.onnx"), std::ios::binary)
          << bytes.substr(0, static_cast<std::size_t>(bytes.size() * keep));
      CHECK_THROWS_MATCHES(inspect_model(scratch("cut.onnx")), servesim::InputError,
                           Catch::Matchers::Predicate<servesim::InputError>([](const auto& e) {
                             const std::string what = e.what();
                             return what.find("cut.onnx") != std::string::npos &&
                                    (what.find("truncated") != std::string::npos ||
                                     what.find("not an ONNX model") != std::string::npos);
                           }));
    }
  }
  SECTION("missing file") {
    CHECK_THROWS_WITH(inspect_model(scratch("absent.onnx")), Catch::Contains("no such ONNX file"));
  }
}

TEST_CASE("models::ModelInspector: reports and checks external data") {
  GenerateOptions options;
  options.kind = ModelKind::kRecsysMlp;
  options.write.external_above_bytes = 0;  // force external data on a small model
  const auto generated = generate_model(options, scratch("ext.onnx"));
  CHECK(generated.has_external_data);
  const ModelInfo info = inspect_model(scratch("ext.onnx"));
  CHECK(info.external_data_bytes > 4'000'000);
  CHECK(info.file_bytes < 100'000);
  CHECK(info.parameter_count == generated.parameter_count);
  std::filesystem::remove(scratch("ext.onnx.data"));
  CHECK_THROWS_AS(inspect_model(scratch("ext.onnx")), servesim::InputError);
  CHECK_THROWS_WITH(inspect_model(scratch("ext.onnx")),
                    Catch::Contains("ext.onnx.data") && Catch::Contains("does not exist"));
}
