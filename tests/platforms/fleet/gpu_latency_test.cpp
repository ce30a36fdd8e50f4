// The GPU latency model (platforms/fleet/gpu_latency.hpp): the roofline arithmetic worked by hand, the
// precision and model-class rules, and the fit's error over the calibration table (MLPerf Inference results
// listed in platforms/fleet/gpus.json): every "fit" row within the goals of issue 14 (offline throughput
// within +-15%, batch-1 latency within +-25%). docs/models/gpu-latency.md shows the same table.
#include "platforms/fleet/gpu_latency.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>

#include "platforms/fleet/batch_latency.hpp"
#include "platforms/fleet/gpu_catalog.hpp"

namespace {
using namespace servesim::platforms;

GpuWorkload benchmark_workload(const std::string& model_class, const std::string& precision = "int8") {
  const GpuBenchmark& b = gpu_catalog().model_classes.at(model_class);
  GpuWorkload w;
  w.model_class = model_class;
  w.precision = precision;
  w.gflops_per_request = b.gflops_per_request;
  w.weight_bytes = b.weight_mb * 1e6;
  return w;
}
}  // namespace

TEST_CASE("platforms::BatchLatency: the roofline worked by hand") {
  // L4 at INT8: 242.5 TOP/s dense, 300 GB/s (NVIDIA L4 datasheet). ResNet-50: 8.2 GFLOP and 25.6 MB of INT8
  // weights per request; efficiency 0.463, overhead 0.2796 ms.
  //   b=1: compute 8.2e9 / (242.5e12 x 0.463) = 73.03 us; memory 25.6e6 / 300e9 = 85.33 us (memory bound)
  //        -> 85.33 + 279.6 = 364.93 us
  //   b=8: compute 8 x 73.03 = 584.25 us (compute bound) -> 584.25 + 279.6 = 863.85 us
  const RooflineInputs in{8.2, 25.6e6, 0, 242.5e12, 300e9, 0.463, 0.2796e-3};
  const BatchLatency t = BatchLatency::roofline(in, 8);
  CHECK(t.seconds(1) == Approx(85.333e-6 + 279.6e-6).epsilon(1e-4));
  CHECK(t.seconds(8) == Approx(8 * 8.2e9 / (242.5e12 * 0.463) + 279.6e-6).epsilon(1e-6));
  CHECK(t.seconds(8) == Approx(863.85e-6).epsilon(1e-4));
  SECTION("activations add to the bytes per request; the efficiency scales compute only") {
    // 1 MB of activations per request: b=1 memory (25.6 + 1) MB / 300 GB/s = 88.67 us.
    const RooflineInputs with_activations{8.2, 25.6e6, 1e6, 242.5e12, 300e9, 0.463, 0};
    CHECK(BatchLatency::roofline(with_activations, 1).seconds(1) == Approx(26.6e6 / 300e9));
  }
}

TEST_CASE("platforms::gpu_latency: peak per precision, fit per class and generation, and its source") {
  const GpuCatalog& c = gpu_catalog();
  SECTION("L4, cnn at int8: the datasheet's INT8 peak and the Ada cnn fit; calibrated") {
    const GpuLatency m = gpu_latency(*c.find("l4"), benchmark_workload("cnn"));
    CHECK(m.roofline.peak_flops_per_s == Approx(242.5e12));
    CHECK(m.roofline.memory_bytes_per_s == Approx(300e9));
    CHECK(m.roofline.efficiency == c.fit_for("cnn", "ada")->efficiency);
    CHECK(m.roofline.launch_overhead_s == Approx(c.fit_for("cnn", "ada")->overhead_ms / 1e3));
    CHECK(m.latency_source == "calibrated");
  }
  SECTION("RTX PRO 6000 (Blackwell, no MLPerf result): the Ada fit borrowed, estimated even at int8") {
    // gpus.json: 1,000 TOP/s INT8 dense (derived from NVIDIA's 4,000 AI TOPS FP4 with sparsity), 1,792 GB/s,
    // both unconfirmed; calibration.stand_ins.blackwell names ada.
    const GpuLatency m = gpu_latency(*c.find("rtx-pro-6000"), benchmark_workload("cnn"));
    CHECK(m.roofline.peak_flops_per_s == Approx(1000e12));
    CHECK(m.roofline.memory_bytes_per_s == Approx(1792e9));
    CHECK(m.roofline.efficiency == c.fit_for("cnn", "ada")->efficiency);
    CHECK(m.latency_source == "estimated");
    CHECK_THAT(m.basis, Catch::Contains("ada, borrowed: no fit for blackwell"));
  }
  SECTION("fp16 takes the FP16 peak (121 TFLOP/s on L4) with the same fit, but is only estimated") {
    const GpuLatency m = gpu_latency(*c.find("l4"), benchmark_workload("cnn", "fp16"));
    CHECK(m.roofline.peak_flops_per_s == Approx(121e12));
    CHECK(m.latency_source == "estimated");
  }
  SECTION("model class other: the assumed efficiency and overhead; estimated") {
    GpuWorkload w = benchmark_workload("cnn");
    w.model_class = "other";
    w.fallback_efficiency = 0.5;
    w.fallback_overhead_s = 1e-3;
    const GpuLatency m = gpu_latency(*c.find("h100"), w);
    CHECK(m.roofline.peak_flops_per_s == Approx(1979e12));
    CHECK(m.roofline.efficiency == 0.5);
    CHECK(m.latency_source == "estimated");
  }
  SECTION("an overridden datasheet figure makes it an estimate") {
    GpuWorkload w = benchmark_workload("transformer");
    w.peak_tflops_override = 100;
    const GpuLatency m = gpu_latency(*c.find("a100-80gb"), w);
    CHECK(m.roofline.peak_flops_per_s == Approx(100e12));
    CHECK(m.latency_source == "estimated");
  }
  SECTION("a precision the GPU lacks is refused, naming what it supports") {
    // Turing has no BF16, TF32 or FP8 tensor cores (NVIDIA T4 datasheet); Ampere has no FP8.
    CHECK_THROWS_WITH(gpu_latency(*c.find("t4"), benchmark_workload("cnn", "bf16")),
                      "expected a precision the NVIDIA T4 supports (fp32, fp16, int8), got \"bf16\"");
    CHECK_THROWS_AS(gpu_latency(*c.find("a100-40gb"), benchmark_workload("cnn", "fp8")),
                    std::invalid_argument);
  }
}

TEST_CASE("platforms::gpu_latency: the MLPerf fit is within the goals for every GPU of the table") {
  // Offline throughput modelled = the model's limit for large batches, peak x efficiency / GFLOP per request;
  // batch-1 latency modelled = latency(1). Goals (issue 14): offline within +-15%, batch-1 within +-25%.
  // Generations with one GPU (Turing: T4; Hopper's batch-1: H100 PCIe) fit themselves; the doc says so.
  const GpuCatalog& c = gpu_catalog();
  size_t offline_rows = 0, batch1_rows = 0;
  for (const GpuMeasurement& row : c.measurements) {
    if (row.role != "fit") continue;
    const GpuLatency m = gpu_latency(*c.find(row.gpu), benchmark_workload(row.model_class));
    REQUIRE(m.latency_source == "calibrated");
    INFO(row.gpu << " " << row.model_class << " " << row.scenario << ": " << row.source);
    if (row.scenario == "offline") {
      ++offline_rows;
      const double modelled =
          m.roofline.peak_flops_per_s * m.roofline.efficiency / (m.roofline.gflops_per_request * 1e9);
      CHECK(std::abs(modelled / row.value - 1) <= 0.15);
      // The large-batch limit is what the batch table approaches.
      const BatchLatency t = BatchLatency::roofline(m.roofline, 4096);
      CHECK(4096 / t.seconds(4096) == Approx(modelled).epsilon(0.02));
    } else {
      ++batch1_rows;
      const double modelled_ms = BatchLatency::roofline(m.roofline, 1).seconds(1) * 1e3;
      CHECK(std::abs(modelled_ms / row.value - 1) <= 0.25);
    }
  }
  // Every catalogue GPU a node type uses has offline rows for both classes, except the A10G (no MLPerf
  // result; it takes the A10's calibration) and the calibration-only ones.
  for (const std::string gpu : {"t4", "a10", "l4", "l40s", "a100-40gb", "a100-80gb", "h100", "h200"})
    for (const std::string cls : {"cnn", "transformer"}) {
      bool found = false;
      for (const auto& row : c.measurements)
        found |= row.gpu == gpu && row.model_class == cls && row.scenario == "offline" && row.role == "fit";
      INFO(gpu << " " << cls);
      CHECK(found);
    }
  CHECK(offline_rows == 18);
  CHECK(batch1_rows == 12);
}

TEST_CASE("platforms::gpu_catalog: every GPU states its source and a supported precision") {
  for (const GpuSpec& g : gpu_catalog().gpus) {
    INFO(g.id);
    CHECK(!g.source.empty());
    CHECK(g.peak_tflops_at("fp16").has_value());
    CHECK(g.peak_tflops_at("int8").has_value());
  }
  CHECK_THROWS_WITH(parse_gpu_catalog(R"({"as_of": "x", "precisions": ["fp16"], "generations": ["ada"],
      "gpus": [{"id": "z", "name": "Z", "generation": "volta"}]})"),
                    "platforms/fleet/gpus.json: /gpus/z/generation: unknown generation volta");
  // A stand-in must name a generation with a fit of its own.
  CHECK_THROWS_WITH(
      parse_gpu_catalog(R"({"as_of": "x", "precisions": ["fp16"], "generations": ["ada", "blackwell"],
      "gpus": [], "calibration": {"precisions": ["int8"], "model_classes": {}, "measurements": [],
      "stand_ins": {"blackwell": {"generation": "volta", "source": "s"}}, "fit": {}}})"),
      "platforms/fleet/gpus.json: /calibration/stand_ins/blackwell/generation: expected a generation "
      "with a fit of its own");
}
