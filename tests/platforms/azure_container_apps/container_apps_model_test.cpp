// Azure Container Apps model against the documented behaviour (platforms/azure_container_apps/
// azure-container-apps.json) and hand calculations: billing, scale to zero, max replicas, cold starts and the
// GPU latency model on the serverless T4 and A100 profiles.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "platforms/fleet/gpu_catalog.hpp"
#include "platforms/model_factory.hpp"
#include "support/sim_harness.hpp"

using servesim::test::constant_ms;
using servesim::test::every_10_s;
using servesim::test::poisson;
using servesim::test::scenario_from;
using servesim::test::simulate;
using servesim::test::TempDir;
using servesim::test::trace_at;

namespace {

// A scenario with one Container Apps candidate; `run` adds or overrides candidate settings.
nlohmann::json aca_scenario(nlohmann::json workload, nlohmann::json service, nlohmann::json run) {
  return servesim::test::one_candidate_scenario({"azure-container-apps", "app", 11, 100}, std::move(workload),
                                                std::move(service), run);
}

// The documented rates (catalogue): active $0.000024/vCPU-s and $0.000003/GiB-s, idle $0.000003 for both,
// $0.40 per million requests.
constexpr double kVcpuActive = 0.000024, kGibActive = 0.000003, kVcpuIdle = 0.000003, kGibIdle = 0.000003;
constexpr double kAppsPerRequestUsd = 0.40e-6;

}  // namespace

TEST_CASE("platforms::ContainerAppsModel: per-second billing of an active replica, by hand") {
  TempDir dir;
  // One 1 s request every 10 s for 100 s on the default 0.5 vCPU / 1 GiB, no cold-start time: one replica
  // runs the whole 100 s (the 300 s cooldown never ends), all of it at the active rates because it is above
  // min_replicas 0: 100 replica-s x (0.5 x $0.000024 + 1 x $0.000003) + 10 requests x $0.40/1M
  // = $0.0015 + $0.000004.
  const auto doc =
      aca_scenario(trace_at(dir, every_10_s(), 100), {{"warm", constant_ms(1000)}}, nlohmann::json::object());
  const auto r = simulate(scenario_from(doc)).results.at(0);
  CHECK(r.requests.served == 10);
  CHECK(r.requests.cold_starts == 1);
  CHECK(r.cost_total_usd ==
        Approx(100 * (0.5 * kVcpuActive + 1 * kGibActive) + 10 * kAppsPerRequestUsd).epsilon(1e-9));
  CHECK(r.cost_total_usd == Approx(0.001504).epsilon(1e-9));
}

TEST_CASE(
    "platforms::ContainerAppsModel: a min replica is billed at the idle rates while it serves nothing") {
  TempDir dir;
  // min_replicas 1, same trace. The work is measured on 1 vCPU (reference_vcpu), so on 0.5 vCPU each request
  // takes 2 s. 100 replica-s at the idle rates (0.5 x $0.000003 + 1 x $0.000003 = $0.0000045/s), plus the
  // difference to the active rates for the 20 s it has a request (0.5 x $0.000021 + 1 x $0 = $0.0000105/s),
  // plus 10 requests: $0.00045 + $0.00021 + $0.000004 = $0.000664.
  const auto doc =
      aca_scenario(trace_at(dir, every_10_s(), 100), {{"warm", constant_ms(1000)}}, {{"min_replicas", 1}});
  const auto r = simulate(scenario_from(doc)).results.at(0);
  CHECK(r.requests.cold_starts == 0);
  CHECK(r.cost_total_usd ==
        Approx(100 * (0.5 * kVcpuIdle + 1 * kGibIdle) +
               20 * (0.5 * (kVcpuActive - kVcpuIdle) + 1 * (kGibActive - kGibIdle)) + 10 * kAppsPerRequestUsd)
            .epsilon(1e-9));
  CHECK(r.cost_total_usd == Approx(0.000664).epsilon(1e-9));
}

TEST_CASE("platforms::ContainerAppsModel: scale to zero after the cooldown period") {
  TempDir dir;
  // Requests at 0 s and 400 s (1 s of work on 1 vCPU, so 2 s on the default 0.5 vCPU; 0.5 s runtime init).
  // With the 300 s cooldown the first replica goes at 2.5 + 300 = 302.5 s, so the second request starts a
  // new one: two cold starts, and the replicas run 0..302.5 s and 400..500 s = 402.5 replica-s at the
  // active rates.
  auto doc = aca_scenario(trace_at(dir, {0, 400}, 500),
                          {{"warm", constant_ms(1000)}, {"cold_start", {{"runtime_init", constant_ms(500)}}}},
                          nlohmann::json::object());
  SECTION("cooldown 300 s (documented default): two cold starts, billed only while a replica runs") {
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.cold_starts == 2);
    CHECK(r.latency.mean_s() == Approx(2.5).margin(1e-3));
    CHECK(r.cost_total_usd ==
          Approx(402.5 * (0.5 * kVcpuActive + 1 * kGibActive) + 2 * kAppsPerRequestUsd).epsilon(1e-9));
  }
  SECTION("cooldown 600 s: the replica is still there at 400 s") {
    doc["candidates"][0]["cooldown_period_s"] = 600;
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.cold_starts == 1);
    CHECK(r.latency.max_s() == Approx(2.5).margin(1e-3));
  }
}

TEST_CASE("platforms::ContainerAppsModel: concurrent_requests per replica, new replicas up to max_replicas") {
  TempDir dir;
  SECTION("three simultaneous requests, concurrent_requests 1: three replicas, each a 0.5 s cold start") {
    // On 1 vCPU each request takes its 1 s alone, after its replica's 0.5 s cold start.
    const auto doc =
        aca_scenario(trace_at(dir, {0, 0, 0}),
                     {{"warm", constant_ms(1000)}, {"cold_start", {{"runtime_init", constant_ms(500)}}}},
                     {{"concurrent_requests", 1}, {"vcpu", 1}});
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.cold_starts == 3);
    CHECK(r.instances_peak == 3);
    CHECK(r.latency.max_s() == Approx(1.5).margin(1e-3));
  }
  SECTION("the default threshold 10: the three share one replica's 0.5 vCPU (processor sharing)") {
    // Each gets 0.5 / 3 vCPU: 1 s of work on 1 vCPU takes 6 s, after the 0.5 s cold start. All three
    // requests wait for that one cold start (each counts it).
    const auto doc =
        aca_scenario(trace_at(dir, {0, 0, 0}),
                     {{"warm", constant_ms(1000)}, {"cold_start", {{"runtime_init", constant_ms(500)}}}},
                     nlohmann::json::object());
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.instances_peak == 1);
    CHECK(r.latency.max_s() == Approx(0.5 + 6.0).margin(1e-3));
  }
  SECTION("at max_replicas requests wait for a slot, and fail at the ingress timeout") {
    // max_replicas 1, concurrent_requests 1, 5 s requests at 0, 0, 0 and a timeout of 8 s: the first is
    // served at 5 s, the second waits 5 s and is served at 10 s, the third has waited 8 s by then and times
    // out at 8 s.
    const auto doc = aca_scenario(trace_at(dir, {0, 0, 0}), {{"warm", constant_ms(5000)}},
                                  {{"min_replicas", 1},
                                   {"max_replicas", 1},
                                   {"concurrent_requests", 1},
                                   {"vcpu", 1},
                                   {"request_timeout_s", 8}});
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.served == 2);
    CHECK(r.requests.timed_out == 1);
    CHECK(r.requests.throttled == 0);
    CHECK(r.latency.max_s() == Approx(10.0).margin(1e-3));
  }
}

TEST_CASE("platforms::ContainerAppsModel: a GPU request from the calibrated roofline, by hand") {
  TempDir dir;
  SECTION("BERT-Large INT8 on the T4: compute-bound, equal to MLPerf's T4 single-stream 4.8125 ms") {
    // 246.93 GFLOP on 130 TOP/s INT8 (T4 datasheet) at the Turing transformer fit's efficiency 0.812:
    // 246.93e9 / (130e12 x 0.812) = 2.3392 ms > memory 334 MB / 320 GB/s = 1.0438 ms; + overhead 2.4733 ms
    // = 4.8125 ms, after the 5 s GPU allocation (estimated). No cold-start init or load is given.
    const auto doc = aca_scenario(trace_at(dir, {0}, 100), {{"warm", constant_ms(1000)}},
                                  {{"gpu", "nvidia-t4"},
                                   {"model_class", "transformer"},
                                   {"precision", "int8"},
                                   {"model_gflops_per_request", 246.93},
                                   {"model_weight_mb", 334}});
    const auto& fit = *servesim::platforms::gpu_catalog().fit_for("transformer", "turing");
    REQUIRE(fit.efficiency == Approx(0.812));
    REQUIRE(fit.overhead_ms == Approx(2.4733));
    const double gpu_s = 246.93e9 / (130e12 * 0.812) + 2.4733e-3;
    CHECK(gpu_s == Approx(4.8125e-3).epsilon(1e-3));
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.latency.mean_s() == Approx(5.0 + gpu_s).epsilon(1e-6));
    CHECK(r.latency_source == "calibrated");
    // GPU replicas are always billed at the active rates: the whole profile (8 vCPU, 56 GiB) for the
    // 100 s, plus the T4 at $0.75/h (estimated), plus one request.
    CHECK(r.cost_total_usd ==
          Approx(100 * (8 * kVcpuActive + 56 * kGibActive + 0.75 / 3600) + kAppsPerRequestUsd).epsilon(1e-9));
  }
  SECTION("ResNet-50 INT8 on the A100: 8.2 GFLOP, 25.6 MB at the Ampere cnn fit") {
    // compute 8.2e9 / (624e12 x 0.494) = 0.0266 ms > memory 25.6e6 / 2,039e9 = 0.0126 ms; + 0.4248 ms.
    const auto doc = aca_scenario(trace_at(dir, {0}, 100), {{"warm", constant_ms(1000)}},
                                  {{"gpu", "nvidia-a100"},
                                   {"model_class", "cnn"},
                                   {"precision", "int8"},
                                   {"model_gflops_per_request", 8.2},
                                   {"model_weight_mb", 25.6}});
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.latency.mean_s() == Approx(5.0 + 8.2e9 / (624e12 * 0.494) + 0.4248e-3).epsilon(1e-6));
    CHECK(r.latency_source == "calibrated");
  }
  SECTION("fp16 on the T4 is only an estimate (the fit is at int8)") {
    const auto doc =
        aca_scenario(trace_at(dir, {0}, 100), {{"warm", constant_ms(1000)}},
                     {{"gpu", "nvidia-t4"}, {"model_class", "transformer"}, {"precision", "fp16"}});
    CHECK(simulate(scenario_from(doc)).results.at(0).latency_source == "estimated");
  }
}

TEST_CASE("platforms::ContainerAppsModel: replica start = GPU allocation + image pull + model load") {
  TempDir dir;
  auto doc = [&](nlohmann::json run) {
    const nlohmann::json cold_start = {{"runtime_init", constant_ms(300)},
                                       {"model_load", constant_ms(700)},
                                       {"source", "image"},
                                       {"model_size_mb", 2000},
                                       {"package_mb", 500}};
    return aca_scenario(trace_at(dir, {0}, 100), {{"warm", constant_ms(100)}, {"cold_start", cold_start}},
                        std::move(run));
  };
  // The route's latency (4,194,304 / (2 x 85e6) = 24.7 ms, as for Cloud Run) is added to every fetch.
  const double route_s = 4194304.0 / (2 * 85e6);
  SECTION("T4: 5 s allocation + (2,000 + 500) MB image at 85 MB/s + 0.3 s init + 0.7 s load") {
    const auto r = simulate(scenario_from(doc({{"gpu", "nvidia-t4"}}))).results.at(0);
    const auto& p = r.cold_start_parts;
    REQUIRE(p.count == 1);
    CHECK(p.allocation_s == Approx(5.0));
    CHECK(p.init_s == Approx(0.3));
    CHECK(p.pull_s == Approx(2500 / 85.0 + route_s).epsilon(1e-6));
    CHECK(p.load_s == Approx(0.7));
    CHECK(p.fetched_mb == Approx(2500));
  }
  SECTION("artifact streaming pulls 85% of the image (up to 15% faster, estimated)") {
    const auto r =
        simulate(scenario_from(doc({{"gpu", "nvidia-t4"}, {"artifact_streaming", true}}))).results.at(0);
    CHECK(r.cold_start_parts.pull_s == Approx(0.85 * 2500 / 85.0 + route_s).epsilon(1e-6));
    CHECK(r.cold_start_parts.fetched_mb == Approx(2125));
  }
  SECTION("a CPU replica (1 vCPU, the reference) has no allocation part") {
    const auto r = simulate(scenario_from(doc({{"vcpu", 1}}))).results.at(0);
    CHECK(r.cold_start_parts.allocation_s == 0);
    CHECK(r.latency.mean_s() == Approx(0.3 + 2500 / 85.0 + route_s + 0.7 + 0.1).epsilon(1e-6));
  }
}

TEST_CASE("platforms::ContainerAppsModel: invalid combinations name the field and what was expected") {
  auto doc = aca_scenario(poisson(1, 10), {{"warm", constant_ms(10)}}, nlohmann::json::object());
  auto error_for = [&](nlohmann::json settings, nlohmann::json cold_start = nullptr) {
    auto d = doc;
    for (auto& [k, v] : settings.items()) d["candidates"][0][k] = v;
    if (!cold_start.is_null()) d["service"]["cold_start"] = cold_start;
    try {
      servesim::platforms::make_candidates(scenario_from(d));
    } catch (const servesim::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_for({{"vcpu", 0.3}}) ==
        "test-scenario.json: /candidates/0/vcpu: expected 0.25..4 vCPU in steps of 0.25 on the Consumption "
        "profile, got 0.3");
  CHECK(error_for({{"vcpu", 8}}) ==
        "test-scenario.json: /candidates/0/vcpu: expected 0.25..4 vCPU in steps of 0.25 on the Consumption "
        "profile, got 8");
  CHECK(error_for({{"vcpu", 1}, {"memory_gib", 4}}) ==
        "test-scenario.json: /candidates/0/memory_gib: expected 2 GiB with 1 vCPU (2 GiB per vCPU on the "
        "Consumption profile), got 4");
  CHECK(error_for({{"gpu", "nvidia-t4"}, {"vcpu", 16}}) ==
        "test-scenario.json: /candidates/0/vcpu: expected at most 8 vCPU with gpu nvidia-t4 "
        "(Consumption-GPU-NC8as-T4), got 16");
  CHECK(error_for({{"gpu", "nvidia-t4"}, {"memory_gib", 100}}) ==
        "test-scenario.json: /candidates/0/memory_gib: expected at most 56 GiB with gpu nvidia-t4 "
        "(Consumption-GPU-NC8as-T4), got 100");
  CHECK(error_for({{"gpu", "nvidia-t4"}, {"model_weight_mb", 20000}}) ==
        "test-scenario.json: /candidates/0/gpu: expected model weights that fit the NVIDIA T4's 16 GB (use "
        "nvidia-a100 or a smaller model), got 20,000 MB");
  CHECK_THAT(error_for({{"gpu", "nvidia-t4"}, {"precision", "fp8"}}),
             Catch::StartsWith("test-scenario.json: /candidates/0/precision: "));
  CHECK(error_for({{"min_replicas", 20}}) ==
        "test-scenario.json: /candidates/0/min_replicas: expected at most max_replicas (10), got 20");
  CHECK_THAT(error_for({{"max_replicas", 1001}}),
             Catch::StartsWith("test-scenario.json: /candidates/0/max_replicas: expected 1..1000"));
  CHECK_THAT(error_for({{"gpu", "nvidia-h100"}}),
             Catch::Contains(
                 "/candidates/0/gpu: expected one of none, nvidia-t4, nvidia-a100, got \"nvidia-h100\""));
  CHECK(error_for(nlohmann::json::object(), {{"source", "zip"}, {"model_size_mb", 100}}) ==
        "test-scenario.json: /candidates/0: Container Apps runs container images (source zip); use image, "
        "object-store or volume (an Azure Files mount)");
}

TEST_CASE("platforms::ContainerAppsModel: conservation and determinism") {
  const auto doc = aca_scenario(
      poisson(20, 300), {{"warm", constant_ms(200)}, {"cold_start", {{"runtime_init", constant_ms(800)}}}},
      {{"concurrent_requests", 4}, {"max_replicas", 20}});
  const auto a = simulate(scenario_from(doc));
  const auto b = simulate(scenario_from(doc));
  const auto& r = a.results[0];
  CHECK(r.requests.arrived == r.requests.served + r.requests.timed_out + r.requests.throttled);
  CHECK(b.results[0].latency.mean_s() == r.latency.mean_s());
  CHECK(b.results[0].cost_total_usd == r.cost_total_usd);
}
