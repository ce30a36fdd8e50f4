#pragma once
// What `servesim profile` measured for one model with one engine on one machine, and how the simulator turns
// it into a service time on a platform's CPU share. Stored as JSON (docs/models.md has the schema); a file of
// another schema_version is rejected.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace servesim::models {

inline constexpr int kProfileSchemaVersion = 1;

// Steady-state latency of one inference call at one batch size and intra-op thread count.
struct LatencyPoint {
  int batch = 1;
  int threads = 1;
  int reps = 0;  // timed runs behind the percentiles
  double mean_s = 0, p50_s = 0, p90_s = 0, p99_s = 0;
};

// Language models with a KV cache (text-decoder, docs/models.md "Language models"): one timed call.
struct LlmPoint {
  std::int64_t tokens = 0;  // prefill: prompt tokens (empty cache); decode: tokens already in the cache
  int reps = 0;
  double p50_s = 0;
};

// The straight line y = intercept + slope x through points (x, y) by least squares (x not all equal).
struct LineFit {
  double intercept = 0, slope = 0;
};
LineFit fit_line(const std::vector<LlmPoint>& points);

// Prefill and decode timings at one intra-op thread count, with the lines fitted through them.
struct LlmTiming {
  int threads = 1;
  std::vector<LlmPoint> prefill;  // n prompt tokens, empty past
  std::vector<LlmPoint> decode;   // one new token with `tokens` in the cache
  double prefill_fixed_s = 0;     // prefill time = prefill_fixed_s + prefill_s_per_token x n
  double prefill_s_per_token = 0;
  double decode_fixed_s = 0;  // decode step time = decode_fixed_s + decode_s_per_context_token x context
  double decode_s_per_context_token = 0;
  // One decode step with `context` tokens in the cache: the fitted line, or the fastest measured step where
  // the line is not positive there (a noisy slope extrapolated far).
  double decode_step_s(double context) const;
};

struct LlmProfile {
  int layers = 0, heads = 0, head_dim = 0;  // the KV cache: past_key_L [batch, heads, past, head_dim]
  std::vector<LlmTiming> timings;           // one per measured thread count
  const LlmTiming* find(int threads) const;
};

struct ModelProfile {
  int schema_version = kProfileSchemaVersion;
  // What produced it.
  std::string engine;          // "onnxruntime" or "opencv-dnn"
  std::string engine_version;  // e.g. "1.30.0"
  // ORT's execution provider: "cpu", or "cuda" / "tensorrt" for a GPU profile, whose latencies are one GPU's
  // (the `gpu` below) and feed GPU candidates' batch tables, never CPU service times.
  std::string provider = "cpu";
  struct Gpu {
    std::string name;  // as the driver names it (nvidia-smi)
    double memory_mib = 0;
    std::string driver;
  };
  std::optional<Gpu> gpu;    // a GPU profile only
  std::string cpu_model;     // /proc/cpuinfo "model name"
  int cores = 0;             // logical CPUs the machine had
  std::string date_utc;      // ISO 8601
  std::string settings_key;  // the measurement settings, part of the cache key
  // The model.
  std::string model_path;
  std::string sha256;             // of the .onnx file (external data not included)
  std::uint64_t model_bytes = 0;  // .onnx file plus external data
  std::uint64_t parameter_count = 0;
  double flops_per_inference = 0;  // batch 1, see flop_counter.hpp; for the GPU roofline estimate
  std::uint64_t weight_bytes = 0;  // initializer bytes: what a roofline reads from memory per inference
  // Measured.
  double file_read_s = 0;                  // reading the model bytes (warm page cache)
  double load_s = 0;                       // session creation from the .onnx (ORT: optimization level "all")
  std::optional<double> load_optimized_s;  // ORT: session from the saved optimized model (level "disabled")
  double first_inference_s = 0;            // first run after load, batch 1
  std::vector<LatencyPoint> latency;
  double peak_rss_mb = 0;         // peak resident memory of the process that ran the model
  std::optional<LlmProfile> llm;  // models with a KV cache (input_ids + past_key_L/past_value_L) only

  // The point for (batch, threads), or nullptr.
  const LatencyPoint* find(int batch, int threads) const;
  int max_threads() const;
  bool on_gpu() const { return provider != "cpu"; }
};

nlohmann::json to_json(const ModelProfile& profile);
// Throws InputError (naming `source` and the field) for a malformed profile or another schema version.
ModelProfile profile_from_json(const nlohmann::json& json, const std::string& source);
ModelProfile load_profile(const std::string& path);
void save_profile(const ModelProfile& profile, const std::string& path);

// Median service time (p50) of one call at `batch` on a CPU share of `vcpu` (> 0) virtual CPUs.
//   vcpu <= 1: time = t1 / vcpu, with t1 the measured 1-thread latency (the CPU is time-sliced);
//   vcpu >  1: Amdahl's law with the parallel fraction p that the measured 1->2 thread speed-up S2 implies,
//              p = 2 (1 - 1/S2) (clamped to [0,1]), time = t1 ((1 - p) + p / s), s = min(vcpu, max measured
//              threads). Without a 2-thread measurement, p = 0 (no gain above one vCPU).
// Throws InputError when the profile has no 1-thread point for that batch.
double service_time_s(const ModelProfile& profile, double vcpu, int batch = 1);
// The parallel fraction p above for a batch size (0 when not measured).
double parallel_fraction(const ModelProfile& profile, int batch = 1);

}  // namespace servesim::models
