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
// The engine keeps the decoding sequences as aggregates (count, summed context, a heap on the iteration in
// which each produces its last token), so one iteration costs O(1) plus O(log n) per request that joins or
// leaves, not O(batch).
//
//   LlmEngine e(timing, {.max_num_seqs = 256, .max_batched_tokens = 8192});
//   e.add({.arrival_s = 0, .input = 500, .output = 200});
//   double end = e.start(0);   // the first iteration: the prefill
//   e.complete(sink);          // at `end`: first token
#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

#include "platforms/fleet/llm_timing.hpp"

namespace servesim::platforms {

struct LlmRequest {
  double arrival_s = 0;      // when the client sent it (latency and timeout are measured from here)
  uint32_t attempt = 0;      // the client's attempt number (0 = first)
  uint32_t input = 1;        // prompt tokens
  uint32_t output = 1;       // tokens to generate (>= 1)
  uint32_t id = 0, gen = 0;  // the platform model's handle on the request (the engine does not read them)
};

struct LlmEngineLimits {
  uint32_t max_num_seqs = 256;         // sequences in one batch (vLLM --max-num-seqs)
  uint32_t max_batched_tokens = 8192;  // tokens computed in one iteration (vLLM --max-num-batched-tokens)
  uint32_t block_tokens = 16;          // tokens per KV block (vLLM --block-size)
  bool chunked_prefill = true;         // else a prompt is prefilled whole in one iteration
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
  uint64_t kv_used_tokens() const;
  uint64_t kv_capacity_tokens() const { return capacity_; }
  // kv_used_tokens / kv_capacity_tokens [fraction].
  double kv_utilization() const {
    return static_cast<double>(kv_used_tokens()) / static_cast<double>(capacity_);
  }
  uint64_t preemptions() const { return preemptions_; }
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
  bool fits(double extra_tokens) const;
  bool preempt_last();
  void stop_decoding(uint32_t seq);

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
  uint64_t preemptions_ = 0;
  double end_s_ = kNever;
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
  decode_ctx_ = kv_tokens_ = 0;
  end_s_ = kNever;
}

}  // namespace servesim::platforms
