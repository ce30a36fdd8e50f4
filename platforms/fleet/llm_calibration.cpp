#include "platforms/fleet/llm_calibration.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "platforms/fleet/llm_engine.hpp"
#include "sim/candidate_llm.hpp"

namespace servesim::platforms {

const std::string& embedded_llm_fit();           // generated at build time from platforms/fleet/llm_fit.json
const std::string& embedded_llm_measurements();  // ... and from platforms/fleet/llm_measurements.json

namespace {

// The GPU links of the server a published figure was measured on, for tensor parallelism: NVLink through
// NVSwitch (NVIDIA datasheets: A100 SXM 600 GB/s, H100/H200 SXM 900 GB/s, both directions; per direction
// half) or PCIe Gen4 x16 (32 GB/s per direction) for the cards without NVLink.
NodeFabric server_fabric(const std::string& gpu) {
  if (gpu == "h100" || gpu == "h200") return NodeFabric::nvswitch(450);
  if (gpu == "a100-80gb" || gpu == "a100-40gb") return NodeFabric::nvswitch(300);
  return NodeFabric::pcie(32);
}

std::string kv_precision_of(const nlohmann::json& precision) {
  const std::string weights = precision.value("weights", "fp16");
  const std::string kv = precision.value("kv_cache", weights);
  for (const char* p : {"fp8", "fp16", "bf16", "int8"})
    if (kv.rfind(p, 0) == 0) return p;
  return weights;  // not stated: the weights' precision
}

double number_or(const nlohmann::json& j, const char* key, double fallback) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

struct Outcome {
  double makespan_s = 0;
  double output_tokens = 0;
  double ttft_sum_s = 0, tpot_sum_s = 0;
  uint64_t done = 0, tpot_n = 0;
};

struct Collect final : LlmEngine::Sink {
  Outcome* o;
  uint32_t output;
  explicit Collect(Outcome* out, uint32_t out_tokens) : o(out), output(out_tokens) {}
  void first_token(const LlmRequest&, double) override {}
  void finished(const LlmRequest& r, double first_s, double t_s) override {
    ++o->done;
    o->output_tokens += r.output;
    o->ttft_sum_s += first_s - r.arrival_s;
    if (r.output > 1) {
      o->tpot_sum_s += (t_s - first_s) / (r.output - 1);
      ++o->tpot_n;
    }
  }
};

// `total` requests of in + out tokens; at most `concurrency` in the engine at once (a closed loop: a new one
// enters when one finishes), all at once when concurrency >= total.
Outcome replay(LlmEngine& e, uint32_t in, uint32_t out, uint64_t total, uint64_t concurrency) {
  Outcome o;
  Collect sink(&o, out);
  uint64_t sent = 0;
  double t = 0;
  auto top_up = [&] {
    while (sent < total && e.in_flight() < concurrency) {
      e.add(LlmRequest{.arrival_s = t, .input = in, .output = out});
      ++sent;
    }
  };
  top_up();
  for (double end = e.start(t); end != LlmEngine::kNever; end = e.start(t)) {
    t = end;
    e.complete(sink);
    top_up();
  }
  o.makespan_s = t;
  return o;
}

}  // namespace

BenchSettings trtllm_bench_settings(const LlmSpec& m, const GpuSpec& gpu, uint32_t tp, uint32_t in,
                                    uint32_t out) {
  const double gib = 1024.0 * 1024.0 * 1024.0;
  const double weight_bytes = sim::llm_precision_bytes(m.precision) == 1 ? 1 : 2;  // FP8 1, else 2
  const double kv_bytes = sim::llm_precision_bytes(m.kv_precision) == 1 ? 1 : 2;
  const double per_token_gib =
      2.0 * m.layers * std::max<uint32_t>(tp, m.kv_heads) * m.head_dim * kv_bytes / gib;
  const double available_gib = gpu.memory_gb * 1e9 / gib * tp - m.parameters_b * 1e9 * weight_bytes / gib;
  const double requests = available_gib * 0.95 / (per_token_gib * (in + out));
  const double raw_bs = std::min(requests, 4096.0);
  const double raw_tokens = std::min(raw_bs * (1 + static_cast<double>(in) / out), 32768.0);
  auto up = [](double x, double step) { return step * std::ceil(x / step); };
  const double bs = raw_bs < 256    ? std::max(64.0, up(raw_bs, 32))
                    : raw_bs < 1024 ? up(raw_bs, 128)
                                    : up(raw_bs, 256);
  const double tokens = raw_tokens < 4096   ? std::max(2048.0, up(raw_tokens, 256))
                        : raw_tokens < 8192 ? up(raw_tokens, 512)
                                            : up(raw_tokens, 1024);
  return {static_cast<uint32_t>(bs), static_cast<uint32_t>(tokens)};
}

const LlmGenerationFit* LlmCalibration::fit_for(const GpuSpec& gpu) const {
  const auto it = fit.find(gpu.generation);
  return it == fit.end() ? nullptr : &it->second;
}

LlmReplicaParams LlmCalibration::replica_for(const GpuSpec& gpu) const {
  const LlmGenerationFit* f = fit_for(gpu);
  LlmReplicaParams r;
  r.compute_efficiency = f ? f->compute_efficiency : 0.5;
  r.bandwidth_efficiency = f ? f->bandwidth_efficiency : 0.8;
  r.overhead_s = overhead_ms / 1e3;
  return r;
}

LlmCalibration parse_llm_calibration(const std::string& fit_json, const std::string& measurements_json) {
  const auto f = nlohmann::json::parse(fit_json);
  LlmCalibration c;
  c.as_of = f.at("as_of").get<std::string>();
  c.overhead_ms = f.at("overhead_ms").at("value").get<double>();
  for (const auto& [generation, g] : f.at("fit").items()) {
    LlmGenerationFit fit;
    fit.compute_efficiency = g.at("compute_efficiency").get<double>();
    fit.bandwidth_efficiency = g.at("bandwidth_efficiency").get<double>();
    fit.from = g.at("from").get<std::vector<std::string>>();
    if (fit.compute_efficiency <= 0 || fit.compute_efficiency > 1 || fit.bandwidth_efficiency <= 0 ||
        fit.bandwidth_efficiency > 1)
      throw std::logic_error("llm_fit.json: efficiencies of " + generation + " outside (0, 1]");
    c.fit[generation] = fit;
  }
  c.measurements = nlohmann::json::parse(measurements_json).at("entries");
  return c;
}

const LlmCalibration& llm_calibration() {
  static const LlmCalibration c = parse_llm_calibration(embedded_llm_fit(), embedded_llm_measurements());
  return c;
}

std::vector<LlmCheck> model_measurement(const nlohmann::json& entry, const LlmReplicaParams& base,
                                        std::string* why) {
  auto refuse = [&](const std::string& reason) {
    if (why) *why = reason;
    return std::vector<LlmCheck>{};
  };
  const nlohmann::json& m = entry.at("model");
  const nlohmann::json& load = entry.at("load");
  const auto in_j = entry.at("input_tokens").at("value");
  const auto out_j = entry.at("output_tokens").at("value");
  if (!in_j.is_number() || !out_j.is_number()) return refuse("token lengths not published");
  if (number_or(load, "beam_width", 1) > 1) return refuse("beam search (not modelled)");
  const GpuSpec* gpu = gpu_catalog().find(entry.at("gpu").get<std::string>());
  if (!gpu) return refuse("GPU not in the catalogue");
  const auto in = static_cast<uint32_t>(in_j.get<double>());
  const auto out = static_cast<uint32_t>(out_j.get<double>());
  LlmSpec spec;
  spec.name = m.value("name", "llm");
  spec.parameters_b = m.at("parameters_b").get<double>();
  spec.layers = m.at("layers").get<uint32_t>();
  spec.heads = m.at("attention_heads").get<uint32_t>();
  spec.kv_heads = m.at("kv_heads").get<uint32_t>();
  spec.head_dim = m.at("head_dim").get<uint32_t>();
  spec.hidden = m.at("hidden").get<uint32_t>();
  spec.max_context_tokens = in + out;
  spec.precision = entry.at("precision").value("weights", "fp16");
  spec.kv_precision = kv_precision_of(entry.at("precision"));
  LlmReplicaParams r = base;
  r.tensor_parallel = entry.at("tensor_parallel").get<uint32_t>();
  r.fabric = server_fabric(gpu->id);
  r.memory_utilization = number_or(load, "gpu_memory_utilization", 0.9);
  std::unique_ptr<LlmTiming> timing;
  try {
    timing = std::make_unique<LlmTiming>(spec, *gpu, r);
  } catch (const std::invalid_argument& e) {
    return refuse(e.what());
  }
  LlmEngineLimits limits;
  limits.max_num_seqs = static_cast<uint32_t>(
      number_or(load, "max_num_seqs", number_or(load, "max_batch_size_per_replica", 2048)));
  limits.max_batched_tokens = static_cast<uint32_t>(number_or(load, "max_num_batched_tokens", 8192));
  // The server's own admission and, for trtllm-bench, its own batch limits: facts of the engine that produced
  // the figure, applied to every entry of that engine (docs/models/llm-serving.md "Engines").
  const std::string engine = entry.contains("engine") ? entry.at("engine").value("name", "") : "";
  limits.guaranteed_no_evict = engine.find("TensorRT-LLM") != std::string::npos;
  if (engine.find("trtllm-bench") != std::string::npos && !load.contains("max_num_seqs") &&
      !load.contains("max_num_batched_tokens")) {
    const BenchSettings b = trtllm_bench_settings(spec, *gpu, r.tensor_parallel, in, out);
    limits.max_num_seqs = b.max_batch;
    limits.max_batched_tokens = b.max_tokens;
  }
  LlmEngine e(*timing, limits);
  const std::string kind = entry.at("kind").get<std::string>();
  const std::string id = entry.at("id").get<std::string>();
  const std::string role = entry.value("role", "check");
  const nlohmann::json& measured = entry.at("measured");
  std::vector<LlmCheck> out_checks;
  if (kind == "offline_throughput") {
    // Enough requests for the batch to stay full for most of the run, as the benchmarks' 1,000s do.
    const Outcome o = replay(e, in, out, 1500, UINT64_MAX);
    const double per_gpu = o.output_tokens / o.makespan_s / r.tensor_parallel;
    out_checks.push_back(
        {id, role, "output tokens/s per GPU", entry.at("tokens_per_s_per_gpu").get<double>(), per_gpu});
  } else if (kind == "fixed_batch_latency") {
    const auto batch = static_cast<uint64_t>(number_or(load, "batch_size", 1));
    const Outcome o = replay(e, in, out, batch, batch);
    out_checks.push_back({id, role, "end-to-end latency of the batch, ms",
                          measured.at("e2e_latency_ms").at("mean").get<double>(), o.makespan_s * 1e3});
  } else if (kind == "serving" && load.contains("concurrency")) {
    const auto c = static_cast<uint64_t>(load.at("concurrency").get<double>());
    const Outcome o = replay(e, in, out, std::max<uint64_t>(200, 8 * c), c);
    if (measured.contains("ttft_ms"))
      out_checks.push_back({id, role, "TTFT mean, ms", measured.at("ttft_ms").at("mean").get<double>(),
                            o.ttft_sum_s / static_cast<double>(o.done) * 1e3});
    if (measured.contains("itl_ms"))
      out_checks.push_back({id, role, "inter-token latency mean, ms",
                            measured.at("itl_ms").at("mean").get<double>(),
                            o.tpot_sum_s / static_cast<double>(std::max<uint64_t>(1, o.tpot_n)) * 1e3});
    if (measured.contains("output_tokens_per_s_system"))
      out_checks.push_back({id, role, "output tokens/s (system)",
                            measured.at("output_tokens_per_s_system").get<double>(),
                            o.output_tokens / o.makespan_s});
  } else {
    return refuse("open-loop serving with unpublished lengths");
  }
  return out_checks;
}

}  // namespace servesim::platforms
