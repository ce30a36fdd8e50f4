#include "models/model_generator.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/input_error.hpp"
#include "models/inference_engine.hpp"
#include "models/model_inspector.hpp"
#include "models/ort_engine.hpp"
#include "test_dir.hpp"

using namespace servesim::models;
using servesim::models::test::scratch;

namespace {

std::string generate(ModelKind kind) {
  const std::string path = scratch(to_string(kind) + ".onnx");
  GenerateOptions options;
  options.kind = kind;
  generate_model(options, path);
  return path;
}

// Runs the model at batch 2 and returns the output dims.
std::vector<std::int64_t> run_batch_2(InferenceEngine& engine, const std::string& path) {
  engine.load(path, {1, true, ""});
  RunRequest request{input_specs(read_onnx(path).model, 2, 1), 0, 1, 1, 0, true};
  const RunTimes times = engine.run(request);
  REQUIRE(times.outputs.size() == 1);
  REQUIRE(times.times_s.size() == 1);
  return times.outputs[0].dims;
}

}  // namespace

TEST_CASE("models::ModelGenerator: presets, seeds and sizes") {
  SECTION("same seed, same bytes; another seed, other weights") {
    GenerateOptions options;
    options.kind = ModelKind::kRecsysMlp;
    generate_model(options, scratch("a.onnx"));
    generate_model(options, scratch("b.onnx"));
    options.seed = 2;
    generate_model(options, scratch("c.onnx"));
    auto bytes = [](const std::string& p) {
      std::ifstream in(p, std::ios::binary);
      return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    CHECK(bytes(scratch("a.onnx")) == bytes(scratch("b.onnx")));
    CHECK(bytes(scratch("a.onnx")) != bytes(scratch("c.onnx")));
  }
  SECTION("--target-mb lands near the asked size") {
    for (const auto kind : {ModelKind::kImageCnn, ModelKind::kTextTransformer, ModelKind::kRecsysMlp}) {
      GenerateOptions options;
      options.kind = kind;
      options.target_mb = 8;
      const auto result = generate_model(options, scratch("sized.onnx"));
      CHECK(static_cast<double>(result.parameter_count) * 4 / 1e6 == Approx(8).epsilon(0.15));
    }
  }
  SECTION("bad kind and size") {
    CHECK_THROWS_WITH(parse_model_kind("gpt"), Catch::Contains("image-cnn"));
    GenerateOptions options;
    options.size = "huge";
    CHECK_THROWS_AS(generate_model(options, scratch("x.onnx")), servesim::InputError);
  }
}

TEST_CASE("models::ModelGenerator: generated models run in ONNX Runtime with the declared output shape") {
  const std::string missing = OrtEngine::missing_piece();
  if (!missing.empty()) {
    if (std::getenv("CI")) FAIL("ONNX Runtime not available in CI: " << missing);
    WARN("ONNX Runtime not available, skipped: " << missing);
    return;
  }
  OrtEngine engine;
  CHECK(run_batch_2(engine, generate(ModelKind::kImageCnn)) == std::vector<std::int64_t>{2, 1000});
  CHECK(run_batch_2(engine, generate(ModelKind::kTextTransformer)) == std::vector<std::int64_t>{2, 2});
  CHECK(run_batch_2(engine, generate(ModelKind::kRecsysMlp)) == std::vector<std::int64_t>{2, 1});
}

TEST_CASE("models::ModelGenerator: OpenCV DNN runs the CNN and names the operator it cannot run") {
  std::ostringstream warnings;
  auto engine = make_engine(EngineKind::kOpenCv, warnings);
  CHECK(warnings.str().empty());
  CHECK(run_batch_2(*engine, generate(ModelKind::kImageCnn)) == std::vector<std::int64_t>{2, 1000});
  // OpenCV 4.6 cannot gather with indices computed at run time (embedding lookups).
  for (const auto kind : {ModelKind::kTextTransformer, ModelKind::kRecsysMlp}) {
    const std::string path = generate(kind);
    CHECK_THROWS_WITH(engine->load(path, {1, true, ""}),
                      Catch::Contains("opencv-dnn") && Catch::Contains("cannot run operator 'Gather'"));
  }
}
