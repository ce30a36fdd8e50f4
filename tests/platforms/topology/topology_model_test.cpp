// Serving topologies (platforms/topology_model.hpp) against hand calculations: a cascade's mean latency and
// cost from its stage profiles, an edge cache's hit ratio under Zipf traffic (unbounded and TTL), the share
// of requests an edge device keeps, conservation and determinism, and the errors of bad graphs.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/input_error.hpp"
#include "platforms/catalog.hpp"
#include "platforms/topology/confidence_scores.hpp"
#include "platforms/topology/edge_cache.hpp"
#include "support/sim_harness.hpp"

using servesim::test::candidates_error;
using servesim::test::constant_ms;
using servesim::test::edge_list;
using servesim::test::poisson;
using servesim::test::pool_stage;
using servesim::test::scenario_from;
using servesim::test::simulate;

namespace {

nlohmann::json scenario(nlohmann::json workload, std::vector<nlohmann::json> candidates) {
  return {{"seed", 11},
          {"workload", workload},
          {"service", {{"warm", constant_ms(10)}}},
          {"slo", {{"p99_ms", 1e6}, {"timeout_s", 1e6}}},
          {"metrics", {{"interval_s", 10}}},
          {"candidates", candidates}};
}

nlohmann::json lambda(double memory_mb) {
  return {{"platform", "aws-lambda"}, {"memory_mb", memory_mb}};
}
nlohmann::json service_ms(double ms) {
  return {{"warm", constant_ms(ms)}};
}
double lambda_number(const std::string& key) {
  return servesim::platforms::find_platform("aws-lambda")->find(key)->value.get<double>();
}

const servesim::sim::StageCounts& stage(const servesim::sim::CandidateResult& r, const std::string& id) {
  for (const auto& s : r.stages)
    if (s.id == id) return s;
  FAIL("no stage " << id);
  return r.stages.front();
}

// Expected hit ratio of an unbounded cache that never expires over n requests with key probabilities p:
// 1 - E[distinct keys]/n, E[distinct] = sum_i 1 - (1 - p_i)^n.
double expected_hit_ratio_unbounded(const servesim::platforms::EdgeCache& c, double n) {
  double distinct = 0;
  for (uint32_t i = 0; i < c.items(); ++i) distinct += 1 - std::pow(1 - c.probability(i), n);
  return 1 - distinct / n;
}

// TTL cache with a non-resetting timer, Poisson arrivals at rate lambda: key i's hit ratio is
// lambda p_i T / (1 + lambda p_i T) (one miss, then Poisson(lambda p_i T) hits per cycle).
double expected_hit_ratio_ttl(const servesim::platforms::EdgeCache& c, double lambda_rps, double ttl_s) {
  double h = 0;
  for (uint32_t i = 0; i < c.items(); ++i) {
    const double p = c.probability(i), x = lambda_rps * p * ttl_s;
    h += p * x / (1 + x);
  }
  return h;
}

}  // namespace

TEST_CASE("platforms::TopologyModel: a cascade stopping 70% at the fast stage matches its stage profiles") {
  // Fast: 20 ms on 1 vCPU (1,769 MB); big: 200 ms on 2 vCPU (3,538 MB, parallel fraction 0: same speed).
  // No cold-start cost and no queueing (Lambda scales to the ~20 concurrent requests), so every request
  // takes t_fast, and t_fast + t_big when it escalates.
  const double t_fast = 0.020, t_big = 0.200, gb_fast = 1769 / 1024.0, gb_big = 3538 / 1024.0;
  const nlohmann::json cascade = {
      {"name", "cascade"},
      {"platform", "topology"},
      {"stages",
       {{{"id", "fast"},
         {"kind", "model"},
         {"candidate", lambda(1769)},
         {"service", service_ms(20)},
         {"stop_probability", 0.7}},
        {{"id", "big"}, {"kind", "model"}, {"candidate", lambda(3538)}, {"service", service_ms(200)}}}},
      {"edges", edge_list({{"fast", "big"}})}};
  nlohmann::json big_alone = lambda(3538);
  big_alone["name"] = "big-alone";
  auto doc = scenario(poisson(100, 100), {cascade, big_alone});
  doc["service"] = service_ms(200);  // the big model's profile, for the big-alone candidate
  const auto run = simulate(scenario_from(doc));
  const auto& c = run.results[0];
  const auto& b = run.results[1];
  const double n = static_cast<double>(c.requests.arrived);
  REQUIRE(n > 9000);
  CHECK(c.requests.served == c.requests.arrived);
  CHECK(b.requests.served == b.requests.arrived);

  // Escalated share: Binomial(n, 0.3)/n, standard deviation sqrt(0.3 x 0.7 / n) ~ 0.0046; 4 sigma.
  const double escalated = static_cast<double>(stage(c, "fast").forwarded) / n;
  const double sigma = std::sqrt(0.3 * 0.7 / n);
  CHECK(std::abs(escalated - 0.3) < 4 * sigma);
  CHECK(stage(c, "big").arrived == stage(c, "fast").forwarded);
  CHECK(stage(c, "fast").served_here + stage(c, "big").served_here == c.requests.served);

  // Mean latency: exactly t_fast + escalated x t_big for the draws made; t_fast + 0.3 t_big within 4 sigma.
  CHECK(c.latency.mean_s() == Approx(t_fast + escalated * t_big).epsilon(1e-6));
  CHECK(std::abs(c.latency.mean_s() - (t_fast + 0.3 * t_big)) < 4 * sigma * t_big);
  CHECK(b.latency.mean_s() == Approx(t_big).epsilon(1e-6));

  // Cost: per-request price + GB-s (1 ms granularity, exact here) for every request at the fast stage,
  // and again for the escalated ones at the big stage.
  const double price_gb_s = lambda_number("price_usd_per_gb_s_x86");
  const double price_request = lambda_number("price_usd_per_million_requests") / 1e6;
  const double fast_usd = price_request + t_fast * gb_fast * price_gb_s;
  const double big_usd = price_request + t_big * gb_big * price_gb_s;
  const double n_big = static_cast<double>(stage(c, "fast").forwarded);
  CHECK(c.cost_total_usd == Approx(n * fast_usd + n_big * big_usd).epsilon(1e-9));
  CHECK(b.cost_total_usd == Approx(n * big_usd).epsilon(1e-9));
  const double ratio = c.cost_total_usd / b.cost_total_usd;  // hand calculation: (fast + 0.3 big) / big
  CHECK(std::abs(ratio - (fast_usd + 0.3 * big_usd) / big_usd) < 4 * sigma);
  bool named = false;
  for (const auto& [name, usd] : c.cost_usd) named = named || (name == "big/compute_usd" && usd > 0);
  CHECK(named);
}

TEST_CASE("platforms::TopologyModel: edge-cache hit ratio under Zipf traffic matches the analytical value") {
  const uint64_t items = 1000;
  const double zipf_s = 0.9;
  auto cache_doc = [&](double ttl_s, double rate_rps, double duration_s) {
    const nlohmann::json topo = {{"name", "cached"},
                                 {"platform", "topology"},
                                 {"stages",
                                  {{{"id", "cache"},
                                    {"kind", "edge-cache"},
                                    {"ttl_s", ttl_s},
                                    {"hit_ms", 5},
                                    {"catalogue_items", items},
                                    {"zipf_s", zipf_s}},
                                   pool_stage("origin", 50, 100000)}},
                                 {"edges", edge_list({{"cache", "origin"}})}};
    return scenario(poisson(rate_rps, duration_s), {topo});
  };
  const servesim::platforms::EdgeCache reference(items, zipf_s, 1, 0);
  SECTION("unbounded, TTL longer than the run: 1 - E[distinct keys] / n") {
    const auto run = simulate(scenario_from(cache_doc(1e9, 1000, 20)));
    const auto& r = run.results[0];
    const auto& c = stage(r, "cache");
    const double n = static_cast<double>(c.arrived);
    const double hit = static_cast<double>(c.hits) / n;
    // Var[distinct] <= sum_i q_i (1 - q_i) <= N/4, so sigma(hit ratio) <= sqrt(N)/2/n ~ 0.0008.
    CHECK(std::abs(hit - expected_hit_ratio_unbounded(reference, n)) < 0.005);
    CHECK(r.requests.served == r.requests.arrived);
    // Hits answer in 5 ms, misses in 50 ms.
    CHECK(r.latency.mean_s() == Approx(hit * 0.005 + (1 - hit) * 0.050).epsilon(1e-6));
  }
  SECTION("TTL 0.5 s at 1,000 req/s: sum_i p_i x lambda p_i T / (1 + lambda p_i T)") {
    const auto run = simulate(scenario_from(cache_doc(0.5, 1000, 100)));
    const auto& c = stage(run.results[0], "cache");
    const double hit = static_cast<double>(c.hits) / static_cast<double>(c.arrived);
    // Sampling sigma ~ 0.002 over 10^5 requests; the cycles cut short at the end of the run bias it down by
    // at most lambda T / 2 / n = 0.0025.
    CHECK(std::abs(hit - expected_hit_ratio_ttl(reference, 1000, 0.5)) < 0.01);
  }
}

TEST_CASE("platforms::EdgeCache: LRU eviction and TTL expiry") {
  servesim::platforms::EdgeCache c(10, 1.0, 100, 2);
  CHECK_FALSE(c.lookup(0, 0));
  CHECK_FALSE(c.lookup(1, 1));
  CHECK(c.lookup(0, 2));        // 0 is now the most recently used
  CHECK_FALSE(c.lookup(2, 3));  // evicts 1
  CHECK_FALSE(c.lookup(1, 4));  // evicts 0
  CHECK(c.lookup(2, 5));
  CHECK_FALSE(c.lookup(2, 104));  // expired 100 s after the miss that cached it (hits do not extend it)
  CHECK(c.lookup(2, 105));
}

TEST_CASE("platforms::TopologyModel: an edge device keeps the requests below its complexity threshold") {
  auto topo = [](bool adaptive, uint32_t servers) {
    return nlohmann::json{{"name", "hybrid"},
                          {"platform", "topology"},
                          {"stages",
                           {{{"id", "device"},
                             {"kind", "edge-device"},
                             {"servers", servers},
                             {"threshold", 0.4},
                             {"adaptive", adaptive},
                             {"queue_limit", 4},
                             {"service", service_ms(40)}},
                            pool_stage("cloud", 100, 100000)}},
                          {"edges", edge_list({{"device", "cloud"}})}};
  };
  SECTION("threshold 0.4, no adaptation: 40% stay on the device") {
    const auto run = simulate(scenario_from(scenario(poisson(200, 50), {topo(false, 1000)})));
    const auto& d = stage(run.results[0], "device");
    const double n = static_cast<double>(d.arrived);
    const double kept = static_cast<double>(d.arrived - d.forwarded) / n;
    CHECK(std::abs(kept - 0.4) < 4 * std::sqrt(0.4 * 0.6 / n));  // binomial, 4 sigma (~0.02 here)
    CHECK(d.served_here == d.arrived - d.forwarded);
  }
  SECTION("adaptive: a device with a long queue offloads more") {
    // 200 req/s x 40% x 40 ms = 3.2 busy servers wanted of 2: the queue grows, the threshold falls.
    const auto run = simulate(scenario_from(scenario(poisson(200, 50), {topo(true, 2)})));
    const auto& d = stage(run.results[0], "device");
    const double kept = static_cast<double>(d.arrived - d.forwarded) / static_cast<double>(d.arrived);
    CHECK(kept < 0.3);
    CHECK(kept > 0.1);
    const auto& q = run.results[0].requests;
    CHECK(q.served == q.arrived);
  }
}

TEST_CASE("platforms::TopologyModel: every stage kind conserves requests and reruns identically") {
  // cache -> device -> select -> {large, small}; small escalates 40% to large. Large has 4 reserved
  // environments (throttles), the device a queue of 3 (drops); both Lambdas download their model.
  const nlohmann::json topo = {
      {"name", "all"},
      {"platform", "topology"},
      {"stages",
       {{{"id", "cache"},
         {"kind", "edge-cache"},
         {"ttl_s", 2},
         {"catalogue_items", 5000},
         {"capacity_items", 500},
         {"price_usd_per_million", 0.75}},
        {{"id", "device"},
         {"kind", "edge-device"},
         {"servers", 2},
         {"threshold", 0.3},
         {"queue_capacity", 3},
         {"service", service_ms(100)}},
        {{"id", "select"},
         {"kind", "select"},
         {"large", "large"},
         {"small", "small"},
         {"in_flight_limit", 3}},
        {{"id", "small"},
         {"kind", "model"},
         {"candidate", lambda(1769)},
         {"service", {{"warm", constant_ms(30)}, {"cold_start", {{"model_size_mb", 20}}}}},
         {"stop_probability", 0.6}},
        {{"id", "large"},
         {"kind", "model"},
         {"candidate", {{"platform", "aws-lambda"}, {"memory_mb", 3538}, {"reserved_concurrency", 4}}},
         {"service", {{"warm", constant_ms(150)}, {"cold_start", {{"model_size_mb", 80}}}}}}}},
      {"edges", edge_list({{"cache", "device"},
                           {"device", "select"},
                           {"select", "large"},
                           {"select", "small"},
                           {"small", "large"}})}};
  const auto doc = scenario(poisson(150, 30), {topo});
  const auto a = simulate(scenario_from(doc));
  const auto b = simulate(scenario_from(doc));
  const auto& r = a.results[0];
  const auto& q = r.requests;
  CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
  CHECK(q.throttled > 0);
  CHECK(q.dropped > 0);
  CHECK(q.cold_starts > 0);
  CHECK(stage(r, "cache").hits > 0);
  CHECK(stage(r, "select").degraded > 0);
  CHECK(stage(r, "select").arrived == stage(r, "device").forwarded);
  uint64_t here = 0, failed = 0;
  for (const auto& s : r.stages) {
    here += s.served_here;
    failed += s.failed;
  }
  CHECK(here == q.served);
  CHECK(failed == q.throttled + q.dropped + q.timed_out);

  const auto& r2 = b.results[0];
  CHECK(r2.requests.served == q.served);
  CHECK(r2.requests.throttled == q.throttled);
  CHECK(r2.requests.dropped == q.dropped);
  CHECK(r2.requests.cold_starts == q.cold_starts);
  CHECK(r2.cost_total_usd == r.cost_total_usd);
  CHECK(r2.latency.mean_s() == r.latency.mean_s());
  for (size_t k = 0; k < r.stages.size(); ++k) {
    CHECK(r2.stages[k].arrived == r.stages[k].arrived);
    CHECK(r2.stages[k].hits == r.stages[k].hits);
    CHECK(r2.stages[k].degraded == r.stages[k].degraded);
  }
  REQUIRE(a.rows[0].size() == b.rows[0].size());
  for (size_t i = 0; i < a.rows[0].size(); ++i) CHECK(a.rows[0][i].cost_usd_cum == b.rows[0][i].cost_usd_cum);
}

TEST_CASE("platforms::TopologyModel: bad graphs are refused with the file and JSON pointer") {
  auto doc_with = [](nlohmann::json stages, nlohmann::json edges) {
    return scenario(poisson(1, 1),
                    {{{"name", "t"}, {"platform", "topology"}, {"stages", stages}, {"edges", edges}}});
  };
  const nlohmann::json three = {pool_stage("cache", 1, 100000), pool_stage("fast", 1, 100000),
                                pool_stage("big", 1, 100000)};
  SECTION("a cycle") {
    CHECK(
        candidates_error(doc_with(three, edge_list({{"cache", "fast"}, {"fast", "big"}, {"big", "fast"}}))) ==
        "test-scenario.json: /candidates/0/edges/2: expected an acyclic graph, got [\"big\",\"fast\"], which "
        "closes a cycle");
  }
  SECTION("an unknown stage id in an edge") {
    CHECK(
        candidates_error(doc_with(three, edge_list({{"cache", "fast"}, {"fast", "bigg"}}))) ==
        "test-scenario.json: /candidates/0/edges/1/1: expected a stage id (cache, fast, big), got \"bigg\"");
  }
  SECTION("a stop probability of 1.5") {
    auto stages = three;
    stages[1]["stop_probability"] = 1.5;
    CHECK(candidates_error(doc_with(stages, edge_list({{"cache", "fast"}, {"fast", "big"}}))) ==
          "test-scenario.json: /candidates/0/stages/1/stop_probability: expected 0..1, got 1.5");
  }
  SECTION("two entry stages") {
    CHECK(candidates_error(doc_with(three, edge_list({{"cache", "big"}, {"fast", "big"}}))) ==
          "test-scenario.json: /candidates/0/edges: expected one entry stage (without an incoming edge), got "
          "2: "
          "cache, fast");
  }
  SECTION("a stage's candidate is checked by its platform's code") {
    auto stages = three;
    stages[2]["candidate"] = lambda(64);
    CHECK(candidates_error(doc_with(stages, edge_list({{"cache", "fast"}, {"fast", "big"}}))) ==
          "test-scenario.json: /candidates/0/stages/2/candidate/memory_mb: expected 128..10240 MB, got 64");
  }
  SECTION("an unknown stage kind") {
    auto stages = three;
    stages[0]["kind"] = "queue";
    CHECK(candidates_error(doc_with(stages, edge_list({{"cache", "fast"}, {"fast", "big"}}))) ==
          "test-scenario.json: /candidates/0/stages/0/kind: expected one of edge-cache, edge-device, select, "
          "model, state-store, map, split, parallel, wait, got \"queue\"");
  }
}

namespace {

// A request trace cycling over `inputs` keys ("in-0", "in-1", ...), one request every `gap_s`, `rounds`
// times: key k arrives at (r x inputs + k) x gap_s, so each input returns every inputs x gap_s seconds.
nlohmann::json cyclic_keyed_trace(const servesim::test::TempDir& dir, int inputs, int rounds, double gap_s) {
  std::string csv = "TIMESTAMP,input\n";
  for (int r = 0; r < rounds; ++r)
    for (int k = 0; k < inputs; ++k)
      csv += std::to_string((r * inputs + k) * gap_s) + ",in-" + std::to_string(k) + "\n";
  return {{"type", "request_trace"}, {"path", dir.write("keyed.csv", csv)}, {"key_column", "input"}};
}

nlohmann::json trace_keyed_cache(const nlohmann::json& cache_settings, const nlohmann::json& origin) {
  nlohmann::json cache = {{"id", "cache"}, {"kind", "edge-cache"}, {"keys", "trace"}, {"hit_ms", 1}};
  cache.update(cache_settings);
  return {{"name", "cached"},
          {"platform", "topology"},
          {"stages", {cache, origin}},
          {"edges", edge_list({{"cache", "origin"}})}};
}

}  // namespace

TEST_CASE("platforms::TopologyModel: an edge cache keyed by the trace hits exactly on repeated inputs") {
  servesim::test::TempDir dir;
  // 50 inputs x 20 rounds, 10 ms apart: each input returns every 0.5 s.
  const auto workload = cyclic_keyed_trace(dir, 50, 20, 0.01);
  auto hits_with = [&](const nlohmann::json& settings) {
    const auto doc = scenario(workload, {trace_keyed_cache(settings, pool_stage("origin", 20, 100000))});
    const auto run = simulate(scenario_from(doc));
    const auto& c = stage(run.results[0], "cache");
    CHECK(c.arrived == 1000);
    CHECK(run.results[0].requests.served == 1000);
    return c.hits;
  };
  // Unbounded, never expiring: every request but each input's first hits.
  CHECK(hits_with({{"ttl_s", 1e9}}) == 1000 - 50);
  // TTL 0.4 s < 0.5 s: every copy has expired when its input returns.
  CHECK(hits_with({{"ttl_s", 0.4}}) == 0);
  // TTL 0.6 s (timer not reset by hits): miss, hit, miss, hit, ... 10 hits per input.
  CHECK(hits_with({{"ttl_s", 0.6}}) == 50 * 10);
  // TTL 1.2 s: miss, hit, hit, miss, ... 20 visits = 7 misses + 13 hits per input.
  CHECK(hits_with({{"ttl_s", 1.2}}) == 50 * 13);
  // LRU on a cyclic scan: a capacity of 49 evicts each input just before it returns (no hit at all); 50
  // holds them all.
  CHECK(hits_with({{"ttl_s", 1e9}, {"capacity_items", 49}}) == 0);
  CHECK(hits_with({{"ttl_s", 1e9}, {"capacity_items", 50}}) == 1000 - 50);
}

TEST_CASE("platforms::TopologyModel: with trace keys a retry keeps its key, or goes past the cache") {
  servesim::test::TempDir dir;
  const auto workload = cyclic_keyed_trace(dir, 50, 20, 0.1);  // 100 s, each input every 5 s
  const nlohmann::json origin = {{"id", "origin"},
                                 {"kind", "model"},
                                 {"candidate", lambda(2048)},
                                 {"service", {{"warm", constant_ms(1000)}}}};
  auto doc = scenario(workload, {trace_keyed_cache({{"ttl_s", 1e9}}, origin)});
  doc["client"] = {{"max_retries", 3}};
  SECTION("crashes behind the cache: the retries come back without their key and skip it") {
    doc["faults"] = {{{"kind", "crash"}, {"rate_per_instance_hour", 360}}};
    const auto run = simulate(scenario_from(doc));
    const auto& r = run.results[0];
    const auto& c = stage(r, "cache");
    REQUIRE(r.client.retries > 0);
    CHECK(c.bypassed == r.client.retries);
    CHECK(c.arrived - c.bypassed == 1000);  // one lookup per request
    CHECK(c.hits == 1000 - 50);
    CHECK(r.requests.served + r.requests.dropped == 1000);
  }
  SECTION("an outage at the front door: the retries carry their key and look it up") {
    doc["faults"] = {{{"kind", "outage"}, {"start_s", 20}, {"duration_s", 0.05}}};
    const auto run = simulate(scenario_from(doc));
    const auto& r = run.results[0];
    const auto& c = stage(r, "cache");
    REQUIRE(r.client.retries > 0);
    CHECK(c.bypassed == 0);
    CHECK(c.arrived == 1000);  // rejected attempts never reached the topology
    CHECK(c.hits == 1000 - 50);
    CHECK(r.requests.served == 1000);
  }
}

TEST_CASE("platforms::TopologyModel: trace keys need a key column") {
  servesim::test::TempDir dir;
  auto workload = cyclic_keyed_trace(dir, 5, 2, 0.1);
  workload.erase("key_column");
  CHECK(candidates_error(scenario(
            workload, {trace_keyed_cache(nlohmann::json::object(), pool_stage("origin", 1, 100000))})) ==
        "test-scenario.json: /candidates/0/stages/0/keys: \"trace\" needs workload.key_column (a request "
        "trace with a column naming each request's input)");
  workload["key_column"] = "input";
  auto after_model = trace_keyed_cache(nlohmann::json::object(), pool_stage("origin", 1, 100000));
  after_model["edges"] = edge_list({{"origin", "cache"}});
  after_model["stages"][0]["id"] = "cache";
  after_model["stages"].push_back(pool_stage("last", 1, 100000));
  after_model["edges"].push_back(nlohmann::json::array({"cache", "last"}));
  CHECK(candidates_error(scenario(workload, {after_model})) ==
        "test-scenario.json: /candidates/0/stages/0/keys: expected an edge cache with \"keys\": \"trace\" "
        "before "
        "every model stage (the key is known where a request arrives, not after \"origin\" served it)");
  CHECK(candidates_error(scenario(
            workload, {trace_keyed_cache({{"catalogue_items", 10}}, pool_stage("origin", 1, 100000))})) ==
        "test-scenario.json: /candidates/0/stages/0/catalogue_items: not used with \"keys\": \"trace\" (the "
        "trace's keys are the catalogue)");
}

TEST_CASE("platforms::TopologyModel: a confidence rule stops the share of requests its score law gives") {
  // fast (20 ms) -> big (200 ms) on pools large enough that nothing queues; fast stops a request when its
  // confidence score reaches the threshold, so the stop share is P(score >= threshold), from the law's CDF.
  auto escalated_share = [](const nlohmann::json& confidence) {
    auto fast = pool_stage("fast", 20, 100000);
    fast["confidence"] = confidence;
    const nlohmann::json topo = {{"name", "cascade"},
                                 {"platform", "topology"},
                                 {"stages", {fast, pool_stage("big", 200, 100000)}},
                                 {"edges", edge_list({{"fast", "big"}})}};
    const auto run = simulate(scenario_from(scenario(poisson(100, 100), {topo})));
    const auto& r = run.results[0];
    const double n = static_cast<double>(r.requests.arrived);
    REQUIRE(r.requests.served == r.requests.arrived);
    const double share = static_cast<double>(stage(r, "fast").forwarded) / n;
    // Latency follows each request's path: t_fast + share x t_big for the draws made.
    CHECK(r.latency.mean_s() == Approx(0.020 + share * 0.200).epsilon(1e-6));
    return std::pair{share, n};
  };
  auto within_4_sigma = [](std::pair<double, double> got, double p) {
    return std::abs(got.first - p) < 4 * std::sqrt(p * (1 - p) / got.second);
  };
  // Beta(2, 1): CDF x^2; threshold sqrt(0.3) escalates 30%.
  CHECK(within_4_sigma(
      escalated_share({{"threshold", std::sqrt(0.3)}, {"scores", {{"type", "beta"}, {"a", 2}, {"b", 1}}}}),
      0.3));
  // Beta(1/2, 1/2) (arcsine law): CDF (2/pi) asin(sqrt(x)); at 0.25 that is 1/3.
  CHECK(within_4_sigma(
      escalated_share({{"threshold", 0.25}, {"scores", {{"type", "beta"}, {"a", 0.5}, {"b", 0.5}}}}),
      1.0 / 3));
  // Empirical scores 0 / 0.6 / 1 at the 0th / 50th / 100th percentiles: F(0.8) = 0.5 + 0.5 x 0.2 / 0.4.
  CHECK(within_4_sigma(
      escalated_share(
          {{"threshold", 0.8},
           {"scores", {{"type", "empirical"}, {"percentiles", {{"0", 0}, {"50", 0.6}, {"100", 1}}}}}}),
      0.75));
}

TEST_CASE("platforms::ConfidenceScores: beta draws have the law's mean and variance") {
  // Beta(2, 5): mean 2/7, variance ab / ((a+b)^2 (a+b+1)) = 10/392. Beta(0.3, 0.3) exercises the shape < 1
  // path: mean 1/2, variance 1 / (4 x 1.6).
  for (auto [a, b] : {std::pair{2.0, 5.0}, std::pair{0.3, 0.3}}) {
    const auto law = servesim::platforms::ConfidenceScores::beta(a, b);
    servesim::sim::Rng rng(5);
    const int n = 200000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; ++i) {
      const double x = law.sample(rng);
      REQUIRE(x >= 0);
      REQUIRE(x <= 1);
      sum += x;
      sum2 += x * x;
    }
    const double mean = a / (a + b), var = a * b / ((a + b) * (a + b) * (a + b + 1));
    CHECK(std::abs(sum / n - mean) < 4 * std::sqrt(var / n));
    CHECK(sum2 / n - (sum / n) * (sum / n) == Approx(var).epsilon(0.02));
  }
}

TEST_CASE("platforms::TopologyModel: bad confidence rules are refused with their JSON pointer") {
  auto doc_with = [](const nlohmann::json& confidence, bool last = false, bool with_stop = false) {
    auto fast = pool_stage("fast", 20, 100000);
    fast["confidence"] = confidence;
    if (with_stop) fast["stop_probability"] = 0.5;
    nlohmann::json stages = {fast, pool_stage("big", 200, 100000)};
    return scenario(poisson(1, 1),
                    {{{"name", "c"},
                      {"platform", "topology"},
                      {"stages", stages},
                      {"edges", last ? edge_list({{"big", "fast"}}) : edge_list({{"fast", "big"}})}}});
  };
  const nlohmann::json beta = {{"type", "beta"}, {"a", 2}, {"b", 1}};
  CHECK(candidates_error(doc_with({{"threshold", 1.5}, {"scores", beta}})) ==
        "test-scenario.json: /candidates/0/stages/0/confidence/threshold: expected 0..1, got 1.5");
  CHECK(candidates_error(doc_with({{"threshold", 0.5}})) ==
        "test-scenario.json: /candidates/0/stages/0/confidence/scores: missing (the distribution of the "
        "stage's "
        "confidence scores, in 0..1)");
  CHECK(
      candidates_error(doc_with({{"threshold", 0.5}, {"scores", {{"type", "beta"}, {"a", -1}, {"b", 1}}}})) ==
      "test-scenario.json: /candidates/0/stages/0/confidence/scores/a: expected 0.001..1000, got -1");
  CHECK(candidates_error(
            doc_with({{"threshold", 0.5},
                      {"scores", {{"type", "empirical"}, {"percentiles", {{"0", 0.2}, {"100", 1.4}}}}}})) ==
        "test-scenario.json: /candidates/0/stages/0/confidence/scores/percentiles/100: expected a score in "
        "0..1, "
        "got 1.4");
  CHECK(
      candidates_error(doc_with({{"threshold", 0.5}, {"scores", beta}}, false, true)) ==
      "test-scenario.json: /candidates/0/stages/0/confidence: expected either stop_probability or confidence "
      "on a stage, got both");
  CHECK(
      candidates_error(doc_with({{"threshold", 0.5}, {"scores", beta}}, true)) ==
      "test-scenario.json: /candidates/0/stages/0/confidence: expected no confidence rule on a stage with no "
      "next stage (it answers all it gets)");
}

namespace {

// device -> cloud (50 ms pool); the device has a 10 Mbit/s uplink with 20 ms latency, and each offloaded
// request uploads 125 KB: 0.1 s at the full link, plus the latency (SimGrid CM02: latency + bytes / share).
nlohmann::json uplink_topology(double threshold, const nlohmann::json& adaptive) {
  nlohmann::json device = {{"id", "device"},         {"kind", "edge-device"},    {"servers", 1000},
                           {"threshold", threshold}, {"uplink_mbps", 10},        {"uplink_latency_ms", 20},
                           {"request_kb", 125},      {"service", service_ms(40)}};
  if (!adaptive.is_null()) device["adaptive"] = adaptive;
  return {{"name", "hybrid"},
          {"platform", "topology"},
          {"stages", {device, pool_stage("cloud", 50, 100000)}},
          {"edges", edge_list({{"device", "cloud"}})}};
}

}  // namespace

TEST_CASE("platforms::TopologyModel: offloaded requests upload over the device's uplink") {
  servesim::test::TempDir dir;
  SECTION("alone on the link: 20 ms + 125 KB at 10 Mbit/s (0.1 s) + 50 ms in the cloud") {
    const auto run = simulate(
        scenario_from(scenario(servesim::test::trace_at(dir, {0, 1, 2, 3}), {uplink_topology(0, nullptr)})));
    const auto& r = run.results[0];
    REQUIRE(r.requests.served == 4);
    CHECK(r.latency.mean_s() == Approx(0.17).margin(1e-9));
    CHECK(r.latency.max_s() == Approx(0.17).margin(1e-9));
    CHECK(stage(r, "device").forwarded == 4);
    CHECK(stage(r, "cloud").arrived == 4);
  }
  SECTION("two uploads at once share the link: both take 20 ms + 0.2 s") {
    const auto run = simulate(
        scenario_from(scenario(servesim::test::trace_at(dir, {0, 0}), {uplink_topology(0, nullptr)})));
    const auto& r = run.results[0];
    REQUIRE(r.requests.served == 2);
    CHECK(r.latency.mean_s() == Approx(0.27).margin(1e-9));
    CHECK(r.latency.max_s() == Approx(0.27).margin(1e-9));
  }
}

TEST_CASE("platforms::TopologyModel: an uplink-adaptive device keeps more as uploads queue") {
  servesim::test::TempDir dir;
  // Threshold 0.2, budget 600 ms: with u uploads in flight the device keeps a request with probability
  // t(u) = 0.2 + 0.8 min(1, ((u + 1) x 0.1 s + 0.02 s) / 0.6 s).
  auto keep = [](int uploads) { return 0.2 + 0.8 * std::min(1.0, ((uploads + 1) * 0.1 + 0.02) / 0.6); };
  auto topo = uplink_topology(0.2, "uplink");
  topo["stages"][0]["upload_budget_ms"] = 600;
  auto kept_share = [&](const std::vector<double>& times) {
    const auto run = simulate(scenario_from(scenario(servesim::test::trace_at(dir, times), {topo})));
    const auto& d = stage(run.results[0], "device");
    REQUIRE(run.results[0].requests.served == times.size());
    return static_cast<double>(d.arrived - d.forwarded) / static_cast<double>(d.arrived);
  };
  SECTION("requests 1 s apart find the link idle: t(0) = 0.36") {
    std::vector<double> times;
    for (int i = 0; i < 2000; ++i) times.push_back(i);
    CHECK(std::abs(kept_share(times) - keep(0)) < 4 * std::sqrt(keep(0) * (1 - keep(0)) / 2000));
  }
  SECTION("bursts of 10 at one instant: the share the chain over uploads in flight gives") {
    // Within a burst the j-th request sees u uploads in flight (those offloaded before it); a DP over u
    // gives the expected number kept per burst. Bursts are 10 s apart, so each starts on an idle link.
    std::vector<double> p(11, 0.0);  // P(u uploads in flight) before the next request of the burst
    p[0] = 1;
    double kept = 0;
    for (int j = 0; j < 10; ++j) {
      std::vector<double> next(11, 0.0);
      for (int u = 0; u <= j; ++u) {
        kept += p[u] * keep(u);
        next[u] += p[u] * keep(u);
        next[u + 1] += p[u] * (1 - keep(u));
      }
      p = next;
    }
    const double expected = kept / 10;  // ~0.61, against 0.36 on an idle link
    std::vector<double> times;
    for (int b = 0; b < 300; ++b)
      for (int j = 0; j < 10; ++j) times.push_back(b * 10.0);
    // Bursts are independent; the share's standard deviation is at most 0.5 / sqrt(300 bursts) / ... < 0.03.
    CHECK(std::abs(kept_share(times) - expected) < 0.03);
    CHECK(expected > keep(0) + 0.2);
  }
}

TEST_CASE("platforms::TopologyModel: bad uplink settings are refused with their JSON pointer") {
  auto doc_with = [](const nlohmann::json& device) {
    auto topo = uplink_topology(0.3, nullptr);
    topo["stages"][0] = device;
    return scenario(poisson(1, 1), {topo});
  };
  const auto device = uplink_topology(0.3, nullptr)["stages"][0];
  struct Case {
    std::vector<const char*> drop;  // keys taken out of the device
    nlohmann::json set;             // keys set on it
    std::string message;            // after "test-scenario.json: /candidates/0/stages/0/"
  };
  const std::vector<Case> cases = {
      {{"request_kb"},
       nullptr,
       "request_kb: missing (the bytes one offloaded request uploads, in KB = 1000 bytes)"},
      {{"uplink_mbps", "uplink_latency_ms", "request_kb"},
       {{"adaptive", "both"}},
       "adaptive: \"both\" needs uplink_mbps and request_kb (the uplink it adapts to)"},
      {{"uplink_mbps"}, nullptr, "uplink_latency_ms: used only with uplink_mbps (the device's uplink)"},
      {{},
       {{"adaptive", "bandwidth"}},
       "adaptive: expected one of none, load, uplink, both, got \"bandwidth\""}};
  for (const auto& c : cases) {
    auto d = device;
    for (const char* key : c.drop) d.erase(key);
    if (c.set.is_object()) d.update(c.set);
    CHECK(candidates_error(doc_with(d)) == "test-scenario.json: /candidates/0/stages/0/" + c.message);
  }
}
