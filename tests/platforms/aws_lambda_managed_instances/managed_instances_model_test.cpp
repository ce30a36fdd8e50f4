// AWS Lambda Managed Instances model against the documented behaviour
// (platforms/aws_lambda_managed_instances/ aws-lambda-managed-instances.json) and hand calculations:
// instance-hour billing with the 15% management fee and the request charge, multi-concurrency sharing an
// instance's vCPUs, throttling beyond the running capacity, and scale-out that waits for an instance start.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "platforms/catalog.hpp"
#include "platforms/model_factory.hpp"
#include "support/sim_harness.hpp"

using servesim::test::constant_ms;
using servesim::test::scenario_from;
using servesim::test::simulate;
using servesim::test::TempDir;
using servesim::test::trace_at;

namespace {

nlohmann::json lmi_scenario(nlohmann::json workload, nlohmann::json service, nlohmann::json run) {
  return servesim::test::one_candidate_scenario({"aws-lambda-managed-instances", "lmi", 5, 60},
                                                std::move(workload), std::move(service), run);
}

// Documented rates (catalogue): m7g.xlarge $0.1632/h on demand, management fee 15% of it, $0.20 per million
// requests, no duration charge.
constexpr double kInstancePerHour = 0.1632, kFee = 0.15, kManagedPerRequest = 0.20e-6;

// No start-up time beyond the instance start: no runtime init, no model to fetch or load.
nlohmann::json quick_service(double warm_ms) {
  return {{"warm", constant_ms(warm_ms)},
          {"cold_start",
           {{"runtime_init", constant_ms(0)}, {"model_load", constant_ms(0)}, {"model_size_mb", 0}}}};
}

std::vector<double> every_s(double step_s, double until_s) {
  std::vector<double> t;
  for (double x = 0; x < until_s - 1e-9; x += step_s) t.push_back(x);
  return t;
}

}  // namespace

TEST_CASE("platforms::ManagedInstancesModel: an hour of the three default instances, by hand") {
  TempDir dir;
  // One 100 ms request every 10 s for an hour: far below any scaling target, so the three instances Lambda
  // launches by default run the whole hour and no other starts. Cost = instances x hours x on-demand price x
  // (1 + 15% fee) + requests x $0.20/1M = 3 x 1 x 0.1632 x 1.15 + 360 x 0.2e-6 = 0.56304 + 0.000072.
  const auto doc =
      lmi_scenario(trace_at(dir, every_s(10, 3600), 3600), quick_service(100), nlohmann::json::object());
  const auto r = simulate(scenario_from(doc)).results.at(0);
  CHECK(r.requests.served == 360);
  CHECK(r.requests.cold_starts == 0);  // no per-request cold start
  CHECK(r.cost_total_usd ==
        Approx(3 * kInstancePerHour * (1 + kFee) + 360 * kManagedPerRequest).epsilon(1e-9));
  CHECK(r.cost_total_usd == Approx(0.563112).epsilon(1e-9));

  SECTION("a Savings Plan discounts the EC2 part only; the fee stays on the on-demand price") {
    // 28% off the EC2 part: 3 x 0.1632 x (0.72 + 0.15) + 0.000072 = 0.425952 + 0.000072.
    const auto d = lmi_scenario(trace_at(dir, every_s(10, 3600), 3600), quick_service(100),
                                {{"ec2_discount_fraction", 0.28}});
    const auto s = simulate(scenario_from(d)).results.at(0);
    CHECK(s.cost_total_usd == Approx(0.426024).epsilon(1e-9));
  }
}

TEST_CASE("platforms::ManagedInstancesModel: concurrent requests on one environment share its vCPUs") {
  TempDir dir;
  // One instance of 4 vCPU holding one 4-vCPU environment (function_vcpu 4), 16 requests at once at most.
  // Each request is 1 s of serial work (parallel_fraction 0) on 1 vCPU. n requests arriving together each
  // get 4/n vCPU: 4 requests finish after 1 s (one vCPU each), 8 after 2 s (half a vCPU each).
  const nlohmann::json one_env = {{"function_vcpu", 4}, {"min_instances", 1}, {"max_vcpu_count", 4}};
  SECTION("4 requests: 1 s each") {
    const auto doc =
        lmi_scenario(trace_at(dir, std::vector<double>(4, 0.0), 60), quick_service(1000), one_env);
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.served == 4);
    CHECK(r.latency.max_s() == Approx(1.0).epsilon(1e-6));
  }
  SECTION("8 requests: 2 s each") {
    const auto doc =
        lmi_scenario(trace_at(dir, std::vector<double>(8, 0.0), 60), quick_service(1000), one_env);
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.served == 8);
    CHECK(r.latency.mean_s() == Approx(2.0).epsilon(1e-6));
    CHECK(r.latency.max_s() == Approx(2.0).epsilon(1e-6));
  }
}

TEST_CASE(
    "platforms::ManagedInstancesModel: requests beyond the running capacity are throttled, not "
    "cold-started") {
  TempDir dir;
  // One instance, one environment of 4 vCPU with at most 2 requests at once (capacity 2). 5 requests of 10 s
  // at t = 0: 2 are served; the other 3 find no free slot and, since Lambda never starts an instance for a
  // request, are throttled (the client does not retry by default).
  const auto doc = lmi_scenario(trace_at(dir, std::vector<double>(5, 0.0), 60), quick_service(10000),
                                {{"function_vcpu", 4},
                                 {"per_environment_max_concurrency", 2},
                                 {"min_instances", 1},
                                 {"max_vcpu_count", 4}});
  const auto r = simulate(scenario_from(doc)).results.at(0);
  CHECK(r.requests.served == 2);
  CHECK(r.requests.throttled == 3);
  CHECK(r.requests.cold_starts == 0);
}

TEST_CASE("platforms::ManagedInstancesModel: scale-out waits for the instance start") {
  TempDir dir;
  // min 1, at most 2 instances (8 vCPU / 4), 2 requests per instance. Two requests of 500 s at t = 0 fill
  // the first instance: in flight 2 = 2 / (0.8 x 2) = 1.25 instances wanted, so the first scaling tick
  // (t = 60 s) starts a second instance, serving at 60 + 120 s (instance_start_s) = 180 s. A request at
  // t = 100 s finds no ready slot and is throttled; one at t = 200 s is served by the new instance in 1,000
  // s.
  const auto doc = lmi_scenario(trace_at(dir, {0, 0, 100, 200}, 800), quick_service(5e5),
                                {{"function_vcpu", 4},
                                 {"per_environment_max_concurrency", 2},
                                 {"min_instances", 1},
                                 {"max_vcpu_count", 8}});
  const auto r = simulate(scenario_from(doc)).results.at(0);
  CHECK(r.requests.throttled == 1);
  CHECK(r.requests.served == 3);
  CHECK(r.requests.cold_starts == 0);  // no request ever waits for an instance start
  CHECK(r.instances_peak == 2);
  CHECK(r.latency.max_s() == Approx(500).epsilon(1e-6));
  // Billing from the launch: the first instance 0..800 s, the second 60..800 s (idle from 700 s, under the
  // 300 s scale-in delay) = 1,540 instance-s x 0.1632 x 1.15 / 3,600 + 3 served x $0.20/1M.
  CHECK(r.cost_total_usd ==
        Approx(1540.0 / 3600 * kInstancePerHour * (1 + kFee) + 3 * kManagedPerRequest).epsilon(1e-9));
}

TEST_CASE("platforms::ManagedInstancesModel: settings that cannot deploy are refused with one line") {
  TempDir dir;
  auto refused = [&](const nlohmann::json& settings) {
    const auto doc = lmi_scenario(trace_at(dir, {0}, 10), quick_service(100), settings);
    try {
      servesim::platforms::make_candidates(scenario_from(doc));
    } catch (const servesim::InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  // 1 vCPU x 2 GiB is the smallest function; 64 requests per vCPU at most; min within the vCPU cap.
  CHECK(refused({{"per_environment_max_concurrency", 65}})
            .find("/candidates/0/per_environment_max_concurrency: "
                  "expected at most 64 per vCPU") != std::string::npos);
  CHECK(refused({{"function_vcpu", 8}})
            .find("/candidates/0/function_vcpu: expected at most instance_vcpu (4)") != std::string::npos);
  CHECK(refused({{"memory_gib_per_vcpu", 8}, {"function_vcpu", 4}})
            .find("fits the instance's 16 GiB, got 32 GiB") != std::string::npos);
  CHECK(refused({{"min_instances", 101}})
            .find("/candidates/0/min_instances: expected at most max_vcpu_count / "
                  "instance_vcpu (100 instances)") != std::string::npos);
  CHECK(refused({{"max_vcpu_count", 3}, {"min_instances", 1}})
            .find("max_vcpu_count: expected at least one instance") != std::string::npos);
  CHECK(refused(nlohmann::json::object()).empty());
}

TEST_CASE("platforms::ManagedInstancesModel: the advisor places it with the container services") {
  // Billed per instance-second whether busy or not, a floor of 3 instances (no scale to zero), minutes to add
  // capacity: the container class's capacity model, not the serverless one (docs/models/
  // aws-lambda-managed-instances.md, "Placement class").
  const auto* entry = servesim::platforms::find_platform("aws-lambda-managed-instances");
  REQUIRE(entry != nullptr);
  CHECK(entry->placement == "container");
  CHECK(entry->placement_with_gpu.empty());
}

namespace {

// A g6.xlarge GPU function (AcceleratorConfig 24 GiB: one NVIDIA L4 per instance, one environment on it), a
// model of class "other" at fp16: 544.5 GFLOP per request at the L4's dense fp16 peak of 121 TFLOPS
// (datasheet: 242 with sparsity) x the assumed efficiency 0.5 = 9 ms of compute; its 30 MB of weights read
// at 300 GB/s take 0.1 ms, under the compute; plus the 1 ms launch overhead = 10 ms per request alone.
nlohmann::json l4_function(nlohmann::json more = nlohmann::json::object()) {
  nlohmann::json s = {
      {"accelerator_memory_gib", 24}, {"gpu_instance_type", "g6.xlarge"},  {"model_class", "other"},
      {"precision", "fp16"},          {"model_gflops_per_request", 544.5}, {"model_weight_mb", 30},
      {"roofline_efficiency", 0.5},   {"launch_overhead_ms", 1},           {"min_instances", 1},
      {"max_vcpu_count", 8}};
  s.update(more);
  return s;
}
constexpr double kL4RequestS = 0.010;
constexpr double kG6XlargePerHour = 0.8048;  // EC2 on-demand us-east-1 (catalogue)

}  // namespace

TEST_CASE("platforms::ManagedInstancesModel: a GPU function runs the roofline time, time-shares its GPU") {
  TempDir dir;
  SECTION("one request alone: 10 ms, whatever the warm sample measured on CPU") {
    const auto doc = lmi_scenario(trace_at(dir, {5}, 60), quick_service(100), l4_function());
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.served == 1);
    CHECK(r.latency.max_s() == Approx(kL4RequestS).epsilon(1e-6));
    CHECK(r.latency_source == "estimated");  // class "other": no MLPerf fit
    // One g6.xlarge for the 60 s replay at the on-demand price plus the 15% fee, and one request.
    CHECK(r.cost_total_usd ==
          Approx(60.0 / 3600 * kG6XlargePerHour * (1 + kFee) + kManagedPerRequest).epsilon(1e-9));
  }
  SECTION("two requests at once on the one GPU: each at half speed, both done after 20 ms") {
    const auto doc = lmi_scenario(trace_at(dir, {5, 5}, 60), quick_service(100), l4_function());
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.served == 2);
    CHECK(r.latency.mean_s() == Approx(2 * kL4RequestS).epsilon(1e-6));
  }
}

TEST_CASE("platforms::ManagedInstancesModel: a GPU function scales on GPU utilisation") {
  TempDir dir;
  // A 10 ms request every 20 ms keeps the one L4 busy exactly half the time, whatever the CPU does. At the
  // first scaling tick (60 s) the mean GPU utilisation over the window is 0.5: with the target 0.4 Lambda
  // wants ceil(0.5 / 0.4) = 2 instances and starts a second one; with a target of 0.6, ceil(0.83) = 1, no
  // second instance. (The concurrency metric stays far below its target: 0.5 in flight of 16 slots.)
  const auto arrivals = every_s(0.02, 200);
  SECTION("target 0.4: two instances") {
    const auto doc = lmi_scenario(trace_at(dir, arrivals, 200), quick_service(100), l4_function());
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.served == arrivals.size());
    CHECK(r.instances_peak == 2);
  }
  SECTION("target 0.6: one instance") {
    const auto doc = lmi_scenario(trace_at(dir, arrivals, 200), quick_service(100),
                                  l4_function({{"target_gpu_utilization", 0.6}}));
    const auto r = simulate(scenario_from(doc)).results.at(0);
    CHECK(r.requests.served == arrivals.size());
    CHECK(r.instances_peak == 1);
  }
}

TEST_CASE("platforms::ManagedInstancesModel: accelerator settings that cannot deploy are refused") {
  TempDir dir;
  auto refused = [&](const nlohmann::json& settings, nlohmann::json service = quick_service(100)) {
    const auto doc = lmi_scenario(trace_at(dir, {0}, 10), std::move(service), settings);
    try {
      servesim::platforms::make_candidates(scenario_from(doc));
    } catch (const servesim::InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  // AcceleratorMemorySize valid values: 3, 6, 12, 16, 24, 48 GiB; a T4 has 16 GB.
  CHECK_THAT(
      refused(l4_function({{"accelerator_memory_gib", 20}})),
      Catch::Contains("/candidates/0/accelerator_memory_gib: expected 0 (no accelerator) or one of 3, 6, "
                      "12, 16, 24, 48 GiB, got 20"));
  CHECK_THAT(refused(l4_function({{"gpu_instance_type", "g4dn.xlarge"}})),
             Catch::Contains("expected at most the NVIDIA T4's 16 GB with gpu_instance_type g4dn.xlarge"));
  CHECK_THAT(refused(l4_function({{"instance_vcpu", 8}})),
             Catch::Contains("/candidates/0/instance_vcpu: expected no value with an accelerator"));
  // The Image package type only.
  nlohmann::json zip = quick_service(100);
  zip["cold_start"]["source"] = "zip";
  CHECK_THAT(refused(l4_function(), zip),
             Catch::Contains("AcceleratorConfig supports the Image package type only"));
  // 60 GB of weights do not fit the L40S's 48 GB.
  CHECK_THAT(
      refused(l4_function({{"gpu_instance_type", "g6e.xlarge"}, {"model_weight_mb", 60000}})),
      Catch::Contains("/candidates/0/gpu_instance_type: expected model weights that fit the NVIDIA L40S"));
  CHECK(refused(l4_function()).empty());
}
