#pragma once
// A stream of request arrival times, produced lazily: traces are streamed, never loaded whole.
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/rng.hpp"
#include "sim/workload.hpp"

namespace servesim::sim {

// The key of a request whose input is not known (no key column, or a retry that lost it).
constexpr uint64_t kNoKey = UINT64_MAX;

// The prompt-prefix blocks of one request (a request trace's prefix_blocks_column, e.g. Mooncake's
// hash_ids): block i covers prompt tokens [i x block_tokens, (i + 1) x block_tokens). chain[i] identifies the
// whole prefix up to and including block i (a hash of the trace's ids 0..i, as vLLM chains each block's hash
// with its parent's), so two requests share chain[i] only when their first i + 1 blocks are all equal.
struct RequestPrefix {
  uint32_t block_tokens = 512;
  std::vector<uint64_t> chain;
};

// The token counts of one request to a language model (a request trace's token columns, or drawn by a
// synthetic workload); both 0 when the workload does not give them.
struct RequestTokens {
  uint32_t input = 0;   // prompt (context) tokens
  uint32_t output = 0;  // tokens to generate
  // The prompt's prefix blocks (null: the workload gives none). Shared, immutable: copies of a row (scale,
  // retries) point at the same blocks.
  std::shared_ptr<const RequestPrefix> prefix = nullptr;
  bool known() const { return input != 0 || output != 0; }
};

// One request's token count drawn from a workload's token distribution: rounded to the nearest integer and
// kept within 1..kMaxRequestTokens (sim/synthetic_source.cpp).
uint32_t draw_request_tokens(const Distribution& distribution, Rng& rng);

class ArrivalSource {
 public:
  virtual ~ArrivalSource() = default;
  // Writes the next arrival time [s since the start of the replay window, after time compression] and returns
  // true; returns false when the workload is exhausted. Times are non-decreasing.
  // Throws InputError (naming file and line/token) on malformed input found while streaming.
  virtual bool next(double& t_s) = 0;
  // Length of the replay window [s] if known before streaming, else a negative value.
  virtual double duration_s() const = 0;
  // The input key of the arrival next() returned last: a 64-bit hash of its value in the workload's
  // key_column (never kNoKey), or kNoKey when the workload has no keys.
  virtual uint64_t key() const { return kNoKey; }
  // The token counts of the arrival next() returned last ({0, 0} when the workload has none).
  virtual RequestTokens tokens() const { return {}; }
};

// Builds the source for a workload. `seed` fixes the arrival times: the same spec and seed give the same
// times. Throws InputError if a file is missing or unreadable.
//
// Traces: the window [start_s, start_s + duration_s) lies on the trace's own time axis (before time
// compression; whole seconds for a rate trace) and arrival times count from its start. With GapPolicy::skip
// the replay is shorter than the window, so duration_s() is negative. A file error, an empty trace or a start
// beyond the end is thrown here; a bad token further on is thrown by next(). Synthetic workloads last
// synthetic_duration_s (spike: rate_rps is the base rate); start_s, duration_s, time_compression, scale and
// gaps apply to traces only.
std::unique_ptr<ArrivalSource> make_arrival_source(const WorkloadSpec& spec, uint64_t seed);

// Reads the whole workload once without simulating (for `servesim validate` and before a run, so that a bad
// token is reported before any output exists). Returns the number of arrivals.
uint64_t count_arrivals(const WorkloadSpec& spec, uint64_t seed);

}  // namespace servesim::sim
