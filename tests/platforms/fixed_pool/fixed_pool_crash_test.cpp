// Crash faults on the fixed pool (docs/faults.md): each server that is up dies at the crash rate, the request
// it runs fails (the client's retry policy applies), and it restarts in place after restart_s and the
// service's cold start while the queue waits. Expected values from the rate and the arrival schedule.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "support/sim_harness.hpp"

namespace {
using namespace servesim;
using nlohmann::json;
using test::constant_ms;
using test::scenario_from;
using test::TempDir;

// A pool of `servers` serving the requests at `times_s`, `service_ms` each, with the given faults; SLO and
// client timeout that never bite, no cold start (restarts take restart_s only).
json pool_scenario(const TempDir& dir, uint32_t servers, const std::vector<double>& times_s,
                   double service_ms, const json& faults) {
  return {{"seed", 11},
          {"workload", test::trace_at(dir, times_s)},
          {"service", {{"warm", constant_ms(service_ms)}}},
          {"slo", {{"p99_ms", 1e6}, {"timeout_s", 1e6}}},
          {"candidates", {{{"name", "pool"}, {"platform", "fixed-pool"}, {"servers", servers}}}},
          {"faults", faults}};
}

void check_accounted(const sim::CandidateResult& r) {
  const auto& q = r.requests;
  CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
}

}  // namespace

TEST_CASE("platforms::FixedPoolModel: servers crash at the given rate over a long run") {
  TempDir dir;
  // 4 servers, 60 crashes per server-hour (a mean lifetime of 60 s), one 100 ms request a second for 1,800 s:
  // the run lasts until the last request ends, t = 1,799.1 s. A server crashes only while it is up.
  std::vector<double> times;
  for (int k = 0; k < 1800; ++k) times.push_back(k);
  const json crash = {{{"kind", "crash"}, {"rate_per_instance_hour", 60}}};
  json doc = pool_scenario(dir, 4, times, 100, crash);
  SECTION("instant restarts: the crash count is Poisson with mean rate x servers x hours") {
    // restart_s 0 and no cold start: the servers are always up, so crashes form a Poisson process of
    // 60 x 4 x 1,799.1 / 3,600 = 119.9 expected; tolerance 4 sigma = 4 sqrt(119.9) = 43.8.
    doc["candidates"][0]["restart_s"] = 0;
    const auto& r = test::simulate_first(doc);
    const double expected = 60.0 * 4 * 1799.1 / 3600;
    CHECK(std::abs(static_cast<double>(r.faults.at(0).instances_lost) - expected) < 4 * std::sqrt(expected));
    CHECK(r.faults.at(0).requests_in_flight_lost == r.requests.dropped);
    CHECK(r.faults.at(0).requests_lost == r.requests.dropped);
    check_accounted(r);
  }
  SECTION("10 s restarts (the catalogue's): one crash per 60 s up + 10 s down") {
    // A server alternates Exp(60 s) up and 10 s down (a renewal process): 1 crash per 70 s on average, so
    // 4 x 1,799.1 / 70 = 102.8 expected; the Poisson tolerance 4 sqrt(102.8) = 40.6 is wider than the
    // renewal count's own (variance t Var/E^3 = 4 x 1,799.1 x 3,600 / 70^3 = 75.5, sigma 8.7).
    const auto& r = test::simulate_first(doc);
    const double expected = 4 * 1799.1 / 70;
    CHECK(std::abs(static_cast<double>(r.faults.at(0).instances_lost) - expected) < 4 * std::sqrt(expected));
    check_accounted(r);
  }
}

TEST_CASE("platforms::FixedPoolModel: a crash fails exactly the request its server runs") {
  TempDir dir;
  // One server. A (t = 0) runs for 100 s; B (t = 5) waits in the queue. A crash window of 0.1 s at 10 s at
  // 1,000 crashes per second (hazard 100: the server dies in it with probability 1 - e^-100) kills the
  // server at c in [10, 10.1): A fails there. The server restarts in place c + 10 s later (restart_s 10, no
  // cold start) and takes B: B ends at c + 110, 115 s after it arrived. After the window the server never
  // crashes again.
  const json crash = {
      {{"kind", "crash"}, {"rate_per_instance_hour", 3.6e6}, {"start_s", 10}, {"duration_s", 0.1}}};
  json doc = pool_scenario(dir, 1, {0, 5}, 100000, crash);
  SECTION("without retries A is lost, B waits for the restart") {
    const auto& r = test::simulate_first(doc);
    CHECK(r.requests.arrived == 2);
    CHECK(r.requests.served == 1);
    CHECK(r.requests.dropped == 1);
    CHECK(r.faults.at(0).instances_lost == 1);
    CHECK(r.faults.at(0).requests_in_flight_lost == 1);
    CHECK(r.faults.at(0).requests_lost == 1);
    CHECK(r.latency.max_s() == Approx(115.05).margin(0.05));
    check_accounted(r);
  }
  SECTION("one retry: A goes back in the queue behind B") {
    // A's retry comes within the backoff cap (200 ms) of the crash, while the server is down and B waits:
    // B runs from c + 10 to c + 110, A from there to c + 210, 220 s after its first arrival.
    doc["client"] = {{"max_retries", 1}};
    const auto& r = test::simulate_first(doc);
    CHECK(r.requests.served == 2);
    CHECK(r.requests.dropped == 0);
    CHECK(r.requests.retries == 1);
    CHECK(r.faults.at(0).requests_in_flight_lost == 1);
    CHECK(r.faults.at(0).requests_lost == 0);
    CHECK(r.latency.max_s() == Approx(220.05).margin(0.05));
    check_accounted(r);
  }
  SECTION("the restart includes the service's cold start") {
    // runtime init 2 s and model load 3 s (1 vCPU, the reference share): the server is back at c + 15, so B
    // ends at c + 115, 120 s after it arrived.
    doc["service"]["cold_start"] = {{"runtime_init", constant_ms(2000)}, {"model_load", constant_ms(3000)}};
    const auto& r = test::simulate_first(doc);
    CHECK(r.requests.served == 1);
    CHECK(r.latency.max_s() == Approx(120.05).margin(0.05));
  }
  SECTION("a non-idempotent request is not retried after its server crashed") {
    doc["client"] = {{"max_retries", 1}, {"idempotent", false}};
    const auto& r = test::simulate_first(doc);
    CHECK(r.requests.retries == 0);
    CHECK(r.requests.dropped == 1);
    check_accounted(r);
  }
}
