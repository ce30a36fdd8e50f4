#include "models/profiler.hpp"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <sstream>

#include "core/input_error.hpp"
#include "models/graph_builder.hpp"
#include "models/host_info.hpp"
#include "models/model_generator.hpp"
#include "models/onnx_file.hpp"
#include "models/ort_engine.hpp"
#include "test_dir.hpp"

using namespace servesim::models;
using servesim::models::test::scratch;

namespace {

std::string small_cnn() {
  const std::string path = scratch("cnn.onnx");
  GenerateOptions options;
  options.kind = ModelKind::kImageCnn;
  generate_model(options, path);
  return path;
}

ProfileOptions quick(EngineKind engine) {
  ProfileOptions o;
  o.engine = engine;
  o.threads = {1};
  o.warmup = 2;
  o.min_reps = 100;  // a ~2 ms model: enough repetitions that the median settles on a shared machine
  o.max_reps = 100;
  o.cache_dir = scratch("cache");
  return o;
}

// A custom-domain operator no engine implements.
std::string unknown_operator_model() {
  GraphBuilder b("custom", 1, true);
  b.add_input("x", onnx::TensorProto::FLOAT, {1, 4});
  b.node("FancyNorm", {"x"});
  b.last_node().set_domain("com.example");
  b.last_node().set_output(0, "y");
  b.add_output("y", onnx::TensorProto::FLOAT, {1, 4});
  onnx::ModelProto model = b.finish(13, "custom op");
  auto* opset = model.add_opset_import();
  opset->set_domain("com.example");
  opset->set_version(1);
  write_onnx(model, scratch("custom.onnx"));
  return scratch("custom.onnx");
}

void check_repeatable(EngineKind kind) {
  const std::string model = small_cnn();
  std::ostringstream warnings;
  const ProfileResult first = profile_model(model, quick(kind), warnings);
  CHECK_FALSE(first.from_cache);
  const ProfileResult cached = profile_model(model, quick(kind), warnings);
  CHECK(cached.from_cache);
  CHECK(cached.profile.latency.at(0).p50_s == first.profile.latency.at(0).p50_s);
  ProfileOptions fresh = quick(kind);
  fresh.use_cache = false;
  // A fresh measurement's median agrees with the first within 25%. The test machines are 2 shared cores
  // where a neighbour's compile can double one run's latency, so up to three fresh tries are allowed.
  const double a = first.profile.latency.at(0).p50_s;
  double closest = 1e9;
  for (int attempt = 0; attempt < 3 && closest >= 0.25; ++attempt) {
    const ProfileResult again = profile_model(model, fresh, warnings);
    CHECK_FALSE(again.from_cache);
    const double b = again.profile.latency.at(0).p50_s;
    closest = std::min(closest, std::abs(a - b) / std::min(a, b));
  }
  CHECK(closest < 0.25);
  CHECK(first.profile.latency.at(0).reps == 100);
  CHECK(first.profile.first_inference_s > 0);
  CHECK(first.profile.load_s > 0);
  CHECK(first.profile.peak_rss_mb > 10);
  CHECK(first.profile.sha256.size() == 64);
  CHECK(first.profile.cores >= 1);
}

}  // namespace

TEST_CASE("models::Profiler: OpenCV profiles repeat and the cache is hit the second time") {
  check_repeatable(EngineKind::kOpenCv);
}

TEST_CASE("models::Profiler: ONNX Runtime profiles repeat, with the optimized-model load time") {
  if (!OrtEngine::missing_piece().empty()) {
    // scripts/setup installs the bridge: in CI a missing piece is a set-up defect, not a reason to skip.
    if (std::getenv("CI")) FAIL("ONNX Runtime not available in CI: " << OrtEngine::missing_piece());
    WARN("ONNX Runtime not available, skipped: " << OrtEngine::missing_piece());
    return;
  }
  check_repeatable(EngineKind::kOrt);
  std::ostringstream warnings;
  const ProfileResult result = profile_model(small_cnn(), quick(EngineKind::kOrt), warnings);
  CHECK(result.profile.engine == "onnxruntime");
  CHECK(result.profile.load_optimized_s.has_value());
  CHECK(warnings.str().empty());
}

TEST_CASE("models::Profiler: an operator the engine cannot run is named with the engine") {
  const std::string model = unknown_operator_model();
  std::ostringstream warnings;
  CHECK_THROWS_WITH(
      profile_model(model, quick(EngineKind::kOpenCv), warnings),
      Catch::Contains("custom.onnx") && Catch::Contains("opencv-dnn") && Catch::Contains("FancyNorm"));
  if (OrtEngine::missing_piece().empty())
    CHECK_THROWS_WITH(profile_model(model, quick(EngineKind::kOrt), warnings),
                      Catch::Contains("onnxruntime") && Catch::Contains("com.example:FancyNorm"));
}

TEST_CASE("models::Profiler: falls back to OpenCV with a warning naming what is missing") {
  const std::string model = small_cnn();
  std::filesystem::create_directories(scratch("empty-bridge"));
  ::setenv("SERVESIM_ORT_BRIDGE_DIR", scratch("empty-bridge").c_str(), 1);
  std::ostringstream warnings;
  ProfileOptions options = quick(EngineKind::kOrt);
  options.use_cache = false;
  options.min_reps = options.max_reps = 2;
  const ProfileResult result = profile_model(model, options, warnings);
  ::unsetenv("SERVESIM_ORT_BRIDGE_DIR");
  CHECK(result.profile.engine == "opencv-dnn");
  CHECK_THAT(warnings.str(), Catch::Contains("bridge.js") && Catch::Contains("falling back to OpenCV DNN"));

  ::setenv("SERVESIM_NODE", "/nonexistent/node", 1);
  std::ostringstream node_warnings;
  profile_model(model, options, node_warnings);
  ::unsetenv("SERVESIM_NODE");
  CHECK_THAT(node_warnings.str(), Catch::Contains("Node.js"));
}

TEST_CASE("models::Profiler: bad options") {
  ProfileOptions options = quick(EngineKind::kOpenCv);
  options.batches = {0};
  std::ostringstream warnings;
  CHECK_THROWS_WITH(profile_model(small_cnn(), options, warnings), Catch::Contains("--batch"));
}

TEST_CASE("models::Profiler: an input over the 4 GiB budget is refused before any engine runs") {
  GraphBuilder b("huge", 1, true);
  b.add_input("x", onnx::TensorProto::FLOAT, {kBatchDim, 100000, 100000});
  b.node("Relu", {"x"});
  b.last_node().set_output(0, "y");
  b.add_output("y", onnx::TensorProto::FLOAT, {kBatchDim, 100000, 100000});
  onnx::ModelProto model = b.finish(13, "huge input");
  write_onnx(model, scratch("huge.onnx"));
  std::ostringstream warnings;
  for (const auto kind : {EngineKind::kOpenCv, EngineKind::kOrt})
    CHECK_THROWS_WITH(
        profile_model(scratch("huge.onnx"), quick(kind), warnings),
        scratch("huge.onnx") +
            ": input \"x\": dims [1, 100000, 100000] make 40000000000 bytes of float32, above the "
            "limit of 4294967296 bytes (4 GiB) for one input tensor");
  // The largest batch counts: 1 x 200 x 200 x 4 bytes passes, the same at batch 30000 does not.
  GraphBuilder small("small", 1, true);
  small.add_input("x", onnx::TensorProto::FLOAT, {kBatchDim, 200, 200});
  small.node("Relu", {"x"});
  small.last_node().set_output(0, "y");
  small.add_output("y", onnx::TensorProto::FLOAT, {kBatchDim, 200, 200});
  onnx::ModelProto small_model = small.finish(13, "small input");
  write_onnx(small_model, scratch("batched.onnx"));
  ProfileOptions options = quick(EngineKind::kOpenCv);
  options.batches = {1, 30000};
  CHECK_THROWS_WITH(profile_model(scratch("batched.onnx"), options, warnings),
                    Catch::Contains("input \"x\": dims [30000, 200, 200] make 4800000000 bytes"));
}

TEST_CASE("models::Profiler: a tensor claiming 100 GiB without data is refused, not handed to OpenCV") {
  GraphBuilder b("claim", 1, true);
  b.add_input("x", onnx::TensorProto::FLOAT, {1});
  const std::string w = b.weight("w", {1}, 1.0f);
  b.node("Add", {"x", w});
  b.last_node().set_output(0, "y");
  b.add_output("y", onnx::TensorProto::FLOAT, {1024, 1024, 25600});
  onnx::ModelProto model = b.finish(13, "claim");
  auto& weight = *model.mutable_graph()->mutable_initializer(0);
  weight.clear_raw_data();
  weight.clear_dims();
  for (const std::int64_t d : {1024, 1024, 25600}) weight.add_dims(d);
  write_onnx(model, scratch("claim.onnx"));
  std::ostringstream warnings;
  CHECK_THROWS_WITH(
      profile_model(scratch("claim.onnx"), quick(EngineKind::kOpenCv), warnings),
      Catch::Contains("initializer \"w_0\": dims [1024, 1024, 25600] declare 26843545600 float32") &&
          Catch::Contains("but the file holds no data for it"));
}

TEST_CASE("models::Profiler: a GPU provider is timed on an NVIDIA GPU or refused, never on the CPU") {
  ProfileOptions options = quick(EngineKind::kOrt);
  std::ostringstream warnings;
  SECTION("options") {
    options.provider = "rocm";
    CHECK_THROWS_WITH(profile_model(small_cnn(), options, warnings),
                      "--provider: expected cpu, cuda or tensorrt, got 'rocm'");
    options.provider = "cuda";
    options.engine = EngineKind::kOpenCv;
    CHECK_THROWS_WITH(profile_model(small_cnn(), options, warnings),
                      "--provider cuda: expected --engine ort (OpenCV DNN runs on the CPU only)");
  }
  SECTION("this machine") {
    options.provider = "cuda";
    std::string why;
    const bool gpu = !nvidia_gpus(why).empty();
    if (!gpu) {
      // No driver (the project's CI machines): one line saying why, nothing measured on the CPU instead.
      CHECK_THROWS_WITH(
          profile_model(small_cnn(), options, warnings),
          Catch::StartsWith("--provider cuda: no NVIDIA GPU on this machine (") && Catch::Contains(why));
    } else {
      // A GPU: either the CUDA provider loads and the profile names the GPU, or the error says how to get it.
      try {
        const ProfileResult result = profile_model(small_cnn(), options, warnings);
        CHECK(result.profile.provider == "cuda");
        REQUIRE(result.profile.gpu);
        CHECK(result.profile.gpu->memory_mib > 0);
      } catch (const servesim::InputError& e) {
        CHECK_THAT(e.what(), Catch::Contains("ONNXRUNTIME_NODE_INSTALL=cuda12"));
      }
    }
    CHECK(warnings.str().find("OpenCV") == std::string::npos);  // no fall-back
  }
}

TEST_CASE("models::nvidia_gpus: nvidia-smi's CSV (name, memory MiB, driver) read line by line") {
  // `nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits` on a p5 node
  // (two of its eight lines) and on a g4dn; a line of another shape is skipped.
  const auto gpus = parse_nvidia_smi(
      "NVIDIA H100 80GB HBM3, 81559, 550.54.15\nNVIDIA H100 80GB HBM3, 81559, 550.54.15\n"
      "Tesla T4, 15360, 535.161.08\nNo devices were found\nGPU, [N/A], 1\n");
  REQUIRE(gpus.size() == 3);
  CHECK(gpus[0].name == "NVIDIA H100 80GB HBM3");
  CHECK(gpus[0].memory_mib == 81559);
  CHECK(gpus[0].driver == "550.54.15");
  CHECK(gpus[2].name == "Tesla T4");
  CHECK(gpus[2].memory_mib == 15360);
  CHECK(parse_nvidia_smi("").empty());
}
