// AWS Lambda model against the documented behaviour (platforms/aws_lambda/aws-lambda.json) and hand
// calculations.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/input_error.hpp"
#include "support/sim_harness.hpp"

using servesim::test::constant_ms;
using servesim::test::poisson;
using servesim::test::scenario_from;
using servesim::test::simulate;
using servesim::test::TempDir;

namespace {

// A scenario with one Lambda candidate; `lambda` adds or overrides candidate settings.
nlohmann::json lambda_scenario(nlohmann::json workload, double service_ms, nlohmann::json lambda) {
  nlohmann::json settings = {{"memory_mb", 1769}, {"timeout_s", 900}};
  for (auto& [k, v] : lambda.items()) settings[k] = v;
  return servesim::test::one_candidate_scenario({"aws-lambda", "fn", 5, 10}, std::move(workload),
                                                {{"warm", constant_ms(service_ms)}}, settings);
}

}  // namespace

TEST_CASE("platforms::LambdaModel: scaling rate of 1,000 new environments per 10 s") {
  // A step from 0 to ~5,000 concurrent requests (60 s each) within one second.
  auto doc = lambda_scenario(poisson(5000, 1), 60000, {{"account_concurrency", 10000}});
  SECTION("without retries: 1,000 environments start, the rest are throttled (HTTP 429)") {
    const auto run = simulate(scenario_from(doc));
    const auto& q = run.results[0].requests;
    CHECK(q.cold_starts == 1000);
    CHECK(q.throttled == q.arrived - 1000);
    CHECK(run.rows[0][0].counts.cold_starts == 1000);
  }
  SECTION("with client retries: no 10 s window ever gets more than 1,000 new environments") {
    doc["client"] = {{"max_retries", 12}, {"backoff_base_ms", 1000}, {"backoff_max_ms", 8000}};
    const auto run = simulate(scenario_from(doc));
    const auto& rows = run.rows[0];
    CHECK(rows[0].counts.cold_starts == 1000);
    for (const auto& row : rows) CHECK(row.counts.cold_starts <= 1000);
    CHECK(rows[1].counts.cold_starts > 0);  // the window refills continuously after 10 s
    const auto& q = run.results[0].requests;
    CHECK(q.served + q.throttled == q.arrived);
  }
}

TEST_CASE("platforms::LambdaModel: concurrency limit throttles, reserved concurrency caps") {
  auto doc = lambda_scenario(poisson(200, 5), 10000, {{"reserved_concurrency", 100}});
  const auto run = simulate(scenario_from(doc));
  const auto& q = run.results[0].requests;
  CHECK(run.results[0].instances_peak == 100);
  CHECK(q.cold_starts == 100);
  CHECK(q.throttled == q.arrived - 100);
}

TEST_CASE("platforms::LambdaModel: idle environments are reclaimed after the keep-alive") {
  TempDir dir;
  // 100 s at 5/s, 1,000 quiet seconds, then 10 s at 5/s.
  std::string text;
  for (int i = 0; i < 100; ++i) text += "5 ";
  for (int i = 0; i < 1000; ++i) text += "0 ";
  for (int i = 0; i < 10; ++i) text += "5 ";
  const nlohmann::json trace = {
      {"type", "rate_trace"}, {"path", dir.write("burst.txt", text)}, {"gap_min_s", 5000}};
  auto cold_in_last_burst = [&](double keep_alive_s, const servesim::test::Simulated& run) {
    uint64_t n = 0;
    for (const auto& row : run.rows[0])
      if (row.start_s >= 1100) n += row.counts.cold_starts;
    (void)keep_alive_s;
    return n;
  };
  SECTION("keep-alive 300 s: every environment is gone before traffic returns") {
    const auto run = simulate(scenario_from(lambda_scenario(trace, 100, {{"keep_alive_s", 300}})));
    CHECK(cold_in_last_burst(300, run) > 0);
    // Last use ~100 s + 300 s keep-alive: the interval [500, 510) has no instance at all.
    for (const auto& row : run.rows[0])
      if (row.start_s >= 410 && row.end_s <= 1100) CHECK(row.idle_mean == 0);
  }
  SECTION("keep-alive 1,200 s: the returning traffic finds warm environments") {
    const auto run = simulate(scenario_from(lambda_scenario(trace, 100, {{"keep_alive_s", 1200}})));
    CHECK(cold_in_last_burst(1200, run) == 0);
  }
}

TEST_CASE("platforms::LambdaModel: provisioned environments never cold-start and bill while provisioned") {
  // 10 requests/s of 0.5 s: ~5 concurrent; P(more than 20 at once) is negligible (Poisson tail ~1e-7).
  auto doc = lambda_scenario(poisson(10, 1000), 500, {{"provisioned_concurrency", 20}, {"memory_mb", 2048}});
  const auto run = simulate(scenario_from(doc));
  const auto& r = run.results[0];
  CHECK(r.requests.cold_starts == 0);
  double provisioned_usd = -1, exec_usd = -1;
  for (const auto& [k, v] : r.cost_usd) {
    if (k == "provisioned_usd") provisioned_usd = v;
    if (k == "provisioned_compute_usd") exec_usd = v;
  }
  // 20 environments x 2 GB x 1,000 s x $0.0000041667/GB-s = $0.166668.
  CHECK(provisioned_usd == Approx(20 * 2.0 * r.simulated_s * 0.0000041667).epsilon(1e-9));
  // Each request bills 0.5 s x 2 GB at the provisioned execution rate $0.0000097222/GB-s.
  CHECK(exec_usd == Approx(r.requests.served * 0.5 * 2.0 * 0.0000097222).epsilon(1e-9));
  SECTION("without provisioned concurrency the first requests cold-start") {
    doc["candidates"][0]["provisioned_concurrency"] = 0;
    CHECK(simulate(scenario_from(doc)).results[0].requests.cold_starts > 0);
  }
}

TEST_CASE("platforms::LambdaModel: CPU share grows with memory (1,769 MB = 1 vCPU)") {
  // A request that needs 40 ms on 1 vCPU; one request every 10 s, so every request is alone.
  auto latency_ms = [](double memory_mb, double parallel_fraction) {
    auto doc = lambda_scenario(poisson(0.1, 200), 40, {{"memory_mb", memory_mb}});
    doc["service"]["parallel_fraction"] = parallel_fraction;
    return simulate(scenario_from(doc)).results[0].latency.max_s() * 1e3;
  };
  CHECK(latency_ms(885, 0) == Approx(40 * 1769.0 / 885).epsilon(1e-6));  // ~0.5 vCPU: about twice as long
  CHECK(latency_ms(3538, 0) == Approx(40).epsilon(1e-6));                // 2 vCPU, single-threaded: no gain
  CHECK(latency_ms(3538, 0.5) == Approx(30).epsilon(1e-6));              // Amdahl: 40 x (0.5 + 0.5/2)
  CHECK(latency_ms(10240, 1.0) == Approx(40 / 5.788).epsilon(1e-3));     // 10,240/1,769 = 5.79 vCPU
}

TEST_CASE("platforms::LambdaModel: billing in 1 ms steps at the GB-s price plus the request fee") {
  // 10.2 ms at 128 MB bills 11 ms: 0.011 s x 0.125 GB x $0.0000166667 + $0.0000002 per request.
  auto doc = lambda_scenario(poisson(1, 500), 10.2, {{"memory_mb", 1769}});
  const auto run = simulate(scenario_from(doc));
  const auto& r = run.results[0];
  const double gb = 1769.0 / 1024.0;
  const double n = static_cast<double>(r.requests.served);
  CHECK(r.requests.served == r.requests.arrived);  // cold starts here have no init to bill
  CHECK(r.cost_total_usd == Approx(n * (0.011 * gb * 0.0000166667 + 0.2e-6)).epsilon(1e-9));
}

TEST_CASE("platforms::LambdaModel: the function timeout stops and bills long invocations") {
  auto doc = lambda_scenario(poisson(1, 100), 5000, {{"timeout_s", 3}, {"memory_mb", 1024}});
  const auto run = simulate(scenario_from(doc));
  const auto& r = run.results[0];
  CHECK(r.requests.timed_out == r.requests.arrived);
  CHECK(r.requests.served == 0);
  const double n = static_cast<double>(r.requests.arrived);
  CHECK(r.cost_total_usd == Approx(n * (3.0 * 1.0 * 0.0000166667 + 0.2e-6)).epsilon(1e-9));
}

TEST_CASE("platforms::LambdaModel: cold start = runtime init + model download (SimGrid) + model load") {
  // 85 MB at 85 MB/s per connection: 1 s plus the route latency (TCP window / (2 x 85 MB/s) = 24.7 ms).
  const double route_latency_s = 4194304.0 / (2 * 85e6);
  auto doc = lambda_scenario(poisson(0.01, 50), 100, {{"memory_mb", 1769}});
  doc["service"]["cold_start"] = {
      {"runtime_init", constant_ms(300)}, {"model_load", constant_ms(700)}, {"model_size_mb", 85}};
  SECTION("one cold start alone downloads at the per-connection ceiling") {
    doc["workload"] = {{"type", "spike"}, {"base_rps", 0}, {"spike_factor", 0}, {"duration_s", 10}};
    // Replace the workload by a single request at t = 0 through a one-second rate trace.
    TempDir dir;
    doc["workload"] = {{"type", "rate_trace"}, {"path", dir.write("one.txt", "1")}};
    const auto r = simulate(scenario_from(doc)).results[0];
    REQUIRE(r.requests.served == 1);
    CHECK(r.latency.max_s() == Approx(0.3 + 1.0 + route_latency_s + 0.7 + 0.1).epsilon(1e-6));
  }
  SECTION("two cold starts at once share a 85 MB/s store: each download takes twice as long") {
    TempDir dir;
    doc["workload"] = {{"type", "rate_trace"}, {"path", dir.write("two.txt", "2")}};
    doc["candidates"][0]["model_store_shared_gb_per_s"] = 0.085;
    const auto r = simulate(scenario_from(doc)).results[0];
    REQUIRE(r.requests.cold_starts == 2);
    // Both start downloading 300 ms after their (different) arrivals within the first second, so they overlap
    // for most of the transfer; the slower one takes between 1 s and 2 s + latency: strictly more than alone.
    CHECK(r.latency.max_s() > 0.3 + 1.5 + 0.7 + 0.1);
    CHECK(r.latency.max_s() < 0.3 + 2.0 + route_latency_s + 0.7 + 0.1 + 1.0);
  }
  SECTION("an init longer than 10 s is repeated inside the first invocation") {
    TempDir dir;
    doc["workload"] = {{"type", "rate_trace"}, {"path", dir.write("one.txt", "1")}};
    doc["service"]["cold_start"]["model_load"] = constant_ms(10000);
    const auto r = simulate(scenario_from(doc)).results[0];
    const double init_s = 0.3 + 1.0 + route_latency_s + 10.0;
    CHECK(r.latency.max_s() == Approx(10.0 + init_s + 0.1).epsilon(1e-6));
  }
  SECTION("an extension fetches and loads the model in parallel with the runtime's init") {
    // Extension init starts the download at 0 with the runtime's 300 ms init: the first request waits
    // max(0.3, 1 s + latency + 0.7 s) = 1.7247 s, then runs 0.1 s (0.3 s earlier than in the function's
    // init).
    TempDir dir;
    doc["workload"] = {{"type", "rate_trace"}, {"path", dir.write("one.txt", "1")}};
    doc["candidates"][0]["model_load_in_extension"] = true;
    const auto r = simulate(scenario_from(doc)).results[0];
    REQUIRE(r.requests.served == 1);
    CHECK(r.latency.max_s() == Approx(1.0 + route_latency_s + 0.7 + 0.1).epsilon(1e-6));
    SECTION(
        "a load past 10 s does not fail the Init phase, which ends when the runtime and extension send "
        "Next") {
      doc["service"]["cold_start"]["model_load"] = constant_ms(10000);
      const auto slow = simulate(scenario_from(doc)).results[0];
      // 1 s + latency + 10 s, no repeated init (the function's own init would take 10 s + 11.3247 s + 0.1 s).
      CHECK(slow.latency.max_s() == Approx(1.0 + route_latency_s + 10.0 + 0.1).epsilon(1e-6));
      // Billed: the wait and the request at the on-demand rate (init billed): 11.1247 s -> 11.125 s x 1.7275
      // GB.
      double compute_usd = -1;
      for (const auto& [k, v] : slow.cost_usd)
        if (k == "compute_usd") compute_usd = v;
      CHECK(compute_usd == Approx(11.125 * 1769.0 / 1024 * 0.0000166667).epsilon(1e-6));
    }
  }
}

TEST_CASE("platforms::LambdaModel: settings outside their documented range are refused") {
  auto doc = lambda_scenario(poisson(1, 10), 10, {{"memory_mb", 64}});
  REQUIRE_THROWS_WITH(simulate(scenario_from(doc)),
                      "test-scenario.json: /candidates/0/memory_mb: expected 128..10240 MB, got 64");
  doc["candidates"][0]["memory_mb"] = 1024;
  doc["candidates"][0]["provisioned_concurrency"] = 2000;
  REQUIRE_THROWS_WITH(
      simulate(scenario_from(doc)),
      Catch::Contains(
          "/candidates/0/provisioned_concurrency: expected at most the concurrency limit (1000), got 2000"));
  doc["candidates"][0].erase("provisioned_concurrency");
  doc["candidates"][0]["memroy_mb"] = 1024;
  REQUIRE_THROWS_WITH(simulate(scenario_from(doc)),
                      Catch::Contains("/candidates/0/memroy_mb: unknown key for aws-lambda"));
}

TEST_CASE("platforms::LambdaModel: a throttled request is retried with its own tokens") {
  // Two requests at t = 0 on a function with reserved concurrency 1, served on the CPU at 1 ms per prompt
  // token (1,769 MB = one full vCPU = reference_vcpu, so no scaling): A (1,000 tokens) takes the one
  // environment, B is throttled (HTTP 429) and retried by its caller until A's environment is free. Run it
  // twice, B's prompt 10 or 2,000 tokens, same seed: everything up to B's admission is the same (A, the cold
  // start, the retry delays drawn), so B's latency differs by its service time alone, (2,000 - 10) x 1 ms,
  // and the mean latency of the two by half that: 0.995 s. A retry that lost B's tokens would serve the
  // model's default 512 in both runs, and the means would be equal. The same holds for an async event, which
  // the event queue retries after 1, 2, 4 ... s (no jitter) instead of its caller.
  TempDir dir;
  auto mean_latency_s = [&dir](int b_tokens, bool async) {
    const std::string path = dir.write("req-" + std::to_string(b_tokens) + ".csv",
                                       "t,in,out\n0,1000,1\n0," + std::to_string(b_tokens) + ",1\n");
    nlohmann::json doc = {
        {"seed", 7},
        {"workload",
         {{"type", "request_trace"},
          {"path", path},
          {"timestamp_column", "t"},
          {"input_tokens_column", "in"},
          {"output_tokens_column", "out"}}},
        {"service",
         {{"llm", {{"model", "llama-3.1-8b"}, {"cpu_ms_per_input_token", 1}, {"cpu_ms_per_output_token", 0}}},
          {"reference_vcpu", 1.0}}},
        {"slo", {{"p99_ms", 600000}, {"timeout_s", 600}}},
        {"client", {{"max_retries", 50}}},
        {"candidates",
         {{{"name", "fn"}, {"platform", "aws-lambda"}, {"memory_mb", 1769}, {"reserved_concurrency", 1}}}}};
    if (async) doc["client"] = {{"invocation", "async"}};
    const auto& r = servesim::test::simulate_first(doc);
    REQUIRE(r.requests.served == 2);
    REQUIRE(r.requests.throttled == 0);
    return r.latency.mean_s();
  };
  SECTION("synchronous: the caller's retries") {
    CHECK(mean_latency_s(2000, false) - mean_latency_s(10, false) == Approx(0.995).margin(1e-6));
  }
  SECTION("async: the event queue's retries") {
    CHECK(mean_latency_s(2000, true) - mean_latency_s(10, true) == Approx(0.995).margin(1e-6));
  }
}

TEST_CASE(
    "platforms::LambdaModel: scheduled provisioned concurrency is allocated late and billed as configured") {
  // 2 requests/s of 100 ms for 1,200 s at 1,024 MB (1 GB), keep-alive 0: every request that finds no
  // provisioned environment cold-starts. At 600 s a scheduled action raises provisioned concurrency 0 -> 10.
  // Preparation 60 s, allocation 10 environments/min: usable at 600 + 60 + 10/10 min = 720 s, all at once
  // (lambda-concurrency.html). ~0.2 requests in flight: P(more than 10 at once) is negligible.
  auto doc = lambda_scenario(
      poisson(2, 1200), 100,
      {{"memory_mb", 1024},
       {"keep_alive_s", 0},
       {"pc_preparation_s", 60},
       {"pc_allocation_envs_per_min", 10},
       {"provisioned_concurrency_schedule", {{{"at_s", 600}, {"provisioned_concurrency", 10}}}}});
  const auto run = simulate(scenario_from(doc));
  const auto& r = run.results[0];
  uint64_t before = 0, cold_before = 0, after = 0, cold_after = 0;
  for (const auto& row : run.rows[0]) {
    if (row.end_s <= 720) {
      before += row.counts.arrived;
      cold_before += row.counts.cold_starts;
    } else if (row.start_s >= 720) {
      after += row.counts.arrived;
      cold_after += row.counts.cold_starts;
    }
  }
  CHECK(before > 1000);
  CHECK(cold_before == before);  // still allocating from 600 to 720 s: the requests spill to on-demand
  CHECK(after > 700);
  CHECK(cold_after == 0);
  // Billed from the action on, allocating or not: 10 x 1 GB x (T - 600 s) x $0.0000041667/GB-s.
  double provisioned_usd = -1;
  for (const auto& [k, v] : r.cost_usd)
    if (k == "provisioned_usd") provisioned_usd = v;
  CHECK(provisioned_usd == Approx(10 * 1.0 * (r.simulated_s - 600) * 0.0000041667).epsilon(1e-9));
  REQUIRE(r.levers.size() == 5);
  CHECK(r.levers[0].first == "pc_actions_applied");
  CHECK(r.levers[0].second == 1);
  CHECK(r.levers[1].second == 1);  // one allocation completed
  CHECK(r.levers[4].first == "pc_cold_starts_while_allocating");
  CHECK(r.levers[4].second > 150);  // 2/s over 120 s of allocation: about 240
  CHECK(r.requests.served == r.requests.arrived);

  SECTION("a cut releases the environments at once and bills until then") {
    // Static 10 before the run, cut to 0 at 600 s: warm before, cold after; billed 10 x 1 GB x 600 s.
    doc["candidates"][0]["provisioned_concurrency"] = 10;
    doc["candidates"][0]["provisioned_concurrency_schedule"] = {
        {{"at_s", 600}, {"provisioned_concurrency", 0}}};
    const auto cut = simulate(scenario_from(doc));
    uint64_t early_cold = 0, late = 0, late_cold = 0;
    for (const auto& row : cut.rows[0]) {
      if (row.end_s <= 600) early_cold += row.counts.cold_starts;
      if (row.start_s >= 600) {
        late += row.counts.arrived;
        late_cold += row.counts.cold_starts;
      }
    }
    CHECK(early_cold == 0);
    CHECK(late_cold == late);
    double usd = -1;
    for (const auto& [k, v] : cut.results[0].cost_usd)
      if (k == "provisioned_usd") usd = v;
    CHECK(usd == Approx(10 * 1.0 * 600 * 0.0000041667).epsilon(1e-9));
  }
}

TEST_CASE("platforms::LambdaModel: a bad provisioned_concurrency_schedule is refused where it is") {
  auto doc = lambda_scenario(poisson(1, 10), 100, {});
  auto refused = [&](nlohmann::json schedule) {
    doc["candidates"][0]["provisioned_concurrency_schedule"] = std::move(schedule);
    try {
      simulate(scenario_from(doc));
    } catch (const servesim::InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(
      refused(
          {{{"at_s", 60}, {"provisioned_concurrency", 5}}, {{"at_s", 30}, {"provisioned_concurrency", 0}}}),
      Catch::Contains("/candidates/0/provisioned_concurrency_schedule/1/at_s: expected a time >= 0 s after "
                      "the previous action's, got 30"));
  CHECK_THAT(
      refused({{{"at_s", 60}, {"provisioned_concurrency", 2000}}}),
      Catch::Contains("/provisioned_concurrency_schedule/0/provisioned_concurrency: expected a whole number "
                      "0..1000 (at most the concurrency limit), got 2000"));
  CHECK_THAT(refused({{{"at", 60}}}),
             Catch::Contains("/provisioned_concurrency_schedule/0: expected an object"));
  CHECK_THAT(refused(5), Catch::Contains("/provisioned_concurrency_schedule: expected a list"));
}
