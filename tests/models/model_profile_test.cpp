#include "models/model_profile.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "core/input_error.hpp"
#include "test_dir.hpp"

using namespace servesim::models;
using servesim::models::test::scratch;

namespace {

ModelProfile two_thread_profile() {
  ModelProfile p;
  p.engine = "onnxruntime";
  p.engine_version = "1.30.0";
  p.cpu_model = "test cpu";
  p.cores = 2;
  p.date_utc = "2026-01-01T00:00:00Z";
  p.model_path = "m.onnx";
  p.sha256 = std::string(64, 'a');
  p.model_bytes = 1000;
  p.load_s = 0.2;
  p.load_optimized_s = 0.05;
  p.first_inference_s = 0.3;
  // t1 = 100 ms, t2 = 62.5 ms: S2 = 1.6, so p = 2 (1 - 1/1.6) = 0.75.
  p.latency = {{1, 1, 20, 0.1, 0.1, 0.11, 0.12}, {1, 2, 20, 0.0625, 0.0625, 0.07, 0.08}};
  p.peak_rss_mb = 90;
  return p;
}

}  // namespace

TEST_CASE("models::ModelProfile: the CPU-share scaling law") {
  const ModelProfile p = two_thread_profile();
  CHECK(parallel_fraction(p) == Approx(0.75));
  SECTION("below one vCPU the CPU is time-sliced: t1 / s") {
    CHECK(service_time_s(p, 1.0) == Approx(0.1));
    CHECK(service_time_s(p, 0.5) == Approx(0.2));
    CHECK(service_time_s(p, 0.25) == Approx(0.4));
  }
  SECTION("above one vCPU: Amdahl with p from the measured speed-up, capped at the measured threads") {
    CHECK(service_time_s(p, 2.0) == Approx(0.0625));  // reproduces the 2-thread measurement
    CHECK(service_time_s(p, 1.5) == Approx(0.1 * (0.25 + 0.75 / 1.5)));
    CHECK(service_time_s(p, 4.0) == Approx(0.0625));  // no extrapolation beyond 2 measured threads
    ModelProfile four = p;
    four.latency.push_back({1, 4, 20, 0.05, 0.05, 0.05, 0.05});
    CHECK(service_time_s(four, 4.0) == Approx(0.1 * (0.25 + 0.75 / 4)));
  }
  SECTION("no speed-up measured: no gain above one vCPU") {
    ModelProfile single = p;
    single.latency.pop_back();
    CHECK(service_time_s(single, 3.0) == Approx(0.1));
  }
  SECTION("bad share or missing batch") {
    CHECK_THROWS_AS(service_time_s(p, 0), servesim::InputError);
    CHECK_THROWS_WITH(service_time_s(p, 1, 8), Catch::Contains("batch 8"));
  }
}

TEST_CASE("models::ModelProfile: JSON round trip and schema version") {
  const ModelProfile p = two_thread_profile();
  save_profile(p, scratch("p.json"));
  const ModelProfile back = load_profile(scratch("p.json"));
  CHECK(back.engine_version == "1.30.0");
  CHECK(back.load_optimized_s.value() == Approx(0.05));
  CHECK(back.latency.size() == 2);
  CHECK(back.find(1, 2)->p99_s == Approx(0.08));
  CHECK(to_json(back) == to_json(p));

  auto json = to_json(p);
  json["schema_version"] = 99;
  std::ofstream(scratch("old.json")) << json.dump();
  CHECK_THROWS_AS(load_profile(scratch("old.json")), servesim::InputError);
  CHECK_THROWS_WITH(load_profile(scratch("old.json")), Catch::Contains("old.json") &&
                                                           Catch::Contains("/schema_version") &&
                                                           Catch::Contains("got 99"));
  std::ofstream(scratch("broken.json")) << R"({"schema_version": 1, "engine": {"name": "x"}})";
  CHECK_THROWS_WITH(load_profile(scratch("broken.json")), Catch::Contains("/engine"));
}

TEST_CASE("models::ModelProfile: a GPU profile records its provider and GPU and gives no CPU service time") {
  ModelProfile p = two_thread_profile();
  p.provider = "cuda";
  p.gpu = ModelProfile::Gpu{"NVIDIA L4", 23034, "550.54.15"};
  p.latency = {{1, 1, 20, 0.002, 0.002, 0.0025, 0.003}, {4, 1, 20, 0.005, 0.005, 0.006, 0.007}};
  save_profile(p, scratch("gpu.json"));
  const ModelProfile back = load_profile(scratch("gpu.json"));
  CHECK(back.on_gpu());
  CHECK(back.gpu->name == "NVIDIA L4");
  CHECK(back.gpu->memory_mib == 23034);
  CHECK(to_json(back) == to_json(p));
  // A CPU profile's file has neither key (files written before GPU profiles read the same).
  const auto cpu = to_json(two_thread_profile());
  CHECK_FALSE(cpu.contains("gpu"));
  CHECK_FALSE(cpu["engine"].contains("provider"));
  save_profile(two_thread_profile(), scratch("cpu.json"));
  CHECK_FALSE(load_profile(scratch("cpu.json")).on_gpu());
  // A GPU latency is not a CPU share's: the scaling law refuses it.
  CHECK_THROWS_WITH(
      service_time_s(back, 1.0),
      Catch::Contains("/engine/provider") && Catch::Contains("got one measured with the cuda provider"));

  auto json = to_json(p);
  json.erase("gpu");
  std::ofstream(scratch("no-gpu.json")) << json.dump();
  CHECK_THROWS_WITH(load_profile(scratch("no-gpu.json")),
                    Catch::Contains("/gpu") && Catch::Contains("expected the GPU a cuda profile"));
  json = to_json(p);
  json["engine"]["provider"] = "rocm";
  std::ofstream(scratch("rocm.json")) << json.dump();
  CHECK_THROWS_WITH(load_profile(scratch("rocm.json")),
                    Catch::Contains("/engine/provider") && Catch::Contains("got \"rocm\""));
}
