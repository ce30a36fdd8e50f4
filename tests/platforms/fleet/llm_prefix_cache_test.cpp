// Prefix caching in the token-level LLM replica (platforms/fleet/llm_engine.hpp), against arithmetic worked
// by hand from the iteration formula of platforms/fleet/llm_timing.hpp: a request sharing k leading 512-token
// blocks with an earlier one prefills input - 512 k tokens, so its time to first token drops by exactly the
// prefill of 512 k tokens alone; a shared block after a different first block gives no hit; unused cached
// blocks are evicted least recently used first (a prompt's tail before its head) while blocks in use by a
// running sequence are never evicted; the hit counters; and with prefix caching off nothing changes.
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "llm_test_setup.hpp"
#include "platforms/fleet/gpu_catalog.hpp"
#include "platforms/fleet/llm_engine.hpp"
#include "platforms/fleet/llm_timing.hpp"

namespace {
using namespace servesim::platforms;

// Llama 3 8B's shape with a 2,048-token context, on one ideal H100 (llm_test_setup.hpp).
LlmSpec prefix_llama8b() {
  return servesim::test_llm::llama8b(2048);
}

// A request of `input` prompt tokens whose prefix blocks (512 tokens each) have the chained ids `chain`.
LlmRequest prefixed(double arrival_s, uint32_t input, uint32_t output, std::vector<uint64_t> chain) {
  auto p = std::make_shared<servesim::sim::RequestPrefix>();
  p->block_tokens = 512;
  p->chain = std::move(chain);
  return LlmRequest{.arrival_s = arrival_s, .input = input, .output = output, .prefix = p};
}

struct PrefixLog : LlmEngine::Sink {
  std::vector<double> first, done;
  std::vector<uint32_t> cached;
  void first_token(const LlmRequest&, double t) override { first.push_back(t); }
  void finished(const LlmRequest& r, double, double t) override {
    done.push_back(t);
    cached.push_back(r.cached_tokens);
  }
};

double drain_engine(LlmEngine& e, PrefixLog& log, double t) {
  for (double end = e.start(t); end != LlmEngine::kNever; end = e.start(t)) {
    t = end;
    e.complete(log);
  }
  return t;
}

// Time to first token of `b` alone on an idle replica after `a` has run alone.
double second_ttft(bool caching, const LlmRequest& a, LlmRequest b, uint32_t* hit = nullptr) {
  const LlmTiming t(prefix_llama8b(), servesim::test_llm::h100(), servesim::test_llm::ideal());
  LlmEngine e(t, LlmEngineLimits{.block_tokens = 1, .prefix_caching = caching});
  PrefixLog log;
  e.add(a);
  const double t_a = drain_engine(e, log, 0);
  b.arrival_s = t_a + 1;
  e.add(b);
  drain_engine(e, log, b.arrival_s);
  if (hit) *hit = log.cached.back();
  return log.first.back() - b.arrival_s;
}

// One compute-bound prefill of n tokens after c cached ones, from the formula: 2 x 8e9 x n FLOP for the
// dense layers + 4 x 32 x 32 x 128 = 524,288 FLOP per attention pair, n x (c + n / 2) pairs, at 989.5e12.
double prefill_s(double n, double c) {
  return (2 * 8e9 * n + 524288.0 * n * (c + n / 2)) / 989.5e12;
}
}  // namespace

TEST_CASE("platforms::LlmEngine prefix caching: k shared leading blocks cut the TTFT by their prefill") {
  // A: 3,000 tokens, blocks {1..6} (5 full blocks enter the cache). B: 3,000 tokens sharing the first k = 3
  // blocks. With caching B prefills 3,000 - 3 x 512 = 1,464 tokens after 1,536 cached ones:
  //   pairs 1,464 x (1,536 + 732) = 3,320,352; compute (2.3424e13 + 1.7408e12) / 989.5e12 = 25.43 ms,
  //   bandwidth (16e9 + 1,464 x 131,072) B / 3.35e12 = 4.83 ms: compute-bound, TTFT = 25.43 ms.
  // Without: 3,000 tokens, pairs 4.5e6: (4.8e13 + 2.3593e12) / 989.5e12 = 50.89 ms.
  // The difference, 2 x 8e9 x 1,536 + 524,288 x (4.5e6 - 3,320,352 = 1,179,648 = 1,536 x 768) FLOP, is
  // exactly the prefill of 1,536 tokens alone: 25.46 ms.
  const LlmRequest a = prefixed(0, 3000, 1, {1, 2, 3, 4, 5, 6});
  const LlmRequest b = prefixed(0, 3000, 1, {1, 2, 3, 40, 50, 60});
  uint32_t hit = 0;
  const double with = second_ttft(true, a, b, &hit);
  const double without = second_ttft(false, a, b);
  CHECK(hit == 1536);
  CHECK(with == Approx(prefill_s(1464, 1536)).epsilon(1e-9));
  CHECK(without == Approx(prefill_s(3000, 0)).epsilon(1e-9));
  CHECK(without - with == Approx(prefill_s(1536, 0)).epsilon(1e-9));
  CHECK(without - with == Approx(0.025461).epsilon(1e-4));
}

TEST_CASE("platforms::LlmEngine prefix caching: only a leading run of cached blocks counts") {
  // B's blocks 2 and 3 are cached (from A) but its first block is not: vLLM matches from the first block on,
  // so B computes all 3,000 tokens (and the chained ids of a trace make such a block differ anyway).
  const LlmRequest a = prefixed(0, 3000, 1, {1, 2, 3, 4, 5, 6});
  const LlmRequest b = prefixed(0, 3000, 1, {9, 2, 3, 4, 5, 6});
  uint32_t hit = 1;
  CHECK(second_ttft(true, a, b, &hit) == Approx(prefill_s(3000, 0)).epsilon(1e-9));
  CHECK(hit == 0);
  // A whole prompt found in the cache still computes its last block's tokens (at most input - 1 cached): a
  // 2,048-token prompt of 4 full blocks seen before reuses 3 blocks and prefills 512 tokens after 1,536.
  const LlmRequest c = prefixed(0, 2048, 1, {1, 2, 3, 4});
  CHECK(second_ttft(true, c, c, &hit) == Approx(prefill_s(512, 1536)).epsilon(1e-9));
  CHECK(hit == 1536);
}

TEST_CASE("platforms::LlmEngine prefix caching: LRU eviction under a small KV budget, blocks in use kept") {
  // KV budget: memory_utilization u with 80e9 u - 1e9 reserve - 16e9 weights = 2,100 x 131,072 B gives
  // 2,100 tokens of KV (floor of the division, so 2,099 or 2,100 after rounding).
  const double u = (17e9 + 2100 * 131072.0 + 1000) / 80e9;
  const LlmTiming t(prefix_llama8b(), servesim::test_llm::h100(), servesim::test_llm::ideal(u));
  REQUIRE(t.kv_capacity_tokens() == 2100);
  SECTION("unused blocks go least recently used first, a prompt's tail before its head") {
    LlmEngine e(t, LlmEngineLimits{.block_tokens = 1, .prefix_caching = true});
    PrefixLog log;
    // A (1,100 tokens) caches blocks 1, 2 (1,024 tokens); freed tail first: LRU order [2, 1].
    e.add(prefixed(0, 1100, 1, {1, 2, 3}));
    double now = drain_engine(e, log, 0);
    CHECK(e.prefix_cached_tokens() == 1024);
    // C (1,100 tokens, blocks 5, 6) needs 1,100 + 1,024 cached = 2,124 > 2,100: block 2 is evicted (1,612
    // left); C then caches 5, 6: cached {1, 5, 6} = 1,536 tokens, LRU order [1, 6, 5].
    e.add(prefixed(now, 1100, 1, {5, 6, 7}));
    now = drain_engine(e, log, now);
    CHECK(e.prefix_cached_tokens() == 1536);
    // D (blocks 1, 2) finds block 1 only: 512 tokens.
    e.add(prefixed(now, 1100, 1, {1, 2, 3}));
    drain_engine(e, log, now);
    REQUIRE(log.cached.size() == 3);
    CHECK(log.cached[2] == 512);
    CHECK(e.prefix_hit_tokens() == 512);
    CHECK(e.prefix_query_tokens() == 3300);  // hit rate 512 / 3,300 = 15.5 %
    CHECK(e.kv_used_tokens() == 0);          // cached blocks no sequence uses count as free
  }
  SECTION("blocks a running sequence uses are never evicted: a newcomer waits instead") {
    LlmEngine e(t, LlmEngineLimits{.block_tokens = 1, .prefix_caching = true});
    PrefixLog log;
    // A: 1,100 tokens, 400 to generate; after its prefill it holds 76 own tokens + its 1,024 cached ones.
    e.add(prefixed(0, 1100, 400, {1, 2, 3}));
    double now = e.start(0);
    e.complete(log);
    // C: 1,001 tokens would need 76 + 1,024 + 1,001 = 2,101 > 2,100 (A's own tokens, its blocks, C), and A's
    // blocks cannot give way (were they evictable, 76 + 1,001 would fit).
    e.add(prefixed(now, 1001, 1, {5, 6}));
    const double end = drain_engine(e, log, now);
    REQUIRE(log.done.size() == 2);
    CHECK(log.done[0] < log.first[1]);  // A finished before C's first token
    CHECK(log.done[1] == end);
    CHECK(e.preemptions() == 0);
  }
}

TEST_CASE("platforms::LlmEngine prefix caching: off by default, and the prefixes then change nothing") {
  const LlmTiming t(prefix_llama8b(), servesim::test_llm::h100(), servesim::test_llm::ideal());
  std::vector<double> times[2];
  for (const bool caching : {false, true}) {
    LlmEngine e(t, LlmEngineLimits{.prefix_caching = caching});
    PrefixLog log;
    for (int i = 0; i < 40; ++i)
      e.add(prefixed(0, 1500 + 10 * i, 50, {1, 2, static_cast<uint64_t>(100 + i)}));
    drain_engine(e, log, 0);
    times[caching] = log.done;
    if (!caching) {
      CHECK(e.prefix_query_tokens() == 0);
      CHECK(e.prefix_hit_tokens() == 0);
      LlmEngine plain(t, LlmEngineLimits{});
      PrefixLog plain_log;
      for (int i = 0; i < 40; ++i)
        plain.add(LlmRequest{.input = static_cast<uint32_t>(1500 + 10 * i), .output = 50});
      drain_engine(plain, plain_log, 0);
      CHECK(plain_log.done == log.done);  // bit for bit
    }
  }
  // With caching, all 40 arrive together: the first admitted computes blocks 1, 2 but they enter the cache
  // only when its prompt is prefilled, and the 8,192-token budget admits the first 5 in that iteration; the
  // rest reuse 1,024 tokens each. They finish sooner.
  CHECK(times[1].back() < times[0].back());
}
