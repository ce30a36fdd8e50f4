// A topology's state-store stage (platforms/topology/state_store.hpp) against hand calculations: DynamoDB
// provisioned capacity with its documented 300 s of burst (a burst at t = 0, then the provisioned rate), the
// SDK's three attempts, on-demand cost = accesses x the catalogue's unit prices, the latency a constant law
// adds per access, a Redis node's FIFO queue, standing costs, conservation, and the errors of bad stages.
#include "platforms/topology/state_store.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

#include "core/input_error.hpp"
#include "support/sim_harness.hpp"

using servesim::test::constant_ms;
using servesim::test::poisson;
using servesim::test::scenario_from;
using servesim::test::simulate;
using servesim::test::TempDir;

namespace {

// A topology whose only stage is `store` (so a request's latency is its time in the store).
nlohmann::json store_only(const std::string& name, nlohmann::json store) {
  store["id"] = "store";
  store["kind"] = "state-store";
  return {{"name", name}, {"platform", "topology"}, {"stages", nlohmann::json::array({store})}};
}

nlohmann::json store_scenario(nlohmann::json workload, std::vector<nlohmann::json> candidates) {
  return {{"seed", 5},
          {"workload", workload},
          {"service", {{"warm", constant_ms(10)}}},
          {"slo", {{"p99_ms", 1e6}, {"timeout_s", 1e6}}},
          {"metrics", {{"interval_s", 10}}},
          {"candidates", candidates}};
}

// A request trace: `count_at_zero` requests at t = 0, then `stream` requests every `gap_s` from t = 1 s.
nlohmann::json burst_trace(const TempDir& dir, int count_at_zero, int stream = 0, double gap_s = 0.05) {
  std::ostringstream csv;
  csv << "TIMESTAMP\n";
  for (int i = 0; i < count_at_zero; ++i) csv << "0\n";
  for (int i = 0; i < stream; ++i) csv << 1 + i * gap_s << "\n";
  return {{"type", "request_trace"}, {"path", dir.write("burst.csv", csv.str())}, {"timestamp_unit", "s"}};
}

double store_number(const std::string& service, const std::string& key) {
  return servesim::platforms::find_state_store(service)->parameters.at(key);
}

const servesim::sim::StageCounts& store_stage(const servesim::sim::CandidateResult& r) {
  for (const auto& s : r.stages)
    if (s.kind == "state-store") return s;
  FAIL("no state-store stage");
  return r.stages.front();
}

void check_conserved(const servesim::sim::CandidateResult& r) {
  const auto& q = r.requests;
  CHECK(q.arrived == q.served + q.timed_out + q.throttled + q.dropped);
}

std::string store_error_of(const nlohmann::json& store) {
  try {
    servesim::platforms::make_candidates(
        scenario_from(store_scenario(poisson(1, 1), {store_only("t", store)})));
  } catch (const servesim::InputError& e) {
    return std::string(e.what());
  }
  return std::string("no error");
}

}  // namespace

TEST_CASE("platforms::StateStore: DynamoDB provisioned writes burst on 300 s of capacity, then the rate") {
  TempDir dir;
  // 10 WCU with the documented 300 s of unused capacity kept: a table idle before the run holds 10 x 300 =
  // 3,000 write units. 4,000 one-unit writes (1 KB items) at t = 0 with the SDK's retries off: the first
  // 3,000 are served, the other 1,000 throttled (no time passes, so nothing refills).
  nlohmann::json writes = {{"service", "dynamodb-provisioned"},
                           {"reads", 0},
                           {"writes", 1},
                           {"read_capacity_units", 1},
                           {"write_capacity_units", 10},
                           {"max_attempts", 1},
                           {"write_latency_median_ms", 5},
                           {"write_latency_p99_ms", 5}};
  SECTION("a burst at t = 0") {
    const auto run =
        simulate(scenario_from(store_scenario(burst_trace(dir, 4000), {store_only("ddb", writes)})));
    const auto& r = run.results[0];
    CHECK(r.requests.arrived == 4000);
    CHECK(r.requests.served == 3000);
    CHECK(r.requests.throttled == 1000);
    CHECK(store_stage(r).writes == 3000);
    CHECK(store_stage(r).throttles == 1000);
    check_conserved(r);
  }
  SECTION("then the provisioned 10 writes per second") {
    // 3,000 writes at t = 0 empty the bucket; then 20 writes/s for 100 s (t = 1 .. 100.95). The bucket
    // refills 10 units/s from t = 0, so the stream gets 10 x 100.95 = 1,009.5 units: 1,009 writes (+-1 for
    // the rounding of the arrival times), half the stream.
    const auto run =
        simulate(scenario_from(store_scenario(burst_trace(dir, 3000, 2000), {store_only("ddb", writes)})));
    const auto& r = run.results[0];
    CHECK(r.requests.served >= 3000 + 1008);
    CHECK(r.requests.served <= 3000 + 1010);
    CHECK(r.requests.throttled == r.requests.arrived - r.requests.served);
    check_conserved(r);
  }
  SECTION("the SDK's three attempts (standard retry mode)") {
    // 4,000 writes at t = 0 with the catalogue's 3 attempts: the 1,000 throttled first attempts are tried
    // again after U(0, 0.5 s), then U(0, 1 s) (full jitter, 500 ms base). Within those <= 1.5 s + 3 x 5 ms
    // the bucket refills at most 10 x 1.515 = 15.15 units, so at most 15 of them get through; every request
    // that ends throttled was throttled 3 times.
    writes.erase("max_attempts");
    REQUIRE(store_number("dynamodb-provisioned", "max_attempts") == 3);
    const auto run =
        simulate(scenario_from(store_scenario(burst_trace(dir, 4000), {store_only("ddb", writes)})));
    const auto& r = run.results[0];
    CHECK(r.requests.throttled >= 1000 - 15);
    CHECK(r.requests.throttled <= 1000);
    CHECK(r.requests.served == 4000 - r.requests.throttled);
    const uint64_t retried_through = 1000 - r.requests.throttled;
    CHECK(store_stage(r).throttles >= 3 * r.requests.throttled + retried_through);
    CHECK(store_stage(r).throttles <= 3 * r.requests.throttled + 2 * retried_through);
    check_conserved(r);
  }
}

TEST_CASE("platforms::StateStore: on-demand cost is accesses x unit prices, latency reads+writes x access") {
  // Poisson 50/s for 200 s; 2 reads and 3 writes of a 3 KB item per request, each access 4 ms exactly
  // (median = p99: a constant law). Units: an eventually consistent read of 3 KB = ceil(3/4) x 0.5 = 0.5 RRU
  // (strong: 1 RRU); a write of 3 KB = ceil(3/1) = 3 WRU.
  nlohmann::json store = {{"service", "dynamodb-on-demand"},
                          {"reads", 2},
                          {"writes", 3},
                          {"item_kb", 3},
                          {"read_latency_median_ms", 4},
                          {"read_latency_p99_ms", 4},
                          {"write_latency_median_ms", 4},
                          {"write_latency_p99_ms", 4}};
  nlohmann::json strong = store;
  strong["consistency"] = "strong";
  // The same store after a model stage served by a pool that never queues (10 ms).
  nlohmann::json chained = {
      {"name", "fn-then-store"},
      {"platform", "topology"},
      {"stages",
       {{{"id", "fn"}, {"kind", "model"}, {"candidate", {{"platform", "fixed-pool"}, {"servers", 100000}}}},
        store}},
      {"edges", nlohmann::json::array({nlohmann::json::array({"fn", "session"})})}};
  chained["stages"][1]["id"] = "session";
  chained["stages"][1]["kind"] = "state-store";
  const auto run = simulate(scenario_from(store_scenario(
      poisson(50, 200), {store_only("eventual", store), store_only("strong", strong), chained})));
  const double rru = store_number("dynamodb-on-demand", "price_usd_per_million_read_units") / 1e6;
  const double wru = store_number("dynamodb-on-demand", "price_usd_per_million_write_units") / 1e6;
  REQUIRE(rru == Approx(0.125e-6));  // us-east-1 after the November 2024 cut
  REQUIRE(wru == Approx(0.625e-6));
  for (size_t i = 0; i < 3; ++i) {
    const auto& r = run.results[i];
    const double n = static_cast<double>(r.requests.arrived);
    REQUIRE(n > 9000);
    CHECK(r.requests.served == r.requests.arrived);
    CHECK(store_stage(r).reads == 2 * r.requests.arrived);
    CHECK(store_stage(r).writes == 3 * r.requests.arrived);
    // 5 accesses one after another, 4 ms each.
    CHECK(store_stage(r).latency_added_s / n == Approx(0.020).epsilon(1e-9));
    const double read_units = i == 1 ? 1.0 : 0.5;
    const double expected_usd = n * (2 * read_units * rru + 3 * 3 * wru);
    const double fn_usd = i == 2 ? r.cost_total_usd - expected_usd : 0;
    if (i < 2) CHECK(r.cost_total_usd == Approx(expected_usd).epsilon(1e-9));
    if (i == 2) CHECK(fn_usd >= 0);  // the pool's servers
  }
  CHECK(run.results[0].latency.mean_s() == Approx(0.020).epsilon(1e-9));
  CHECK(run.results[2].latency.mean_s() == Approx(0.030).epsilon(1e-9));  // 10 ms model + 20 ms store
}

TEST_CASE("platforms::StateStore: a Redis node queues accesses at its operations per second") {
  TempDir dir;
  // One node at 100 operations/s (10 ms each), 1 ms latency, one read per request; 50 requests at t = 0 are
  // served one after another: request k starts at 10k ms and is answered at 10k + 1 ms. Mean latency
  // 1 + 10 x 24.5 = 246 ms, the last 491 ms.
  const nlohmann::json redis = {{"service", "elasticache-redis"},
                                {"reads", 1},
                                {"writes", 0},
                                {"ops_per_s_per_node", 100},
                                {"read_latency_median_ms", 1},
                                {"read_latency_p99_ms", 1}};
  // A fixed pool of one server at 1 USD/h measures the run's billed hours for the standing-cost check.
  const nlohmann::json clock = {
      {"name", "clock"}, {"platform", "fixed-pool"}, {"servers", 1}, {"price_usd_per_server_hour", 1.0}};
  const auto run =
      simulate(scenario_from(store_scenario(burst_trace(dir, 50), {store_only("redis", redis), clock})));
  const auto& r = run.results[0];
  CHECK(r.requests.served == 50);
  CHECK(r.latency.mean_s() == Approx(0.246).epsilon(1e-9));
  CHECK(store_stage(r).reads == 50);
  // Node billing: 1 node x the catalogue's node-hour price for the run, which ends with the last answer at
  // 491 ms.
  CHECK(r.cost_total_usd ==
        Approx(store_number("elasticache-redis", "price_usd_per_node_hour") * 0.491 / 3600));
  check_conserved(r);
}

TEST_CASE("platforms::StateStore: provisioned capacity is billed per capacity-hour for the run") {
  TempDir dir;
  const nlohmann::json ddb = {
      {"service", "dynamodb-provisioned"}, {"read_capacity_units", 40}, {"write_capacity_units", 10}};
  const nlohmann::json clock = {
      {"name", "clock"}, {"platform", "fixed-pool"}, {"servers", 1}, {"price_usd_per_server_hour", 1.0}};
  const auto run = simulate(scenario_from(store_scenario(poisson(5, 600), {store_only("ddb", ddb), clock})));
  const double hours = run.results[1].cost_total_usd;
  REQUIRE(hours > 0.16);
  // 40 RCU x $0.00013 + 10 WCU x $0.00065 per hour (us-east-1) = $0.0117/h.
  CHECK(run.results[0].cost_total_usd == Approx((40 * 0.00013 + 10 * 0.00065) * hours).epsilon(1e-9));
  CHECK(run.results[0].requests.served == run.results[0].requests.arrived);
}

TEST_CASE("platforms::StateStore: Cosmos DB and Firestore bill per unit; Cosmos retries after the hint") {
  SECTION("serverless RU and Firestore documents: cost = accesses x units x price") {
    // Cosmos DB: a 1 KB point read = 1 RU (documented), a 1 KB write 5 RU (estimated); Firestore: one
    // document per access. Poisson 20/s for 100 s, 1 read and 2 writes per request.
    const nlohmann::json cosmos = {{"service", "cosmosdb-serverless"}, {"reads", 1}, {"writes", 2}};
    const nlohmann::json firestore = {{"service", "firestore"}, {"reads", 1}, {"writes", 2}, {"item_kb", 50}};
    const auto run = simulate(scenario_from(
        store_scenario(poisson(20, 100), {store_only("cosmos", cosmos), store_only("fs", firestore)})));
    const double n0 = static_cast<double>(run.results[0].requests.arrived);
    const double ru_usd = store_number("cosmosdb-serverless", "price_usd_per_million_read_units") / 1e6;
    CHECK(run.results[0].cost_total_usd == Approx(n0 * (1 * 1 + 2 * 5) * ru_usd).epsilon(1e-9));
    const double n1 = static_cast<double>(run.results[1].requests.arrived);
    CHECK(run.results[1].cost_total_usd == Approx(n1 * (0.30 + 2 * 0.90) / 1e6).epsilon(1e-9));
  }
  SECTION("provisioned RU/s: a 429 is retried after the server's retry-after hint") {
    TempDir dir;
    // 10 RU/s without burst capacity holds 10 RU; 20 one-RU reads at t = 0, 1 ms each. Ten are served at
    // once; the other ten are throttled (answer at 1 ms, 0.01 RU there: hint 99 ms) and retry together at
    // 100 ms, when one RU is there: one is served, nine are throttled again, and so on, one per 100 ms. The
    // k-th of them is served on attempt k + 1, so the tenth runs out of the SDK's 10 attempts at 0.9 s:
    // 19 served, 1 throttled, the last served at 0.901 s, after 10 + 9 + ... + 1 = 55 throttling errors.
    const nlohmann::json cosmos = {{"service", "cosmosdb-provisioned"},
                                   {"reads", 1},
                                   {"writes", 0},
                                   {"request_units_per_s", 10},
                                   {"read_latency_median_ms", 1},
                                   {"read_latency_p99_ms", 1}};
    const auto run =
        simulate(scenario_from(store_scenario(burst_trace(dir, 20), {store_only("cosmos", cosmos)})));
    const auto& r = run.results[0];
    CHECK(r.requests.served == 19);
    CHECK(r.requests.throttled == 1);
    CHECK(store_stage(r).throttles == 55);
    CHECK(r.latency.max_s() == Approx(0.901).margin(0.002));
  }
}

TEST_CASE("platforms::StateStore: the same scenario and seed give the same counts") {
  const nlohmann::json ddb = {{"service", "dynamodb-provisioned"},
                              {"read_capacity_units", 5},
                              {"write_capacity_units", 5},
                              {"burst_s", 10}};
  const auto doc = store_scenario(poisson(20, 120), {store_only("ddb", ddb)});
  const auto a = simulate(scenario_from(doc)).results[0];
  const auto b = simulate(scenario_from(doc)).results[0];
  CHECK(a.requests.throttled > 0);
  CHECK(a.requests.throttled == b.requests.throttled);
  CHECK(store_stage(a).throttles == store_stage(b).throttles);
  CHECK(a.latency.mean_s() == b.latency.mean_s());
  check_conserved(a);
}

TEST_CASE("platforms::StateStore: bad stages are one-line errors with the stage's JSON pointer") {
  const std::string at = "test-scenario.json: /candidates/0/stages/0/";
  CHECK(store_error_of({{"service", "mongodb"}}) ==
        at + "service: expected one of dynamodb-on-demand, dynamodb-provisioned, elasticache-redis, " +
            "cosmosdb-serverless, cosmosdb-provisioned, firestore, got \"mongodb\"");
  CHECK(store_error_of({{"service", "dynamodb-on-demand"}, {"reads", -1}}) ==
        at + "reads: expected a whole number in 0..1000, got -1");
  CHECK(store_error_of({{"service", "dynamodb-provisioned"}, {"read_capacity_units", 10}}) ==
        at + "write_capacity_units: missing (expected a number in 1..1000000000)");
  CHECK(store_error_of(
            {{"service", "dynamodb-on-demand"}, {"read_latency_median_ms", 5}, {"read_latency_p99_ms", 2}}) ==
        at + "read_latency_p99_ms: expected a p99 >= the median (5 ms), got 2");
  CHECK(store_error_of({{"service", "dynamodb-provisioned"},
                        {"read_capacity_units", 1},
                        {"write_capacity_units", 1},
                        {"burst_s", 0},
                        {"item_kb", 3}}) ==
        at + "write_capacity_units: expected at least the 3 units one write of item_kb 3 takes, got 1");
  // A key of another service (provisioned capacity on an on-demand table) is unknown here.
  CHECK_THAT(store_error_of({{"service", "dynamodb-on-demand"}, {"read_capacity_units", 10}}),
             Catch::StartsWith(at + "read_capacity_units: "));
}
