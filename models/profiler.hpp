#pragma once
// `servesim profile`: measures a model with a real engine and caches the result by (model sha256, engine,
// settings) in a cache directory ($SERVESIM_CACHE_DIR, else $XDG_CACHE_HOME/servesim, else
// ~/.cache/servesim).
#include <atomic>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/inference_engine.hpp"
#include "models/model_profile.hpp"

namespace servesim::models {

struct ProfileOptions {
  EngineKind engine = EngineKind::kOrt;
  // ORT's execution provider: "cpu", or "cuda" / "tensorrt" to time the model on this machine's first NVIDIA
  // GPU (ORT only, no fall-back to another engine or to the CPU; one thread count; no language-model
  // timings).
  std::string provider = "cpu";
  std::vector<int> batches{1};     // batch sizes to time
  std::vector<int> threads{1, 2};  // intra-op thread counts to time (1 and 2 feed the scaling law)
  int warmup = 3;                  // untimed runs before each (batch, threads) point
  int min_reps = 10;               // timed runs per point: at least min_reps ...
  int max_reps = 200;              // ... at most max_reps ...
  double max_s_per_point = 2.0;    // ... stopping once this much time went by after min_reps
  // Language models with a KV cache (kv_cache_shape): prefill with these prompt lengths (empty cache) and
  // decode one token with these cache lengths, at every thread count. Each point: one untimed run, then at
  // least llm_min_reps timed runs, more (up to max_reps) until llm_max_s_per_point seconds went by.
  std::vector<int> prefill_tokens{128, 512};
  std::vector<int> decode_context{128, 512};
  int llm_min_reps = 5;
  double llm_max_s_per_point = 0.25;
  std::uint32_t seed = 1;  // input values
  std::string cache_dir;   // empty: default_cache_dir()
  bool use_cache = true;
  // Called on the profiling thread before each step (step 0: session creation and first inference, then one
  // step per (batch, threads) point) with the steps done, the total and what comes next, and once with
  // done == total at the end. Not part of the cache key.
  std::function<void(int done, int total, const std::string& next)> on_progress;
  // Read before each step: when true, profile_model stops there and throws ProfileCancelled. A step in
  // progress (one point: up to max_reps runs or max_s_per_point seconds) is not interrupted.
  const std::atomic<bool>* cancel = nullptr;
};

class ProfileCancelled : public std::runtime_error {
 public:
  ProfileCancelled() : std::runtime_error("profiling cancelled") {}
};

struct ProfileResult {
  ModelProfile profile;
  bool from_cache = false;
  std::string cache_path;
};

std::string default_cache_dir();

// The --batch / --threads lists: "1,2,4" -> {1, 2, 4}; throws InputError naming `flag` for anything else.
std::vector<int> parse_int_list(const std::string& text, const std::string& flag);
// Measures (or reuses a cached profile). Warnings (engine fallback) go to `warnings`.
ProfileResult profile_model(const std::string& model_path, const ProfileOptions& options,
                            std::ostream& warnings);
// Latency percentiles of timed runs (nearest-rank).
LatencyPoint summarize(int batch, int threads, std::vector<double> times_s);

}  // namespace servesim::models
