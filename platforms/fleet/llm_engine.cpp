#include "platforms/fleet/llm_engine.hpp"

#include <algorithm>
#include <cmath>

namespace servesim::platforms {

LlmEngine::LlmEngine(const LlmTiming& timing, const LlmEngineLimits& limits)
    : timing_(timing),
      limits_(limits),
      capacity_(timing.kv_capacity_tokens() / limits.block_tokens * limits.block_tokens) {}

uint32_t LlmEngine::new_seq(const LlmRequest& r) {
  uint32_t s;
  if (free_.empty()) {
    s = static_cast<uint32_t>(seqs_.size());
    seqs_.emplace_back();
  } else {
    s = free_.back();
    free_.pop_back();
  }
  Seq& q = seqs_[s];
  const uint32_t stamp = q.stamp;
  q = Seq{};
  q.stamp = stamp + 1;
  q.req = r;
  q.prompt = r.input;
  q.state = State::waiting;
  ++in_flight_;
  return s;
}

void LlmEngine::release(uint32_t s) {
  reserved_ -= seqs_[s].reserved;
  seqs_[s].reserved = 0;
  seqs_[s].state = State::free;
  ++seqs_[s].stamp;
  free_.push_back(s);
  --in_flight_;
}

void LlmEngine::add(const LlmRequest& r) {
  waiting_.push_back(new_seq(r));
}

uint64_t LlmEngine::ctx_of(const Seq& s) const {
  return s.ctx_join + (step_ - s.join_step);
}

uint64_t LlmEngine::kv_used_tokens() const {
  return kv_tokens_ + used_cache_tokens_ + static_cast<uint64_t>(std::llround(running_ * slack()));
}

bool LlmEngine::fits(double extra_tokens) const {
  if (limits_.guaranteed_no_evict) return true;  // the admitted requests' reservations hold their every token
  return static_cast<double>(kv_tokens_ + used_cache_tokens_) + running_ * slack() + extra_tokens <=
         static_cast<double>(capacity_);
}

uint32_t LlmEngine::lifetime_tokens(const Seq& q) const {
  const uint64_t b = limits_.block_tokens;
  const uint64_t whole = (static_cast<uint64_t>(q.req.input) + q.req.output + b - 1) / b * b;
  // A request that alone needs more than the cache runs alone (the context checks upstream refuse such
  // models; block rounding can still put the last block past the capacity).
  return static_cast<uint32_t>(std::min<uint64_t>(whole, capacity_));
}

uint32_t LlmEngine::cache_hits(const Seq& q, uint64_t& newly_used_tokens) const {
  newly_used_tokens = 0;
  if (!limits_.prefix_caching || !q.req.prefix || q.req.input == 0) return 0;
  const sim::RequestPrefix& p = *q.req.prefix;
  const size_t most = std::min<size_t>(p.chain.size(), (q.req.input - 1) / p.block_tokens);
  uint32_t k = 0;
  for (; k < most; ++k) {
    const auto it = cache_.find(p.chain[k]);
    if (it == cache_.end()) break;
    if (it->second.refs == 0) newly_used_tokens += it->second.tokens;
  }
  return k;
}

uint32_t LlmEngine::cached_prefix_blocks(const sim::RequestPrefix& prefix) const {
  if (!limits_.prefix_caching) return 0;
  uint32_t k = 0;
  while (k < prefix.chain.size() && cache_.count(prefix.chain[k])) ++k;
  return k;
}

void LlmEngine::use_block(uint64_t chain, uint32_t tokens) {
  auto [it, inserted] = cache_.try_emplace(chain);
  CachedBlock& b = it->second;
  if (inserted) {
    b.tokens = tokens;
    cache_tokens_ += tokens;
  } else if (b.refs == 0) {
    lru_.erase(b.lru);
  }
  if (b.refs++ == 0) used_cache_tokens_ += b.tokens;
}

void LlmEngine::unuse_blocks(Seq& q) {
  for (uint32_t k = q.held; k-- > 0;) {
    CachedBlock& b = cache_.find(q.req.prefix->chain[k])->second;
    if (--b.refs > 0) continue;
    used_cache_tokens_ -= b.tokens;
    b.lru = lru_.insert(lru_.end(), q.req.prefix->chain[k]);
  }
  q.held = 0;
  q.cached = 0;
}

void LlmEngine::cache_prompt(Seq& q) {
  if (!limits_.prefix_caching || !q.req.prefix) return;
  const sim::RequestPrefix& p = *q.req.prefix;
  const uint32_t full = static_cast<uint32_t>(std::min<size_t>(p.chain.size(), q.req.input / p.block_tokens));
  for (uint32_t k = q.held; k < full; ++k) {
    // The sequence's own copy of the block becomes the cached one, or is dropped for an equal block that
    // another sequence cached meanwhile.
    kv_tokens_ -= p.block_tokens;
    use_block(p.chain[k], p.block_tokens);
  }
  if (full > q.held) {
    q.held = full;
    q.cached = full * p.block_tokens;
  }
}

void LlmEngine::evict(uint64_t room) {
  while (!lru_.empty() && kv_tokens_ + cache_tokens_ + room > capacity_) {
    const auto it = cache_.find(lru_.front());
    cache_tokens_ -= it->second.tokens;
    cache_.erase(it);
    lru_.pop_front();
  }
}

void LlmEngine::stop_decoding(uint32_t s) {
  Seq& q = seqs_[s];
  const uint64_t ctx = ctx_of(q);
  q.generated += static_cast<uint32_t>(step_ - q.join_step);
  ++q.stamp;  // its entry in finishes_ is stale from now on
  --decoding_;
  decode_ctx_ -= ctx;
  kv_tokens_ -= ctx - q.cached;
}

bool LlmEngine::preempt_last() {
  while (!admitted_.empty()) {
    const auto [s, order] = admitted_.back();
    admitted_.pop_back();
    Seq& q = seqs_[s];
    if (q.order != order || (q.state != State::prefilling && q.state != State::decoding)) continue;
    if (q.state == State::decoding) {
      stop_decoding(s);
    } else {
      kv_tokens_ -= q.prefilled - q.cached;
      prefilling_.erase(std::find(prefilling_.begin(), prefilling_.end(), s));
    }
    if (q.held > 0) unuse_blocks(q);  // they stay cached, unused, for its readmission or others
    // Recompute: the prompt and the tokens generated so far are prefilled again when it is readmitted.
    q.prompt = q.req.input + q.generated;
    q.prefilled = 0;
    q.state = State::waiting;
    --running_;
    waiting_.push_front(s);
    ++preemptions_;
    return true;
  }
  return false;
}

double LlmEngine::start(double t_s) {
  if (running() || in_flight_ == 0) return end_s_;
  chunks_.clear();
  const bool no_evict = limits_.guaranteed_no_evict;
  // Every decoding sequence writes one more token this iteration: make room, newest first out.
  while (decoding_ > 0 && !fits(decoding_)) preempt_last();
  double budget = limits_.max_batched_tokens >= decoding_ ? limits_.max_batched_tokens - decoding_ : 0;
  double prefill_tokens = 0, pairs = 0;
  auto schedule = [&](uint32_t s, double remaining) {
    Seq& q = seqs_[s];
    const double chunk = std::min(remaining, budget);
    pairs += chunk * (q.prefilled + chunk / 2.0);
    q.prefilled += static_cast<uint32_t>(chunk);
    kv_tokens_ += static_cast<uint64_t>(chunk);
    prefill_tokens += chunk;
    budget -= chunk;
    chunks_.push_back(Chunk{s, q.prefilled == q.prompt});
  };
  for (;;) {
    // Prompts already being prefilled, oldest first.
    for (const uint32_t s : prefilling_) {
      if (budget <= 0) break;
      const Seq& q = seqs_[s];
      const double remaining = q.prompt - q.prefilled;
      if (!limits_.chunked_prefill && remaining > budget) break;
      if (!fits(std::min(remaining, budget))) break;
      schedule(s, remaining);
    }
    // New admissions, in queue order.
    while (budget > 0 && running_ < limits_.max_num_seqs && !waiting_.empty()) {
      const uint32_t s = waiting_.front();
      Seq& q = seqs_[s];
      uint64_t newly_used = 0;
      const uint32_t hits = limits_.prefix_caching ? cache_hits(q, newly_used) : 0;
      const uint32_t hit_tokens = hits == 0 ? 0 : hits * q.req.prefix->block_tokens;
      const uint32_t to_compute = q.prompt - hit_tokens;
      if (!limits_.chunked_prefill && to_compute > budget) break;
      const uint32_t lifetime = no_evict ? lifetime_tokens(q) : 0;
      if (no_evict ? reserved_ + lifetime > capacity_
                   : !fits(slack() + static_cast<double>(newly_used) + std::min<double>(to_compute, budget)))
        break;
      waiting_.pop_front();
      q.reserved = lifetime;
      reserved_ += lifetime;
      q.state = State::prefilling;
      q.order = ++order_;
      ++running_;
      prefilling_.push_back(s);
      admitted_.emplace_back(s, q.order);
      if (limits_.prefix_caching && !q.queried) {
        q.queried = true;
        prefix_query_tokens_ += q.req.input;
        prefix_hit_tokens_ += hit_tokens;
        q.req.cached_tokens = hit_tokens;
      }
      for (uint32_t k = 0; k < hits; ++k) use_block(q.req.prefix->chain[k], q.req.prefix->block_tokens);
      q.held = hits;
      q.cached = hit_tokens;
      q.prefilled = hit_tokens;  // computed already: the prefill continues after them
      schedule(s, to_compute);
    }
    if (decoding_ > 0 || !chunks_.empty()) break;
    // Nothing fits although sequences hold the cache (partial prompts): free the newest and try again.
    if (no_evict || !preempt_last()) break;
  }
  if (admitted_.size() > 2 * static_cast<size_t>(running_) + 64)  // drop stale entries now and then
    std::erase_if(admitted_, [this](const std::pair<uint32_t, uint64_t>& a) {
      const Seq& q = seqs_[a.first];
      return q.order != a.second || (q.state != State::prefilling && q.state != State::decoding);
    });
  if (decoding_ == 0 && chunks_.empty()) return end_s_;  // only waiting requests that cannot start yet
  decoding_now_ = decoding_;
  // Room for what this iteration writes: unused cached blocks give way, oldest first.
  if (limits_.prefix_caching && !lru_.empty())
    evict(decoding_now_ + static_cast<uint64_t>(std::ceil(running_ * slack())));
  end_s_ = t_s + timing_.iteration_s(prefill_tokens, pairs, decoding_, static_cast<double>(decode_ctx_));
  return end_s_;
}

void LlmEngine::complete(Sink& sink) {
  const double t = end_s_;
  end_s_ = kNever;
  // The sequences that decoded in this iteration each wrote one token.
  kv_tokens_ += decoding_now_;
  decode_ctx_ += decoding_now_;
  ++step_;
  while (!finishes_.empty() && finishes_.front().step < step_) {
    const Finish f = finishes_.front();
    std::pop_heap(finishes_.begin(), finishes_.end(), Later{});
    finishes_.pop_back();
    Seq& q = seqs_[f.seq];
    if (q.stamp != f.stamp || q.state != State::decoding) continue;
    const uint64_t ctx = ctx_of(q);
    --decoding_;
    decode_ctx_ -= ctx;
    kv_tokens_ -= ctx - q.cached;
    --running_;
    if (q.held > 0) unuse_blocks(q);
    sink.finished(q.req, q.first_token_s, t);
    release(f.seq);
  }
  for (const Chunk& c : chunks_) {
    if (!c.completes) continue;
    Seq& q = seqs_[c.seq];
    prefilling_.erase(std::find(prefilling_.begin(), prefilling_.end(), c.seq));
    if (limits_.prefix_caching) cache_prompt(q);
    ++q.generated;  // the prefill's forward pass samples the next token
    if (q.first_token_s < 0) {
      q.first_token_s = t;
      sink.first_token(q.req, t);
    }
    if (q.generated >= q.req.output) {
      kv_tokens_ -= q.prefilled - q.cached;
      --running_;
      if (q.held > 0) unuse_blocks(q);
      sink.finished(q.req, q.first_token_s, t);
      release(c.seq);
      continue;
    }
    // Decodes from the next iteration on; the sampled token enters the cache there.
    q.state = State::decoding;
    q.join_step = step_;
    q.ctx_join = q.prefilled;
    ++decoding_;
    decode_ctx_ += q.ctx_join;
    // Produces its last token in iteration join_step + (output - generated) - 1.
    finishes_.push_back(Finish{step_ + (q.req.output - q.generated) - 1, c.seq, q.stamp});
    std::push_heap(finishes_.begin(), finishes_.end(), Later{});
  }
  chunks_.clear();
}

}  // namespace servesim::platforms
