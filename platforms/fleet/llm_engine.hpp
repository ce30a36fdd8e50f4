#pragma once
// One language-model server replica at iteration level, as vLLM's scheduler runs it (docs/models/
// llm-serving.md): requests wait in a FIFO; each iteration first gives every decoding sequence one token,
// then continues the prompts being prefilled, then admits waiting requests, within max_batched_tokens
// tokens and max_num_seqs sequences (chunked prefill cuts a prompt to what the budget leaves). The KV cache
// holds kv_capacity_tokens tokens (LlmTiming); a sequence holds its prompt and generated tokens, plus on
// average half a block for its partly filled last block ((block_tokens - 1) / 2). When the decoding
// sequences' next tokens do not fit, the most recently admitted sequence is preempted (recompute: its
// blocks are freed and it goes back to the front of the queue, to prefill its prompt and the tokens
// generated so far again). The iteration time comes from LlmTiming.
//
// Prefix caching (limits.prefix_caching, as vLLM's automatic prefix caching and SGLang's RadixAttention):
// the prompt blocks a request names (LlmRequest::prefix, e.g. Mooncake's 512-token hash_ids) are kept in the
// replica's KV cache once computed, shared by the sequences that use them. On admission the leading run of
// the request's blocks found in the cache is reused (at most input - 1 tokens: the last prompt token is
// always computed, as vLLM does to get its logits), so the prefill computes only the rest. A block enters the
// cache when the prompt that computed it is fully prefilled; a block no running sequence uses stays cached
// until its memory is needed, then the least recently used goes first (freed tail-first: a prompt's last
// blocks go before its first). Cached blocks no sequence uses do not count as used KV (vLLM counts them
// free).
//
// The engine keeps the decoding sequences as aggregates (count, summed context, a heap on the iteration in
// which each produces its last token), so one iteration costs O(1) plus O(log n) per request that joins or
// leaves, not O(batch).
//
// With limits.guaranteed_no_evict the engine admits as TensorRT-LLM does by default instead
// (GUARANTEED_NO_EVICT, TensorRT-LLM "Useful Runtime Options", Capacity Scheduler Policy: "guarantee that a
// started request is never paused"): a waiting request enters only when ceil((input + output) / block_tokens)
// blocks fit beside the blocks every running request has reserved for its whole life; nothing is preempted.
// The request's output length stands for its max_tokens (a client asking for more than it gets would reserve
// more).
//
//   LlmEngine e(timing, {.max_num_seqs = 256, .max_batched_tokens = 8192});
//   e.add({.arrival_s = 0, .input = 500, .output = 200});
//   double end = e.start(0);   // the first iteration: the prefill
//   e.complete(sink);          // at `end`: first token
#include <cstdint>
#include <deque>
#include <limits>
#include <list>
#include <memory>
#include <unordered_map>
#include <vector>

#include "platforms/fleet/llm_timing.hpp"
#include "sim/arrival_source.hpp"

namespace servesim::platforms {

struct LlmRequest {
  double arrival_s = 0;      // when the client sent it (latency and timeout are measured from here)
  uint32_t attempt = 0;      // the client's attempt number (0 = first)
  uint32_t input = 1;        // prompt tokens
  uint32_t output = 1;       // tokens to generate (>= 1)
  uint32_t id = 0, gen = 0;  // the platform model's handle on the request (the engine does not read them)
  std::shared_ptr<const sim::RequestPrefix> prefix = nullptr;  // its prompt's prefix blocks (null: none)
  uint32_t cached_tokens =
      0;  // set by the engine: prompt tokens found in the prefix cache on first admission
};

struct LlmEngineLimits {
  uint32_t max_num_seqs = 256;         // sequences in one batch (vLLM --max-num-seqs)
  uint32_t max_batched_tokens = 8192;  // tokens computed in one iteration (vLLM --max-num-batched-tokens)
  uint32_t block_tokens = 16;          // tokens per KV block (vLLM --block-size)
  bool chunked_prefill = true;         // else a prompt is prefilled whole in one iteration
  bool prefix_caching = false;         // reuse cached prompt-prefix blocks (vLLM --enable-prefix-caching)
  // TensorRT-LLM's default capacity policy (CapacitySchedulerPolicy GUARANTEED_NO_EVICT) instead of vLLM's
  // admission with preemption: a request enters the batch only when the KV blocks of its whole life (prompt +
  // output tokens, in whole blocks) fit beside those reserved by the running ones, so none is ever preempted.
  // Not combined with prefix caching (refused by the settings that set both).
  bool guaranteed_no_evict = false;
};

class LlmEngine {
 public:
  static constexpr double kNever = std::numeric_limits<double>::infinity();

  // What the engine tells its platform model, at the end of an iteration.
  class Sink {
   public:
    virtual ~Sink() = default;
    // The first output token of `r` (not repeated after a preemption).
    virtual void first_token(const LlmRequest& r, double t_s) = 0;
    // `r` produced its last token at t_s; its first came at first_token_s.
    virtual void finished(const LlmRequest& r, double first_token_s, double t_s) = 0;
  };

  LlmEngine(const LlmTiming& timing, const LlmEngineLimits& limits);

  void add(const LlmRequest& r);
  // Composes the next iteration at t_s if none is running and there is work; returns its end [s] (kNever
  // when idle). Preemptions happen here.
  double start(double t_s);
  // Ends the running iteration (at the time start() returned).
  void complete(Sink& sink);
  double iteration_end_s() const { return end_s_; }
  bool running() const { return end_s_ != kNever; }
  bool has_work() const { return in_flight_ > 0; }
  // Removes the waiting requests that arrived before `cutoff_s` (their clients gave up); calls f(r) for each.
  template <class F>
  void expire_waiting(double cutoff_s, F&& f);
  // Removes every request (waiting or running; the replica is lost); calls f(r, started) for each, started
  // when it had been admitted to the batch (it may have run).
  template <class F>
  void drain(F&& f);

  uint64_t in_flight() const { return in_flight_; }  // waiting + running
  uint64_t waiting() const { return waiting_.size(); }
  uint32_t running_seqs() const { return running_; }
  uint64_t kv_used_tokens() const;  // the running sequences' tokens, shared cached blocks counted once
  uint64_t kv_capacity_tokens() const { return capacity_; }
  // kv_used_tokens / kv_capacity_tokens [fraction].
  double kv_utilization() const {
    return static_cast<double>(kv_used_tokens()) / static_cast<double>(capacity_);
  }
  uint64_t preemptions() const { return preemptions_; }
  // Prefix caching: prompt tokens of the requests admitted so far (each counted at its first admission), and
  // of them the tokens found in the cache.
  uint64_t prefix_query_tokens() const { return prefix_query_tokens_; }
  uint64_t prefix_hit_tokens() const { return prefix_hit_tokens_; }
  // Tokens in cached prefix blocks (used by running sequences or not) [tokens].
  uint64_t prefix_cached_tokens() const { return cache_tokens_; }
  // How many leading blocks of `prefix` this replica's cache holds now (what a router that sees its KV
  // events knows); 0 without prefix caching.
  uint32_t cached_prefix_blocks(const sim::RequestPrefix& prefix) const;
  uint64_t iterations() const { return step_; }
  const LlmTiming& timing() const { return timing_; }

 private:
  enum class State : uint8_t { free, waiting, prefilling, decoding };
  struct Seq {
    LlmRequest req;
    State state = State::free;
    uint32_t prompt = 0;     // tokens to prefill: the input, plus the tokens generated before a preemption
    uint32_t prefilled = 0;  // prompt tokens in the KV cache (allocated when the chunk is scheduled)
    uint32_t generated = 0;  // output tokens produced (decoding: as of join_step)
    uint32_t stamp = 0;      // bumped when it stops decoding (its heap entry goes stale)
    uint64_t order = 0;      // admission serial (the most recent is preempted first)
    uint64_t join_step = 0;  // decoding: first iteration it decodes in
    uint64_t ctx_join = 0;   // decoding: tokens in the KV cache at join_step
    double first_token_s = -1;
    uint32_t held = 0;      // prefix caching: leading prefix blocks it uses from the cache
    uint32_t cached = 0;    // their tokens (the rest of its KV tokens are its own)
    bool queried = false;   // its prompt was counted in the hit rate
    uint32_t reserved = 0;  // guaranteed_no_evict: KV tokens reserved for its whole life while it runs
  };
  struct CachedBlock {
    uint32_t refs = 0;                  // running sequences that use it
    uint32_t tokens = 0;                // its tokens
    std::list<uint64_t>::iterator lru;  // in lru_ while refs == 0
  };
  struct Finish {
    uint64_t step;  // iteration in which the sequence produces its last token
    uint32_t seq;
    uint32_t stamp;
  };
  struct Later {
    bool operator()(const Finish& a, const Finish& b) const { return a.step > b.step; }
  };
  struct Chunk {
    uint32_t seq;
    bool completes;  // the prompt is fully prefilled at the end of this iteration
  };

  uint32_t new_seq(const LlmRequest& r);
  void release(uint32_t seq);
  uint64_t ctx_of(const Seq& s) const;  // decoding: tokens in the KV cache at step_
  double slack() const { return (limits_.block_tokens - 1) / 2.0; }
  bool fits(double extra_tokens) const;  // always true under guaranteed_no_evict (admission reserved it)
  uint32_t lifetime_tokens(const Seq& q) const;  // guaranteed_no_evict: whole blocks of input + output
  bool preempt_last();
  void stop_decoding(uint32_t seq);
  // Prefix caching: the blocks of `seq`'s prompt that count as computed on admission (a leading run found in
  // the cache, at most input - 1 tokens) and the tokens of those no sequence uses yet (they become used).
  uint32_t cache_hits(const Seq& q, uint64_t& newly_used_tokens) const;
  void use_block(uint64_t chain, uint32_t tokens);
  void unuse_blocks(Seq& q);  // releases the blocks q uses, tail first
  void cache_prompt(Seq& q);  // q's prompt is prefilled: its full prompt blocks enter the cache
  void evict(uint64_t room);  // drops unused cached blocks, oldest first, until `room` tokens fit

  const LlmTiming& timing_;
  LlmEngineLimits limits_;
  uint64_t capacity_;
  std::vector<Seq> seqs_;
  std::vector<uint32_t> free_;
  std::deque<uint32_t> waiting_;
  std::deque<uint32_t> prefilling_;                      // admission order
  std::vector<std::pair<uint32_t, uint64_t>> admitted_;  // (seq, order), admission order, may hold stale
  std::vector<Finish> finishes_;                         // min-heap on step
  std::vector<Chunk> chunks_;                            // of the running iteration
  uint64_t step_ = 0;                                    // index of the next (or running) iteration
  uint64_t order_ = 0;
  uint32_t running_ = 0;       // prefilling + decoding
  uint32_t decoding_ = 0;      // decoding sequences
  uint32_t decoding_now_ = 0;  // of them, in the running iteration
  uint64_t decode_ctx_ = 0;    // tokens in the KV cache of the decoding sequences
  uint64_t kv_tokens_ = 0;     // tokens in the KV cache of all running sequences
  uint64_t in_flight_ = 0;
  uint64_t reserved_ = 0;  // guaranteed_no_evict: tokens the running sequences reserved
  uint64_t preemptions_ = 0;
  double end_s_ = kNever;
  // Prefix caching.
  std::unordered_map<uint64_t, CachedBlock> cache_;  // by chained block hash
  std::list<uint64_t> lru_;                          // cached blocks no sequence uses, least recent first
  uint64_t cache_tokens_ = 0;                        // tokens in cache_
  uint64_t used_cache_tokens_ = 0;                   // of them, in blocks that running sequences use
  uint64_t prefix_query_tokens_ = 0, prefix_hit_tokens_ = 0;
};

template <class F>
void LlmEngine::expire_waiting(double cutoff_s, F&& f) {
  while (!waiting_.empty() && seqs_[waiting_.front()].req.arrival_s < cutoff_s &&
         seqs_[waiting_.front()].generated == 0) {
    const uint32_t s = waiting_.front();
    waiting_.pop_front();
    f(seqs_[s].req);
    release(s);
  }
}

template <class F>
void LlmEngine::drain(F&& f) {
  for (uint32_t s = 0; s < seqs_.size(); ++s) {
    if (seqs_[s].state == State::free) continue;
    f(seqs_[s].req, seqs_[s].state != State::waiting);
    release(s);
  }
  waiting_.clear();
  prefilling_.clear();
  admitted_.clear();
  finishes_.clear();
  chunks_.clear();
  running_ = decoding_ = decoding_now_ = 0;
  decode_ctx_ = kv_tokens_ = reserved_ = 0;
  end_s_ = kNever;
  cache_.clear();  // the replica's memory is gone
  lru_.clear();
  cache_tokens_ = used_cache_tokens_ = 0;
}

}  // namespace servesim::platforms
