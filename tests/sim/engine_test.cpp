// The engine against queueing theory: M/M/c (Erlang C) and M/M/infinity, plus conservation and determinism.
#include <catch2/catch.hpp>
#include <cmath>

#include "support/sim_harness.hpp"

using servesim::test::scenario_from;
using servesim::test::simulate;

namespace {

// Erlang C: probability that an arrival waits, c servers, offered load a = lambda/mu (a < c).
double erlang_c(int c, double a) {
  double term = 1.0, sum = 1.0;  // a^k/k!, running sum for k < c
  for (int k = 1; k < c; ++k) {
    term *= a / k;
    sum += term;
  }
  const double last = term * a / c / (1.0 - a / c);  // a^c/c! * 1/(1 - rho)
  return last / (sum + last);
}

nlohmann::json pool_scenario(double rate_rps, double mean_service_ms, int servers, double duration_s) {
  return {{"seed", 7},
          {"workload", {{"type", "poisson"}, {"rate_rps", rate_rps}, {"duration_s", duration_s}}},
          {"service", {{"warm", {{"type", "exponential"}, {"mean_ms", mean_service_ms}}}}},
          {"slo", {{"p99_ms", 1e6}, {"timeout_s", 1e6}}},
          {"candidates", {{{"name", "pool"}, {"platform", "fixed-pool"}, {"servers", servers}}}}};
}

}  // namespace

TEST_CASE("sim::Engine: a fixed pool with Poisson arrivals and exponential service is M/M/c (Erlang C)") {
  // c = 10 servers, lambda = 8/s, mean service 1 s: a = 8, rho = 0.8.
  const int c = 10;
  const double lambda = 8.0, mu = 1.0;
  const double duration_s = 40000;
  const auto run = simulate(scenario_from(pool_scenario(lambda, 1000.0 / mu, c, duration_s)));
  const auto& r = run.results.at(0);
  const double pw_theory = erlang_c(c, lambda / mu);           // 0.409
  const double wait_theory_s = pw_theory / (c * mu - lambda);  // 0.2046 s
  const double sojourn_theory_s = wait_theory_s + 1.0 / mu;    // 1.2046 s
  const double n = static_cast<double>(r.requests.arrived);
  CHECK(n == Approx(lambda * duration_s).margin(4 * std::sqrt(lambda * duration_s)));

  SECTION("probability of waiting (PASTA: an arrival waits iff all servers are busy)") {
    const double pw = static_cast<double>(r.requests.queued) / n;
    // Queueing output is autocorrelated: allow 0.02 absolute (about 5 batch-means standard errors at this
    // length).
    CHECK(pw == Approx(pw_theory).margin(0.02));
  }
  SECTION("mean response time = Erlang-C mean wait + mean service") {
    CHECK(r.latency.mean_s() == Approx(sojourn_theory_s).epsilon(0.03));
  }
  SECTION("server utilisation = rho") {
    CHECK(r.busy_instance_seconds / r.simulated_s == Approx(lambda / mu).epsilon(0.02));
  }
  SECTION("every arrival is served (no timeouts, unbounded queue)") {
    CHECK(r.requests.served == r.requests.arrived);
  }
}

TEST_CASE("sim::Engine: an unbounded pool reproduces M/M/infinity mean occupancy lambda/mu") {
  // Lambda without limits, cold starts or keep-alive: every request has its own environment.
  const double lambda = 50.0, mean_service_s = 0.2, duration_s = 4000;
  nlohmann::json doc = {{"seed", 3},
                        {"workload", {{"type", "poisson"}, {"rate_rps", lambda}, {"duration_s", duration_s}}},
                        {"service", {{"warm", {{"type", "exponential"}, {"mean_ms", mean_service_s * 1e3}}}}},
                        {"slo", {{"p99_ms", 1e6}, {"timeout_s", 1e6}}},
                        {"candidates",
                         {{{"platform", "aws-lambda"},
                           {"memory_mb", 1769},
                           {"timeout_s", 900},
                           {"account_concurrency", 100000},
                           {"scale_rate_envs", 100000},
                           {"keep_alive_s", 0}}}}};
  const auto run = simulate(scenario_from(doc));
  const auto& r = run.results.at(0);
  // Time-average of M/M/inf occupancy over T has variance ~ 2 (lambda/mu) / (mu T) = 0.002: sd 0.045.
  CHECK(r.busy_instance_seconds / r.simulated_s == Approx(lambda * mean_service_s).margin(0.2));
  CHECK(r.requests.throttled == 0);
}

TEST_CASE("sim::Engine: conservation and determinism") {
  nlohmann::json doc = pool_scenario(30, 100, 3, 600);  // overloaded: rho = 1, queue bounded below
  doc["candidates"][0]["queue_capacity"] = 20;
  doc["slo"]["timeout_s"] = 1.0;
  const auto sc = scenario_from(doc);
  const auto a = simulate(sc);
  const auto b = simulate(sc);
  const auto& q = a.results.at(0).requests;
  SECTION("every arrival ends as exactly one of served, timed out, throttled, dropped") {
    CHECK(q.dropped > 0);
    CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
  }
  SECTION("the same scenario and seed give the same results") {
    const auto& q2 = b.results.at(0).requests;
    CHECK(q2.arrived == q.arrived);
    CHECK(q2.served == q.served);
    CHECK(q2.dropped == q.dropped);
    CHECK(b.results[0].latency.mean_s() == a.results[0].latency.mean_s());
    CHECK(b.rows[0].size() == a.rows[0].size());
  }
}
