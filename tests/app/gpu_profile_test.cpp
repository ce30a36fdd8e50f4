// A scenario's model.gpu_profile (app/gpu_profile.hpp): the batch table of a GPU profile goes to the
// kubernetes-gpu candidates on that GPU, whose latency is then measured; others keep the calibrated model.
#include "app/gpu_profile.hpp"

#include <catch2/catch.hpp>

#include "core/input_error.hpp"
#include "models/model_profile.hpp"
#include "support/sim_harness.hpp"

using namespace servesim;
using namespace servesim::test;

namespace {

// What `servesim profile --provider cuda --batch 1,4` would write on an L4: 2 ms at batch 1, 5 ms at 4.
models::ModelProfile l4_profile() {
  models::ModelProfile p;
  p.engine = "onnxruntime";
  p.engine_version = "1.30.0";
  p.provider = "cuda";
  p.gpu = models::ModelProfile::Gpu{"NVIDIA L4", 23034, "550.54.15"};
  p.model_path = "m.onnx";
  p.sha256 = std::string(64, 'a');
  p.model_bytes = 100'000'000;
  p.load_s = 0.5;
  p.first_inference_s = 0.01;
  // Given out of batch order: the table is sorted.
  p.latency = {{4, 1, 50, 0.005, 0.005, 0.006, 0.007}, {1, 1, 50, 0.002, 0.002, 0.0025, 0.003}};
  return p;
}

nlohmann::json gpu_scenario(const TempDir& dir, const nlohmann::json& model) {
  return {{"name", "g"},
          {"workload", trace_at(dir, every_10_s(), 100)},
          {"service", {{"warm", constant_ms(20)}}},
          {"model", model},
          {"candidates",
           {{{"name", "l4"}, {"platform", "kubernetes-gpu"}, {"node_type", "g6.xlarge"}},
            {{"name", "h100"}, {"platform", "kubernetes-gpu"}, {"node_type", "p5.48xlarge"}},
            {{"name", "own"},
             {"platform", "kubernetes-gpu"},
             {"node_type", "g6.xlarge"},
             {"measured_batch_latency_ms", nlohmann::json::array({nlohmann::json::array({1, 9})})}},
            {{"name", "fn"}, {"platform", "aws-lambda"}, {"memory_mb", 1024}},
            {{"name", "run-l4"},
             {"platform", "gcp-cloud-run"},
             {"gpu", "nvidia-l4"},
             {"vcpu", 4},
             {"memory_gib", 16},
             {"min_instances", 1},
             {"concurrency", 1}},
            {{"name", "run-l4-own"},
             {"platform", "gcp-cloud-run"},
             {"gpu", "nvidia-l4"},
             {"vcpu", 4},
             {"memory_gib", 16},
             {"min_instances", 1},
             {"concurrency", 1},
             {"measured_request_latency_ms", 9}},
            {{"name", "run-cpu"}, {"platform", "gcp-cloud-run"}}}}};
}

std::string error_of(const TempDir& dir, const nlohmann::json& model) {
  try {
    sim::Scenario sc = scenario_from(gpu_scenario(dir, model), dir.path());
    app::apply_gpu_profile(sc);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("app::catalogue_gpu: nvidia-smi's names of the catalogue's GPUs") {
  // Names as the driver reports them on AWS's g4dn, g5, g6, g6e, p4d, p4de, p5 and p5e nodes and on the
  // PCIe H100 and RTX PRO 6000 parts.
  CHECK(app::catalogue_gpu("Tesla T4", 15360) == "t4");
  CHECK(app::catalogue_gpu("NVIDIA A10G", 23028) == "a10g");
  CHECK(app::catalogue_gpu("NVIDIA A10", 23028) == "a10");
  CHECK(app::catalogue_gpu("NVIDIA L4", 23034) == "l4");
  CHECK(app::catalogue_gpu("NVIDIA L40S", 46068) == "l40s");
  CHECK(app::catalogue_gpu("NVIDIA A100-SXM4-40GB", 40960) == "a100-40gb");
  CHECK(app::catalogue_gpu("NVIDIA A100-SXM4-80GB", 81920) == "a100-80gb");
  CHECK(app::catalogue_gpu("NVIDIA H100 80GB HBM3", 81559) == "h100");
  CHECK(app::catalogue_gpu("NVIDIA H100 PCIe", 81559) == "h100-pcie");
  CHECK(app::catalogue_gpu("NVIDIA H200", 143771) == "h200");
  CHECK(app::catalogue_gpu("NVIDIA RTX PRO 6000 Blackwell Server Edition", 97887) == "rtx-pro-6000");
  // Parts the catalogue does not have: the scenario names the GPU itself.
  CHECK(app::catalogue_gpu("NVIDIA H100 NVL", 95830) == "");
  CHECK(app::catalogue_gpu("NVIDIA A100 80GB PCIe", 81920) == "");
  CHECK(app::catalogue_gpu("NVIDIA GeForce RTX 4090", 24564) == "");
}

TEST_CASE("app::apply_gpu_profile: candidates on the profile's GPU take its table, others keep the model") {
  TempDir dir;
  models::save_profile(l4_profile(), dir.file("l4.json"));
  sim::Scenario sc = scenario_from(gpu_scenario(dir, {{"gpu_profile", "l4.json"}}), dir.path());
  const auto use = app::apply_gpu_profile(sc);
  REQUIRE(use);
  CHECK(use->gpu == "l4");
  CHECK(use->measured == std::vector<std::string>{"l4", "run-l4"});
  CHECK(use->other_gpu == std::vector<std::string>{"h100 (h100)"});
  CHECK(use->own_table == std::vector<std::string>{"own", "run-l4-own"});
  // Cloud Run serves one request at a time on its GPU: the profile's batch-1 p50.
  CHECK(sc.candidates[4].settings["measured_request_latency_ms"] == 2.0);
  CHECK_FALSE(sc.candidates[6].settings.contains("measured_request_latency_ms"));  // no GPU
  CHECK(sc.candidates[0].settings["measured_batch_latency_ms"] ==
        nlohmann::json::parse("[[1, 2.0], [4, 5.0]]"));
  CHECK_FALSE(sc.candidates[1].settings.contains("measured_batch_latency_ms"));
  CHECK(sc.candidates[2].settings["measured_batch_latency_ms"] == nlohmann::json::parse("[[1, 9]]"));

  // Simulated: one request every 10 s, each alone on a warm pod, so a request's time differs between the
  // two g6.xlarge candidates by the batch-1 latencies alone: 9 ms (own table) - 2 ms (profile) = 7 ms.
  const Simulated run = simulate(sc);
  const auto& l4 = run.results[0];
  const auto& own = run.results[2];
  CHECK(l4.latency_source == "measured");
  CHECK(run.results[1].latency_source != "measured");  // the H100 rests on the calibrated model
  REQUIRE(l4.requests.served == 10);
  REQUIRE(own.requests.served == 10);
  CHECK((own.latency.mean_s() - l4.latency.mean_s()) * 1e3 == Approx(7.0).margin(1e-9));
  // The same on Cloud Run's L4 (one warm instance, one request at a time): 9 ms - 2 ms.
  const auto& run_l4 = run.results[4];
  const auto& run_own = run.results[5];
  CHECK(run_l4.latency_source == "measured");
  REQUIRE(run_l4.requests.served == 10);
  REQUIRE(run_own.requests.served == 10);
  CHECK((run_own.latency.mean_s() - run_l4.latency.mean_s()) * 1e3 == Approx(7.0).margin(1e-9));
}

TEST_CASE("app::apply_gpu_profile: bad GPU profiles and GPU names are InputErrors naming the pointer") {
  TempDir dir;
  models::ModelProfile cpu = l4_profile();
  cpu.provider = "cpu";
  cpu.gpu.reset();
  cpu.cpu_model = "AMD EPYC";
  models::save_profile(cpu, dir.file("cpu.json"));
  models::ModelProfile nvl = l4_profile();
  nvl.gpu->name = "NVIDIA H100 NVL";
  models::save_profile(nvl, dir.file("nvl.json"));
  models::save_profile(l4_profile(), dir.file("l4.json"));

  CHECK(error_of(dir, {{"gpu_profile", "cpu.json"}}) ==
        "test-scenario.json: /model/gpu_profile: expected a GPU profile (servesim profile MODEL --provider "
        "cuda), got one measured on the CPU (AMD EPYC)");
  CHECK_THAT(
      error_of(dir, {{"gpu_profile", "nvl.json"}}),
      Catch::StartsWith("test-scenario.json: /model/gpu_profile: expected a GPU of "
                        "platforms/fleet/gpus.json, got \"NVIDIA H100 NVL\", which names none of them: "
                        "give model.gpu (one of "));
  CHECK(error_of(dir, {{"gpu_profile", "nvl.json"}, {"gpu", "h100"}}) == "no error");
  CHECK_THAT(error_of(dir, {{"gpu_profile", "l4.json"}, {"gpu", "b200"}}),
             Catch::StartsWith("test-scenario.json: /model/gpu: expected one of ") &&
                 Catch::EndsWith(", got \"b200\""));
  CHECK(error_of(dir, {{"gpu", "h100"}}) ==
        "test-scenario.json: /model/gpu: expected it only beside model.gpu_profile");
  CHECK_THAT(error_of(dir, {{"gpu_profile", "missing.json"}}),
             Catch::StartsWith("test-scenario.json: /model/gpu_profile: cannot open '"));
}

TEST_CASE("app::apply_gpu_profile: a topology's model stages on the profile's GPU take its table") {
  // Three serving topologies of one model stage each on Kubernetes (the scenario's model: no service of the
  // stage's own): on an L4 (takes the profile), on an L4 with its own table (keeps it), on an H100 (another
  // GPU). A stage with a service of its own serves another model and is left alone.
  TempDir dir;
  models::save_profile(l4_profile(), dir.file("l4.json"));
  auto stage = [](const nlohmann::json& candidate) {
    return nlohmann::json{{"id", "gpu"}, {"kind", "model"}, {"candidate", candidate}};
  };
  const nlohmann::json l4 = {{"platform", "kubernetes-gpu"}, {"node_type", "g6.xlarge"}};
  nlohmann::json l4_own = l4;
  l4_own["measured_batch_latency_ms"] = nlohmann::json::parse("[[1, 9]]");
  nlohmann::json other_model = stage(l4);
  other_model["id"] = "other";
  other_model["service"] = {{"warm", constant_ms(20)}};
  nlohmann::json doc = gpu_scenario(dir, {{"gpu_profile", "l4.json"}});
  doc["candidates"] = {{{"name", "topo"}, {"platform", "topology"}, {"stages", {stage(l4)}}},
                       {{"name", "topo-own"}, {"platform", "topology"}, {"stages", {stage(l4_own)}}},
                       {{"name", "topo-h100"},
                        {"platform", "topology"},
                        {"stages", {stage({{"platform", "kubernetes-gpu"}, {"node_type", "p5.48xlarge"}})}}},
                       {{"name", "topo-other"}, {"platform", "topology"}, {"stages", {other_model}}}};
  sim::Scenario sc = scenario_from(doc, dir.path());
  const auto use = app::apply_gpu_profile(sc);
  REQUIRE(use);
  CHECK(use->measured == std::vector<std::string>{"topo/gpu"});
  CHECK(use->own_table == std::vector<std::string>{"topo-own/gpu"});
  CHECK(use->other_gpu == std::vector<std::string>{"topo-h100/gpu (h100)"});
  CHECK(sc.candidates[0].settings["stages"][0]["candidate"]["measured_batch_latency_ms"] ==
        nlohmann::json::parse("[[1, 2.0], [4, 5.0]]"));
  CHECK_FALSE(sc.candidates[2].settings["stages"][0]["candidate"].contains("measured_batch_latency_ms"));
  CHECK_FALSE(sc.candidates[3].settings["stages"][0]["candidate"].contains("measured_batch_latency_ms"));

  // One request every 10 s, each alone on the stage's warm pod: the two L4 topologies differ by the batch-1
  // latencies alone, 9 ms (own table) - 2 ms (profile) = 7 ms.
  const Simulated run = simulate(sc);
  const auto& measured = run.results[0];
  const auto& own = run.results[1];
  REQUIRE(measured.requests.served == 10);
  REQUIRE(own.requests.served == 10);
  CHECK((own.latency.mean_s() - measured.latency.mean_s()) * 1e3 == Approx(7.0).margin(1e-9));
}
