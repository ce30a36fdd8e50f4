#pragma once
// `servesim profile`: measures a model with a real engine and caches the result by (model sha256, engine,
// settings) in a cache directory ($SERVESIM_CACHE_DIR, else $XDG_CACHE_HOME/servesim, else
// ~/.cache/servesim).
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "models/inference_engine.hpp"
#include "models/model_profile.hpp"

namespace servesim::models {

struct ProfileOptions {
  EngineKind engine = EngineKind::kOrt;
  std::vector<int> batches{1};     // batch sizes to time
  std::vector<int> threads{1, 2};  // intra-op thread counts to time (1 and 2 feed the scaling law)
  int warmup = 3;                  // untimed runs before each (batch, threads) point
  int min_reps = 10;               // timed runs per point: at least min_reps ...
  int max_reps = 200;              // ... at most max_reps ...
  double max_s_per_point = 2.0;    // ... stopping once this much time went by after min_reps
  std::uint32_t seed = 1;          // input values
  std::string cache_dir;           // empty: default_cache_dir()
  bool use_cache = true;
};

struct ProfileResult {
  ModelProfile profile;
  bool from_cache = false;
  std::string cache_path;
};

std::string default_cache_dir();
// Measures (or reuses a cached profile). Warnings (engine fallback) go to `warnings`.
ProfileResult profile_model(const std::string& model_path, const ProfileOptions& options,
                            std::ostream& warnings);
// Latency percentiles of timed runs (nearest-rank).
LatencyPoint summarize(int batch, int threads, std::vector<double> times_s);

}  // namespace servesim::models
