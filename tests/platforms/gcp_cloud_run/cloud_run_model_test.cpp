// Google Cloud Run model against the documented behaviour (platforms/gcp_cloud_run/gcp-cloud-run.json),
// processor- sharing queueing theory and hand calculations.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "platforms/export.hpp"
#include "platforms/fleet/gpu_catalog.hpp"
#include "support/sim_harness.hpp"

using servesim::test::constant_ms;
using servesim::test::poisson;
using servesim::test::scenario_from;
using servesim::test::simulate;
using servesim::test::TempDir;
using servesim::test::trace_at;

namespace {

// A scenario with one Cloud Run candidate; `run` adds or overrides candidate settings.
nlohmann::json cloud_run_scenario(nlohmann::json workload, nlohmann::json service, nlohmann::json run) {
  return servesim::test::one_candidate_scenario({"gcp-cloud-run", "svc", 11, 100}, std::move(workload),
                                                std::move(service), run);
}

}  // namespace

TEST_CASE("platforms::CloudRunModel: concurrent requests share the instance's vCPUs (processor sharing)") {
  TempDir dir;
  // Two CPU-bound requests of 1 s (on 1 vCPU) arrive together on one warm instance with room for both.
  auto doc = cloud_run_scenario(trace_at(dir, {0, 0}), {{"warm", constant_ms(1000)}},
                                {{"min_instances", 1}, {"concurrency", 80}});
  SECTION("on 1 vCPU each gets half of it: both finish at 2 s") {
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.served == 2);
    CHECK(r.latency.mean_s() == Approx(2.0).margin(1e-3));
    CHECK(r.latency.max_s() == Approx(2.0).margin(1e-3));
  }
  SECTION("on 2 vCPU each gets one: both finish at 1 s") {
    doc["candidates"][0]["vcpu"] = 2;
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.latency.mean_s() == Approx(1.0).margin(1e-3));
    CHECK(r.latency.max_s() == Approx(1.0).margin(1e-3));
  }
  SECTION("a single request cannot use more than cpu_speedup(vcpu, p): Amdahl p = 0.5 on 4 vCPU") {
    doc = cloud_run_scenario(trace_at(dir, {0}), {{"warm", constant_ms(1000)}, {"parallel_fraction", 0.5}},
                             {{"min_instances", 1}, {"vcpu", 4}, {"memory_gib", 2}});
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.latency.mean_s() == Approx(0.5 + 0.5 / 4).margin(1e-3));  // (1 - p) + p / 4
  }
}

TEST_CASE("platforms::CloudRunModel: one instance with Poisson arrivals is M/G/1-PS, E[T] = E[S]/(1 - rho)") {
  // lambda = 5/s, E[S] = 0.1 s: rho = 0.5, E[T] = 0.2 s for any service distribution (PS is insensitive).
  // Tolerance 4%: about 4 batch-means standard errors at 100,000 requests.
  const double lambda = 5, mean_s = 0.1, duration_s = 20000;
  const nlohmann::json one_instance = {{"min_instances", 1}, {"max_instances", 1}, {"concurrency", 1000}};
  SECTION("exponential service (M/M/1-PS)") {
    const auto doc =
        cloud_run_scenario(poisson(lambda, duration_s),
                           {{"warm", {{"type", "exponential"}, {"mean_ms", mean_s * 1e3}}}}, one_instance);
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.served == r.requests.arrived);
    CHECK(r.latency.mean_s() == Approx(mean_s / (1 - lambda * mean_s)).epsilon(0.04));
  }
  SECTION("constant service (M/D/1-PS; FIFO would give 0.15 s)") {
    const auto doc =
        cloud_run_scenario(poisson(lambda, duration_s), {{"warm", constant_ms(mean_s * 1e3)}}, one_instance);
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.latency.mean_s() == Approx(mean_s / (1 - lambda * mean_s)).epsilon(0.04));
  }
}

TEST_CASE("platforms::CloudRunModel: at max instances requests queue up to 10 s, then get HTTP 429") {
  TempDir dir;
  auto doc = cloud_run_scenario(trace_at(dir, {0, 0}), {{"warm", constant_ms(1000)}},
                                {{"min_instances", 1}, {"max_instances", 1}, {"concurrency", 1}});
  SECTION("the second request waits for the first and is served after it") {
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.served == 2);
    CHECK(r.requests.queued == 1);
    CHECK(r.latency.max_s() == Approx(2.0).margin(1e-3));
    CHECK(r.latency.mean_s() == Approx(1.5).margin(1e-3));
  }
  SECTION("a wait beyond queue_timeout_s (10 s) ends in a 429") {
    doc["service"]["warm"] = constant_ms(11000);
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.served == 1);
    CHECK(r.requests.throttled == 1);
  }
  SECTION("a client that retries after the 429 is served once the instance is free") {
    doc["service"]["warm"] = constant_ms(11000);
    doc["client"] = {{"max_retries", 3}, {"backoff_base_ms", 2000}};
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.served == 2);
    CHECK(r.requests.retries == 1);
  }
}

TEST_CASE("platforms::CloudRunModel: a request finding no free slot starts a new instance at once") {
  TempDir dir;
  // Three simultaneous 1 s requests, concurrency 1: three instances, each a 0.5 s cold start.
  const auto doc =
      cloud_run_scenario(trace_at(dir, {0, 0, 0}),
                         {{"warm", constant_ms(1000)}, {"cold_start", {{"runtime_init", constant_ms(500)}}}},
                         {{"concurrency", 1}});
  const auto run = simulate(scenario_from(doc));
  const auto& r = run.results.at(0);
  CHECK(r.requests.cold_starts == 3);
  CHECK(r.instances_peak == 3);
  CHECK(r.latency.max_s() == Approx(1.5).margin(1e-3));
}

TEST_CASE("platforms::CloudRunModel: cold start = runtime init + model download (SimGrid) + model load") {
  TempDir dir;
  // 300 ms init + 85 MB at the 85 MB/s per-connection ceiling (1 s plus the route's latency, as for Lambda)
  // + 700 ms load + 100 ms service; with startup CPU boost (x2, unconfirmed) init and load take half.
  auto doc = cloud_run_scenario(
      trace_at(dir, {0}),
      {{"warm", constant_ms(100)},
       {"cold_start",
        {{"runtime_init", constant_ms(300)}, {"model_load", constant_ms(700)}, {"model_size_mb", 85}}}},
      nlohmann::json::object());
  const double download_s = 1.0247;  // 85 MB / 85 MB/s + TCP latency of the route
  CHECK(simulate(scenario_from(doc)).results[0].latency.mean_s() ==
        Approx(0.3 + download_s + 0.7 + 0.1).margin(2e-3));
  doc["candidates"][0]["startup_cpu_boost"] = true;
  CHECK(simulate(scenario_from(doc)).results[0].latency.mean_s() ==
        Approx(0.15 + download_s + 0.35 + 0.1).margin(2e-3));
}

TEST_CASE("platforms::CloudRunModel: idle instances go after the idle timeout, min instances never") {
  TempDir dir;
  // Requests at 0 s and 2,000 s, 1 s each, 0.5 s cold start: the first instance is idle from 1.5 s.
  auto doc =
      cloud_run_scenario(trace_at(dir, {0, 2000}),
                         {{"warm", constant_ms(1000)}, {"cold_start", {{"runtime_init", constant_ms(500)}}}},
                         nlohmann::json::object());
  SECTION("removed 900 s (15 min) after its last request: the second request is a cold start") {
    const auto run = simulate(scenario_from(doc));
    const auto& rows = run.rows[0];
    CHECK(run.results[0].requests.cold_starts == 2);
    REQUIRE(rows.size() >= 11);
    CHECK(rows[8].idle_mean == Approx(1.0));                      // 800-900 s: still there
    CHECK(rows[9].idle_mean == Approx(0.015).margin(1e-6));       // removed at 901.5 s
    CHECK(rows[10].idle_mean + rows[10].busy_mean == Approx(0));  // 1,000-1,100 s: none
  }
  SECTION("a shorter idle_timeout_s removes it sooner") {
    doc["candidates"][0]["idle_timeout_s"] = 200;
    const auto run = simulate(scenario_from(doc));
    CHECK(run.rows[0][1].idle_mean == Approx(1.0));
    CHECK(run.rows[0][2].idle_mean == Approx(0.015).margin(1e-6));  // removed at 201.5 s
  }
  SECTION("min_instances: the instance is kept and both requests are warm") {
    doc["candidates"][0]["min_instances"] = 1;
    const auto run = simulate(scenario_from(doc));
    CHECK(run.results[0].requests.cold_starts == 0);
    CHECK(run.rows[0][10].idle_mean == Approx(1.0));
    CHECK(run.rows[0][19].idle_mean + run.rows[0][19].busy_mean == Approx(1.0));
  }
}

TEST_CASE("platforms::CloudRunModel: the autoscaler keeps CPU near 60% of the instances' vCPUs") {
  // 27 requests/s x 0.1 s of CPU = 2.7 vCPU in use; desired = ceil(2.7 / 0.6) = 5 one-vCPU instances.
  const auto doc = cloud_run_scenario(
      poisson(27, 1200), {{"warm", {{"type", "exponential"}, {"mean_ms", 100}}}}, {{"idle_timeout_s", 30}});
  const auto run = simulate(scenario_from(doc));
  const auto& rows = run.rows[0];
  // After the first minutes, 5 instances are active (standby ones idle out within 30 s).
  double instances = 0;
  for (size_t i = 3; i < 12; ++i) instances += rows[i].busy_mean + rows[i].idle_mean;
  CHECK(instances / 9 == Approx(5.0).margin(0.5));
}

TEST_CASE("platforms::CloudRunModel: request-based and instance-based billing, by hand") {
  TempDir dir;
  // One 1 s request every 10 s for 100 s on 1 vCPU / 0.5 GiB, no cold-start time: one instance serves all.
  std::vector<double> times;
  for (int k = 0; k < 10; ++k) times.push_back(10.0 * k);
  auto doc = cloud_run_scenario(trace_at(dir, times, 100), {{"warm", constant_ms(1000)}},
                                {{"vcpu", 1}, {"memory_gib", 0.5}});
  SECTION("request-based: 10 s busy x ($0.000024 + 0.5 x $0.0000025) + 10 x $0.40/1M") {
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.served == 10);
    CHECK(r.cost_total_usd == Approx(10 * (0.000024 + 0.5 * 0.0000025) + 10 * 0.40e-6).epsilon(1e-9));
  }
  SECTION("instance-based: 100 s lifetime x ($0.000018 + 0.5 x $0.000002), no request fee") {
    doc["candidates"][0]["billing"] = "instance";
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.cost_total_usd == Approx(100 * (0.000018 + 0.5 * 0.000002)).epsilon(1e-9));
  }
  SECTION("request-based with 2 minimum instances: idle ones are billed at the idle rates") {
    // The requests never overlap, so one of the 2 minimum instances serves each while the other idles:
    // idle = 2 x 100 s - 10 s busy = 190 instance-s at ($0.0000025 + 0.5 x $0.0000025) (run/pricing,
    // unconfirmed), on top of the active charges of the first section.
    doc["candidates"][0]["min_instances"] = 2;
    const auto r = simulate(scenario_from(doc)).results.at(0);
    const double active = 10 * (0.000024 + 0.5 * 0.0000025) + 10 * 0.40e-6;
    const double idle = 190 * (0.0000025 + 0.5 * 0.0000025);
    CHECK(r.cost_total_usd == Approx(active + idle).epsilon(1e-9));
    double idle_category = -1;
    for (const auto& [name, usd] : r.cost_usd)
      if (name == "idle_min_instances_usd") idle_category = usd;
    CHECK(idle_category == Approx(idle).epsilon(1e-9));
  }
  SECTION("instance-based with 2 minimum instances: both billed for their lifetime, no idle charge on top") {
    doc["candidates"][0]["billing"] = "instance";
    doc["candidates"][0]["min_instances"] = 2;
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.cost_total_usd == Approx(2 * 100 * (0.000018 + 0.5 * 0.000002)).epsilon(1e-9));
  }
}

TEST_CASE("platforms::CloudRunModel: NVIDIA L4 instances") {
  TempDir dir;
  // One request: ~5 s GPU instance start, then warm time / gpu_speedup_estimate on the GPU.
  auto doc = cloud_run_scenario(
      trace_at(dir, {0}, 100), {{"warm", constant_ms(1000)}},
      {{"gpu", "nvidia-l4"}, {"vcpu", 4}, {"memory_gib", 16}, {"gpu_speedup_estimate", 10}});
  const auto r = simulate(scenario_from(doc)).results.at(0);
  CHECK(r.latency.mean_s() == Approx(5.0 + 0.1).margin(1e-3));
  // Instance-based billing for the 100 s run: 4 vCPU, 16 GiB and the GPU, by default with zonal redundancy
  // ($0.0002909 per GPU-second = $1.04724/h, unconfirmed).
  CHECK(r.cost_total_usd == Approx(100 * (4 * 0.000018 + 16 * 0.000002 + 0.0002909)).epsilon(1e-9));
  CHECK(r.latency_source == "estimated");  // the user's speed-up factor
  SECTION("without zonal redundancy the L4 costs $0.67/h (unconfirmed)") {
    doc["candidates"][0]["gpu_zonal_redundancy"] = false;
    const auto r2 = simulate(scenario_from(doc)).results.at(0);
    CHECK(r2.cost_total_usd == Approx(100 * (4 * 0.000018 + 16 * 0.000002 + 0.67 / 3600)).epsilon(1e-9));
  }
}

TEST_CASE(
    "platforms::CloudRunModel: NVIDIA RTX PRO 6000 instances, priced with and without zonal redundancy") {
  TempDir dir;
  // One request at t = 0 in a 100 s run on the smallest documented RTX PRO 6000 instance (20 vCPU, 80 GiB,
  // run/docs/configuring/services/gpu): ~5 s GPU instance start, then 1 s / 10 (the user's factor).
  auto doc = cloud_run_scenario(
      trace_at(dir, {0}, 100), {{"warm", constant_ms(1000)}},
      {{"gpu", "nvidia-rtx-pro-6000"}, {"vcpu", 20}, {"memory_gib", 80}, {"gpu_speedup_estimate", 10}});
  // Per instance-second (Tier 1 instance-based, run/pricing as quoted, unconfirmed):
  //   CPU 20 x $0.000018 = $0.00036, memory 80 x $0.000002 = $0.00016,
  //   GPU $0.00056913 with zonal redundancy (the default) or $0.00036522 without.
  //   => $0.00108913 and $0.00088522 per instance-second; the instance lives the whole 100 s run.
  SECTION("zonal redundancy on (Cloud Run's default): $0.00108913 per instance-second") {
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.latency.mean_s() == Approx(5.0 + 0.1).margin(1e-3));
    CHECK(r.cost_total_usd == Approx(100 * 0.00108913).epsilon(1e-9));
  }
  SECTION("zonal redundancy off: $0.00088522 per instance-second") {
    doc["candidates"][0]["gpu_zonal_redundancy"] = false;
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.cost_total_usd == Approx(100 * 0.00088522).epsilon(1e-9));
  }
}

TEST_CASE(
    "platforms::CloudRunModel: the RTX PRO 6000 latency rests on an estimate (no Blackwell MLPerf fit)") {
  TempDir dir;
  // BERT-Large in INT8 (246.93 GFLOP, 334 MB): on the L4 this is calibrated (the Ada fit); Blackwell has no
  // MLPerf result in platforms/fleet/gpus.json, so the RTX PRO 6000 borrows the Ada fit and is estimated even
  // at int8. Compute time 246.93e9 / (1,000e12 x e_ada) = 0.2301 ms for the Ada fit's e = 1.073 (INT8 peak
  // derived, unconfirmed) is above the memory time 334e6 / 1,792e9 = 0.1864 ms, so one request takes the
  // compute time + the Ada overhead.
  auto doc = cloud_run_scenario(trace_at(dir, {0}, 100), {{"warm", constant_ms(1000)}},
                                {{"gpu", "nvidia-rtx-pro-6000"},
                                 {"vcpu", 20},
                                 {"memory_gib", 80},
                                 {"model_class", "transformer"},
                                 {"precision", "int8"},
                                 {"model_gflops_per_request", 246.93},
                                 {"model_weight_mb", 334}});
  const auto& catalog = servesim::platforms::gpu_catalog();
  REQUIRE(catalog.stand_in_for("blackwell") != nullptr);
  const auto& ada = *catalog.fit_for("transformer", "ada");
  REQUIRE(246.93e9 / (1000e12 * ada.efficiency) > 334e6 / 1792e9);
  const auto r = simulate(scenario_from(doc)).results.at(0);
  CHECK(r.latency.mean_s() ==
        Approx(5.0 + 246.93e9 / (1000e12 * ada.efficiency) + ada.overhead_ms / 1e3).epsilon(1e-6));
  CHECK(r.latency_source == "estimated");
  SECTION("the same workload on the L4 is calibrated") {
    doc["candidates"][0]["gpu"] = "nvidia-l4";
    doc["candidates"][0]["vcpu"] = 8;
    doc["candidates"][0]["memory_gib"] = 32;
    CHECK(simulate(scenario_from(doc)).results.at(0).latency_source == "calibrated");
  }
}

TEST_CASE("platforms::CloudRunModel: the L4 runs the GPU latency model when no factor is given") {
  TempDir dir;
  // BERT-Large in INT8 (246.93 GFLOP, 334 MB) on the L4 (242.5 TOP/s INT8, 300 GB/s, NVIDIA datasheet),
  // model class transformer: compute 246.93e9 / (242.5e12 x e) with the Ada transformer fit's e (> 1, see
  // docs/models/gpu-latency.md) is below the memory time 334e6 / 300e9 = 1.1133 ms, so one request takes
  // 1.1133 ms + the fitted overhead, after the ~5 s GPU instance start. The 1 s CPU warm time is not used.
  auto doc = cloud_run_scenario(trace_at(dir, {0}, 100), {{"warm", constant_ms(1000)}},
                                {{"gpu", "nvidia-l4"},
                                 {"vcpu", 4},
                                 {"memory_gib", 16},
                                 {"model_class", "transformer"},
                                 {"precision", "int8"},
                                 {"model_gflops_per_request", 246.93},
                                 {"model_weight_mb", 334}});
  const auto& fit = *servesim::platforms::gpu_catalog().fit_for("transformer", "ada");
  REQUIRE(246.93e9 / (242.5e12 * fit.efficiency) < 334e6 / 300e9);
  const auto r = simulate(scenario_from(doc)).results.at(0);
  CHECK(r.latency.mean_s() == Approx(5.0 + 334e6 / 300e9 + fit.overhead_ms / 1e3).epsilon(1e-6));
  CHECK(r.latency_source == "calibrated");
  SECTION("at fp16 the same fit is only an estimate") {
    doc["candidates"][0]["precision"] = "fp16";
    CHECK(simulate(scenario_from(doc)).results.at(0).latency_source == "estimated");
  }
}

TEST_CASE("platforms::CloudRunModel: bad settings name the field and the allowed range") {
  auto doc = cloud_run_scenario(poisson(1, 10), {{"warm", constant_ms(10)}}, nlohmann::json::object());
  auto error_for = [&](nlohmann::json settings) {
    auto d = doc;
    for (auto& [k, v] : settings.items()) d["candidates"][0][k] = v;
    const auto sc = scenario_from(d);
    try {
      servesim::platforms::make_candidates(sc);
    } catch (const servesim::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error_for({{"memory_gib", 40}}),
             Catch::Contains("/candidates/0/memory_gib: expected 0.125..32 GiB, got 40"));
  CHECK_THAT(error_for({{"concurrency", 0}}), Catch::Contains("/candidates/0/concurrency: expected 1..1000"));
  CHECK_THAT(error_for({{"gpu", "nvidia-h100"}}),
             Catch::Contains("/candidates/0/gpu: expected one of none, nvidia-l4, nvidia-rtx-pro-6000, got "
                             "\"nvidia-h100\""));
  CHECK_THAT(error_for({{"memory_gib", 8}}),
             Catch::Contains("/candidates/0/memory_gib: expected 0.125..4 GiB with 1 vCPU, got 8"));
  CHECK_THAT(error_for({{"vcpu", 3}}),
             Catch::Contains("/candidates/0/vcpu: expected 0.08..1 vCPU or one of 2, 4, 6, 8"));
  CHECK_THAT(error_for({{"gpu", "nvidia-l4"}, {"vcpu", 2}}),
             Catch::Contains("/candidates/0/vcpu: expected at least 4 vCPU with gpu nvidia-l4, got 2"));
  // The RTX PRO 6000 needs at least 20 vCPU and 80 GiB (run/docs/configuring/services/gpu).
  CHECK_THAT(
      error_for({{"gpu", "nvidia-rtx-pro-6000"}, {"vcpu", 8}, {"memory_gib", 32}}),
      Catch::Contains("/candidates/0/vcpu: expected at least 20 vCPU with gpu nvidia-rtx-pro-6000, got 8"));
  CHECK_THAT(error_for({{"gpu", "nvidia-rtx-pro-6000"}, {"vcpu", 20}, {"memory_gib", 64}}),
             Catch::Contains(
                 "/candidates/0/memory_gib: expected at least 80 GiB with gpu nvidia-rtx-pro-6000, got 64"));
  CHECK_THAT(
      error_for({{"gpu", "nvidia-rtx-pro-6000"}, {"vcpu", 20.5}, {"memory_gib", 80}}),
      Catch::Contains("/candidates/0/vcpu: expected whole vCPUs with gpu nvidia-rtx-pro-6000, got 20.5"));
  CHECK(error_for({{"gpu", "nvidia-rtx-pro-6000"}, {"vcpu", 20}, {"memory_gib", 80}}) == "no error");
  // Without it the documented table still ends at 8 vCPU and 32 GiB.
  CHECK_THAT(error_for({{"vcpu", 20}, {"memory_gib", 80}}),
             Catch::Contains("/candidates/0/vcpu: expected 0.08..8 vCPU, got 20 (more only with gpu "
                             "nvidia-rtx-pro-6000)"));
  CHECK_THAT(error_for({{"gpu", "nvidia-l4"}, {"vcpu", 8}, {"memory_gib", 80}}),
             Catch::Contains("/candidates/0/memory_gib: expected 0.125..32 GiB, got 80"));
  CHECK_THAT(error_for({{"vcpu", 0.5}, {"concurrency", 4}}),
             Catch::Contains("/candidates/0/concurrency: expected 1 below 1 vCPU"));
  CHECK_THAT(error_for({{"min_instances", 5}, {"max_instances", 2}}),
             Catch::Contains("/candidates/0/min_instances: expected at most max_instances (2), got 5"));
}

TEST_CASE("platforms::CloudRunModel: conservation and determinism") {
  // Overloaded: 3 instances x concurrency 4 on 1 vCPU, 60 requests/s of 0.1 s, short request timeout and
  // client retries: some requests are served, some time out, some are throttled.
  auto doc = cloud_run_scenario(poisson(60, 300),
                                {{"warm", {{"type", "lognormal"}, {"mean_ms", 100}, {"p99_ms", 600}}},
                                 {"cold_start", {{"runtime_init", constant_ms(800)}}}},
                                {{"max_instances", 3}, {"concurrency", 4}, {"request_timeout_s", 1}});
  doc["client"] = {{"max_retries", 2}};
  const auto sc = scenario_from(doc);
  const auto a = simulate(sc);
  const auto b = simulate(sc);
  const auto& q = a.results[0].requests;
  CHECK(q.throttled > 0);
  CHECK(q.timed_out > 0);
  CHECK(q.served + q.timed_out + q.throttled + q.dropped == q.arrived);
  const auto& q2 = b.results[0].requests;
  CHECK(q2.served == q.served);
  CHECK(q2.timed_out == q.timed_out);
  CHECK(q2.throttled == q.throttled);
  CHECK(q2.retries == q.retries);
  CHECK(b.results[0].latency.mean_s() == a.results[0].latency.mean_s());
  CHECK(b.results[0].cost_total_usd == a.results[0].cost_total_usd);
}

TEST_CASE("platforms::CloudRunModel: where the model lives (service.cold_start.source)") {
  TempDir dir;
  auto doc = [&](nlohmann::json cold_start, nlohmann::json run) {
    cold_start["runtime_init"] = constant_ms(300);
    cold_start["model_load"] = constant_ms(700);
    return cloud_run_scenario(trace_at(dir, {0}, 100),
                              {{"warm", constant_ms(100)}, {"cold_start", cold_start}}, std::move(run));
  };
  SECTION("image on an L4: ~5 s GPU start (allocation), then the image pulled at 85 MB/s (unconfirmed)") {
    // Image = 2,000 MB model + 1 x 500 MB code (image_read_fraction 1, estimated) = 2,500 MB at 85 MB/s =
    // 29.41 s, plus the route latency 4,194,304 / (2 x 85e6) = 24.7 ms.
    const auto r =
        simulate(scenario_from(doc({{"source", "image"}, {"model_size_mb", 2000}, {"package_mb", 500}},
                                   {{"gpu", "nvidia-l4"}, {"vcpu", 4}, {"memory_gib", 16}})))
            .results.at(0);
    const auto& p = r.cold_start_parts;
    REQUIRE(p.count == 1);
    CHECK(p.allocation_s == Approx(5.0));
    CHECK(p.init_s == Approx(0.3));
    CHECK(p.pull_s == Approx(2500 / 85.0 + 4194304.0 / (2 * 85e6)).epsilon(1e-6));
    CHECK(p.download_s == 0);
    CHECK(p.fetched_mb == Approx(2500));
  }
  SECTION("object-store: the download lands in the in-memory file system, which must hold it") {
    // 20,000 MB > 16 GiB = 17,179.9 MB.
    CHECK_THROWS_WITH(simulate(scenario_from(doc({{"source", "object-store"}, {"model_size_mb", 20000}},
                                                 {{"gpu", "nvidia-l4"}, {"vcpu", 4}, {"memory_gib", 16}}))),
                      "test-scenario.json: /candidates/0/memory_gib: 16 GiB cannot hold the model downloaded "
                      "into Cloud Run's "
                      "in-memory file system: 20,000 MB (source object-store); give more memory_gib, or use "
                      "volume or image");
    // A volume mount (Cloud Storage FUSE) needs no in-memory copy.
    CHECK_NOTHROW(simulate(scenario_from(doc({{"source", "volume"}, {"model_size_mb", 20000}},
                                             {{"gpu", "nvidia-l4"}, {"vcpu", 4}, {"memory_gib", 16}}))));
  }
  SECTION("the L4 holds 24 GB of weights (NVIDIA's datasheet, platforms/fleet/gpus.json)") {
    CHECK_NOTHROW(simulate(scenario_from(doc({{"source", "volume"}, {"model_size_mb", 23900}},
                                             {{"gpu", "nvidia-l4"}, {"vcpu", 8}, {"memory_gib", 32}}))));
    CHECK_THROWS_WITH(
        simulate(scenario_from(doc({{"source", "volume"}, {"model_size_mb", 24100}},
                                   {{"gpu", "nvidia-l4"}, {"vcpu", 8}, {"memory_gib", 32}}))),
        "test-scenario.json: /candidates/0/gpu: expected model weights that fit the NVIDIA L4's 24 GB "
        "(use nvidia-rtx-pro-6000 (96 GB), a smaller model, or another platform), got 24,100 MB");
  }
  SECTION("the RTX PRO 6000 holds 96 GB of weights (Cloud Run's GPU page); a 100 GB model is refused") {
    CHECK_NOTHROW(
        simulate(scenario_from(doc({{"source", "volume"}, {"model_size_mb", 95900}},
                                   {{"gpu", "nvidia-rtx-pro-6000"}, {"vcpu", 20}, {"memory_gib", 80}}))));
    CHECK_THROWS_WITH(
        simulate(scenario_from(doc({{"source", "volume"}, {"model_size_mb", 100000}},
                                   {{"gpu", "nvidia-rtx-pro-6000"}, {"vcpu", 20}, {"memory_gib", 80}}))),
        "test-scenario.json: /candidates/0/gpu: expected model weights that fit the NVIDIA RTX PRO "
        "6000 Blackwell Server Edition's 96 GB (Cloud Run's largest GPU: a smaller model, or another "
        "platform), got 100,000 MB");
  }
  SECTION("zip, layer and efs are not Cloud Run packagings") {
    CHECK_THROWS_WITH(
        simulate(scenario_from(doc({{"source", "efs"}, {"model_size_mb", 100}}, {{"vcpu", 1}}))),
        "test-scenario.json: /candidates/0: Cloud Run runs container images (source efs); use image, "
        "object-store or volume (a Cloud Storage mount)");
  }
}

TEST_CASE("platforms::cloud-run export: the GPU type and zonal redundancy as Cloud Run names them") {
  const auto* format = servesim::platforms::find_export_format("gcp-cloud-run", "cloud-run");
  REQUIRE(format);
  servesim::platforms::ExportRequest request;
  request.candidate = "rtx";
  request.platform = "gcp-cloud-run";
  request.settings = {{"gpu", "nvidia-rtx-pro-6000"}, {"vcpu", 20},       {"memory_gib", 80},
                      {"billing", "instance"},        {"concurrency", 4}, {"gpu_zonal_redundancy", true}};
  // --gpu-type nvidia-rtx-pro-6000 (run/docs/configuring/services/gpu): the accelerator node selector.
  std::string yaml = format->write(request).at(0).text;
  CHECK_THAT(yaml, Catch::Contains("run.googleapis.com/accelerator: \"nvidia-rtx-pro-6000\""));
  CHECK_THAT(yaml, Catch::Contains("nvidia.com/gpu: \"1\""));
  CHECK_THAT(yaml, !Catch::Contains("gpu-zonal-redundancy-disabled"));  // on by default
  request.settings["gpu_zonal_redundancy"] = false;
  yaml = format->write(request).at(0).text;
  CHECK_THAT(yaml, Catch::Contains("run.googleapis.com/gpu-zonal-redundancy-disabled: \"true\""));
}

TEST_CASE(
    "platforms::CloudRunModel: a startup probe gates an instance's readiness and shuts down slow starts") {
  TempDir dir;
  // A fresh service (no minimum instance), 1 vCPU; the model loads in 23 s, a request takes 100 ms.
  const nlohmann::json service = {{"warm", constant_ms(100)},
                                  {"cold_start", {{"model_load", constant_ms(23000)}}}};
  auto lever = [](const servesim::sim::CandidateResult& r, const std::string& name) {
    for (const auto& [k, v] : r.levers)
      if (k == name) return v;
    return -1.0;
  };
  SECTION("without a configured probe (Cloud Run's default TCP probe waits for the port): 23.1 s") {
    const auto r =
        simulate(scenario_from(cloud_run_scenario(trace_at(dir, {0}), service, {{"vcpu", 1}}))).results.at(0);
    CHECK(r.latency.max_s() == Approx(23.1).margin(1e-3));
    CHECK(r.levers.empty());
  }
  SECTION("period 10 s: probes at 10, 20, 30 s; ready at 30 s, the request ends at 30.1 s") {
    const auto r =
        simulate(scenario_from(cloud_run_scenario(trace_at(dir, {0}), service,
                                                  {{"vcpu", 1}, {"startup_probe", {{"period_s", 10}}}})))
            .results.at(0);
    CHECK(r.requests.served == 1);
    CHECK(r.latency.max_s() == Approx(30.1).margin(1e-3));
    CHECK(lever(r, "startup_probe_passed") == 1);
    CHECK(lever(r, "startup_probe_wait_s") == Approx(7));
  }
  SECTION("failure threshold 2: shut down at 20 s, its requests dropped; every arrival accounted for") {
    // Requests at 0 and 5 s wait for the first instance (shut down at 20 s); the one at 25 s starts another
    // (shut down at 45 s).
    const auto r =
        simulate(scenario_from(cloud_run_scenario(
                     trace_at(dir, {0, 5, 25}), service,
                     {{"vcpu", 1}, {"startup_probe", {{"period_s", 10}, {"failure_threshold", 2}}}})))
            .results.at(0);
    CHECK(r.requests.served == 0);
    CHECK(r.requests.dropped == 3);
    CHECK(lever(r, "startup_probe_kills") >= 2);
    CHECK(lever(r, "startup_probe_dropped") == 3);
    CHECK(lever(r, "startup_probe_passed") == 0);
  }
  SECTION("Cloud Run's limits: failure_threshold x period_s at most 240 s") {
    try {
      simulate(scenario_from(cloud_run_scenario(
          trace_at(dir, {0}), service, {{"startup_probe", {{"period_s", 100}, {"failure_threshold", 3}}}})));
      FAIL("accepted");
    } catch (const servesim::InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains("/candidates/0/startup_probe/failure_threshold: expected "
                                           "failure_threshold x period_s of at most 240 s, got 300 s"));
    }
  }
}
