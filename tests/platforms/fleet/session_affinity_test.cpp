// Session affinity of the instance fleets (Cloud Run session_affinity, Container Apps sticky_sessions) and
// what it buys a state store with an instance cache, worked by hand on request traces whose key column names
// each request's session; workload.sessions draws sessions for a synthetic workload.
#include "platforms/fleet/session_affinity.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/input_error.hpp"
#include "platforms/export.hpp"
#include "platforms/topology/state_store.hpp"
#include "sim/arrival_source.hpp"
#include "support/session_scenario.hpp"
#include "support/sim_harness.hpp"

using servesim::test::constant_ms;
using servesim::test::scenario_from;
using servesim::test::session_trace;
using servesim::test::simulate;
using servesim::test::TempDir;

namespace {

// Sessions A and B each send a request every second for `rounds` s: A at k, B at k + 0.01 s.
std::vector<std::pair<double, std::string>> alternating(int rounds) {
  std::vector<std::pair<double, std::string>> rows;
  for (int k = 0; k < rounds; ++k) {
    rows.emplace_back(k, "A");
    rows.emplace_back(k + 0.01, "B");
  }
  return rows;
}

// Cloud Run, 1 vCPU, concurrency 1, with `settings` on top; 100 ms per request.
nlohmann::json affinity_scenario(nlohmann::json workload, const nlohmann::json& settings) {
  nlohmann::json cand = {
      {"name", "run"}, {"platform", "gcp-cloud-run"}, {"vcpu", 1}, {"memory_gib", 2}, {"concurrency", 1}};
  for (const auto& [k, v] : settings.items()) cand[k] = v;
  return {{"seed", 3},
          {"workload", std::move(workload)},
          {"service",
           {{"warm", constant_ms(100)},
            {"cold_start",
             {{"runtime_init", constant_ms(500)}, {"model_load", constant_ms(500)}, {"model_size_mb", 0}}}}},
          {"slo", {{"p99_ms", 1e6}, {"timeout_s", 1e6}}},
          {"metrics", {{"interval_s", 10}}},
          {"candidates", {cand}}};
}

std::map<std::string, double> levers_of(const servesim::sim::CandidateResult& r) {
  return {r.levers.begin(), r.levers.end()};
}

// The same Cloud Run service as a topology's model stage "fn", followed by DynamoDB on demand with an
// instance cache (one read and one write of 4 ms each per request).
nlohmann::json cached_store_scenario(nlohmann::json workload, bool affinity) {
  nlohmann::json doc = affinity_scenario(std::move(workload), {});
  const nlohmann::json fn = {{"id", "fn"},
                             {"kind", "model"},
                             {"candidate",
                              {{"platform", "gcp-cloud-run"},
                               {"vcpu", 1},
                               {"memory_gib", 2},
                               {"concurrency", 1},
                               {"min_instances", 2},
                               {"max_instances", 2},
                               {"session_affinity", affinity}}}};
  const nlohmann::json store = servesim::test::cached_session_store();
  doc["candidates"] = {{{"name", affinity ? "affinity" : "plain"},
                        {"platform", "topology"},
                        {"stages", {fn, store}},
                        {"edges", servesim::test::edge_list({{"fn", "session"}})}}};
  return doc;
}

std::string run_error_of(const nlohmann::json& doc) {
  try {
    simulate(scenario_from(doc));
  } catch (const servesim::InputError& e) {
    return std::string(e.what());
  }
  return "no error";
}

}  // namespace

TEST_CASE("platforms::SessionAffinity: two sessions alternating on two idle instances stay on theirs") {
  TempDir dir;
  // Two minimum instances, concurrency 1; A at k s and B at k + 0.01 s for 10 rounds, 100 ms each, so A's
  // and B's requests overlap and take both instances. Round 1: A goes to the most recently idle instance
  // (X), B to the other (Y). With affinity every later request finds its instance idle again (it finished
  // 0.9 s earlier): 18 hits after the 2 first requests, no other miss.
  const nlohmann::json two = {{"min_instances", 2}, {"max_instances", 2}};
  nlohmann::json on = two;
  on["session_affinity"] = true;
  const auto r =
      simulate(scenario_from(affinity_scenario(session_trace(dir, alternating(10)), on))).results.at(0);
  CHECK(r.requests.served == 20);
  auto levers = levers_of(r);
  CHECK(levers["affinity_hits"] == 18);
  CHECK(levers["affinity_misses_first"] == 2);
  CHECK(levers["affinity_misses_gone"] == 0);
  CHECK(levers["affinity_misses_full"] == 0);
  CHECK(levers["affinity_misses_scaled_in"] == 0);
  // Without affinity there is nothing to count.
  const auto plain =
      simulate(scenario_from(affinity_scenario(session_trace(dir, alternating(10)), two))).results.at(0);
  CHECK(plain.requests.served == 20);
  CHECK(plain.levers.empty());
}

TEST_CASE("platforms::SessionAffinity: Container Apps sticky sessions keep each session on its replica") {
  TempDir dir;
  // The alternating sessions on two minimum replicas serving one request each (concurrent_requests 1): as
  // on Cloud Run, 18 hits after the 2 first requests.
  nlohmann::json doc = affinity_scenario(session_trace(dir, alternating(10)), {});
  doc["candidates"] = {{{"name", "aca"},
                        {"platform", "azure-container-apps"},
                        {"concurrent_requests", 1},
                        {"min_replicas", 2},
                        {"max_replicas", 2},
                        {"sticky_sessions", true}}};
  const auto r = simulate(scenario_from(doc)).results.at(0);
  auto levers = levers_of(r);
  CHECK(r.requests.served == 20);
  CHECK(levers["affinity_hits"] == 18);
  CHECK(levers["affinity_misses_first"] == 2);
}

TEST_CASE("platforms::SessionAffinity: an instance at its concurrency sends the session elsewhere") {
  TempDir dir;
  // Two minimum instances, concurrency 1, 100 ms per request. A at 0 goes to X (first); C at 1.0 goes to
  // X too, the most recently idle (first); A at 1.05 finds X busy until 1.1: a miss (full), served by Y, and
  // the session moves to Y with the answer; A at 2.0 finds Y idle: a hit.
  const nlohmann::json settings = {{"min_instances", 2}, {"max_instances", 2}, {"session_affinity", true}};
  const auto r = simulate(scenario_from(affinity_scenario(
                              session_trace(dir, {{0, "A"}, {1.0, "C"}, {1.05, "A"}, {2.0, "A"}}), settings)))
                     .results.at(0);
  auto levers = levers_of(r);
  CHECK(r.requests.served == 4);
  CHECK(levers["affinity_misses_first"] == 2);
  CHECK(levers["affinity_misses_full"] == 1);
  CHECK(levers["affinity_hits"] == 1);
  // Every request was served at once (1.05 s did not wait for X): 100 ms each.
  CHECK(r.latency.max_s() == Approx(0.1).margin(1e-9));
}

TEST_CASE("platforms::SessionAffinity: an instance removed after its idle timeout loses its sessions") {
  TempDir dir;
  // No minimum instance, idle timeout 60 s; a cold start takes 1 s (0.5 s init + 0.5 s load, nothing to
  // download). A at 0 starts X (first); A at 5 finds X idle (hit). X is idle from 5.1 s and removed by 65.1
  // s (the autoscaler's one-minute window no longer counts it, then the idle timeout), so A at 200 finds its
  // instance gone (miss) and starts Z; A at 230 finds Z idle (hit).
  const nlohmann::json settings = {{"idle_timeout_s", 60}, {"session_affinity", true}};
  const auto r = simulate(scenario_from(affinity_scenario(
                              session_trace(dir, {{0, "A"}, {5, "A"}, {200, "A"}, {230, "A"}}), settings)))
                     .results.at(0);
  auto levers = levers_of(r);
  CHECK(r.requests.served == 4);
  CHECK(r.requests.cold_starts == 2);
  CHECK(levers["affinity_misses_first"] == 1);
  CHECK(levers["affinity_misses_gone"] == 1);
  CHECK(levers["affinity_hits"] == 2);
}

TEST_CASE(
    "platforms::SessionAffinity: an instance cache in front of the store hits only on the session's "
    "instance") {
  TempDir dir;
  // The alternating sessions of the first test, behind Cloud Run, into DynamoDB on demand with an instance
  // cache. With affinity A always runs on X and B on Y: the 18 later visits find their session in the
  // instance's memory and read nothing from the table (2 reads, 20 writes). Without affinity the most
  // recently idle instance takes each request: B's (idle since k + 0.11) takes A's next one and A's (k + 0.1)
  // B's, so A and B swap instances every round (A: X, Y, X, ...): the instance never holds the session's
  // latest state, 0 hits, 20 reads.
  const double price = servesim::platforms::find_state_store("dynamodb-on-demand")
                           ->parameters.at("price_usd_per_million_read_units");
  const auto with = simulate(scenario_from(cached_store_scenario(session_trace(dir, alternating(10)), true)));
  const auto& a = with.results.at(0);
  const auto& store = a.stages.at(1);
  CHECK(a.requests.served == 20);
  CHECK(store.instance_cache_hits == 18);
  CHECK(store.instance_cache_misses == 2);
  CHECK(store.reads == 2);
  CHECK(store.writes == 20);
  CHECK(store.reads_avoided == 18);
  // An eventually consistent read of a 1 KB item is half a read request unit.
  CHECK(store.saved_usd == Approx(18 * 0.5 * price / 1e6).epsilon(1e-12));
  CHECK(levers_of(a)["fn/affinity_hits"] == 18);
  // The store's cost is that of its 2 reads and 20 writes.
  double reads_usd = 0;
  for (const auto& [category, usd] : a.cost_usd)
    if (category == "session/reads_usd") reads_usd = usd;
  CHECK(reads_usd == Approx(2 * 0.5 * price / 1e6).epsilon(1e-12));

  const auto without =
      simulate(scenario_from(cached_store_scenario(session_trace(dir, alternating(10)), false)));
  const auto& plain = without.results.at(0).stages.at(1);
  CHECK(plain.instance_cache_hits == 0);
  CHECK(plain.instance_cache_misses == 20);
  CHECK(plain.reads == 20);
  CHECK(plain.reads_avoided == 0);
}

TEST_CASE("platforms::SessionAffinity: workload.sessions draws each arrival's session uniformly") {
  // 10,000 Poisson arrivals over 4 sessions: each session's count within 4 binomial sigmas of n/4
  // (sigma = sqrt(n x 1/4 x 3/4) = 43.3); every key is one of 0..3; the same seed gives the same keys.
  servesim::sim::WorkloadSpec w;
  w.kind = servesim::sim::WorkloadSpec::Kind::poisson;
  w.rate_rps = 100;
  w.synthetic_duration_s = 100;
  w.sessions = 4;
  auto source = servesim::sim::make_arrival_source(w, 7);
  auto again = servesim::sim::make_arrival_source(w, 7);
  std::vector<uint64_t> counts(4, 0);
  uint64_t n = 0;
  bool same = true;
  double t = 0, t2 = 0;
  while (source->next(t)) {
    again->next(t2);
    REQUIRE(source->key() < 4);
    same = same && source->key() == again->key() && t == t2;
    ++counts[source->key()];
    ++n;
  }
  CHECK(same);
  const double sigma = std::sqrt(n * 0.25 * 0.75);
  for (uint64_t c : counts) CHECK(std::fabs(static_cast<double>(c) - n / 4.0) < 4 * sigma);
}

TEST_CASE("platforms::SessionAffinity: bad inputs give one-line errors") {
  TempDir dir;
  SECTION("an instance cache without sessions") {
    nlohmann::json doc = cached_store_scenario(servesim::test::poisson(1, 10), true);
    CHECK(run_error_of(doc) ==
          "test-scenario.json: /candidates/0/stages/1/instance_cache: expected a workload with sessions "
          "(workload.key_column or workload.sessions) for an instance cache, got none");
  }
  SECTION("session affinity on a platform without it") {
    nlohmann::json doc = cached_store_scenario(session_trace(dir, alternating(2)), true);
    doc["candidates"][0]["stages"][0]["candidate"] = {{"platform", "aws-lambda"}, {"session_affinity", true}};
    const std::string error = run_error_of(doc);
    INFO(error);
    CHECK(error.find("/candidates/0/stages/0/candidate/session_affinity: unknown key") != std::string::npos);
  }
  SECTION("sticky sessions behind a split (several revisions)") {
    nlohmann::json doc = cached_store_scenario(session_trace(dir, alternating(2)), true);
    const nlohmann::json revision = {{"platform", "azure-container-apps"}, {"sticky_sessions", true}};
    doc["candidates"][0]["stages"] = {
        {{"id", "rollout"}, {"kind", "split"}, {"weights", {{{"at_s", 0}, {"percent", {50, 50}}}}}},
        {{"id", "v1"}, {"kind", "model"}, {"candidate", revision}},
        {{"id", "v2"}, {"kind", "model"}, {"candidate", revision}}};
    doc["candidates"][0]["edges"] = servesim::test::edge_list({{"rollout", "v1"}, {"rollout", "v2"}});
    CHECK(run_error_of(doc) ==
          "test-scenario.json: /candidates/0/stages/1/candidate/sticky_sessions: expected false behind split "
          "\"rollout\" (sticky sessions need single revision mode), got true");
  }
}

TEST_CASE("platforms::SessionAffinity: exports name affinity as each platform does") {
  // Cloud Run: the revision annotation run.googleapis.com/sessionAffinity; Container Apps: the ingress's
  // stickySessions.affinity "sticky" (container-apps/sticky-sessions). Neither appears when off.
  servesim::platforms::ExportRequest request;
  request.candidate = "svc";
  for (const auto& [platform, format_name, key, written] :
       {std::tuple{"gcp-cloud-run", "cloud-run", "session_affinity",
                   "run.googleapis.com/sessionAffinity: \"true\""},
        std::tuple{"azure-container-apps", "container-apps", "sticky_sessions", "affinity: \"sticky\""}}) {
    const auto* format = servesim::platforms::find_export_format(platform, format_name);
    REQUIRE(format);
    request.platform = platform;
    request.settings = {{key, true}};
    CHECK_THAT(format->write(request).at(0).text, Catch::Contains(written));
    request.settings = {{key, false}};
    CHECK_THAT(format->write(request).at(0).text, !Catch::Contains("ffinity"));
  }
}
