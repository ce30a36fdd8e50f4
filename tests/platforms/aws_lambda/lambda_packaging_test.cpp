// Where a Lambda cold start gets the model (service.cold_start.source): the documented limits refuse what
// cannot deploy, with one line naming the limit and the options, and each source's cold start is worked by
// hand from the figures in platforms/aws_lambda/aws-lambda.json.
#include <catch2/catch.hpp>

#include "core/input_error.hpp"
#include "support/sim_harness.hpp"

using servesim::test::constant_ms;
using servesim::test::scenario_from;
using servesim::test::simulate;
using servesim::test::TempDir;

namespace {

// One request at t = 0 (a one-second rate trace holding "1") on one Lambda function of 1,769 MB (1 vCPU, so
// the model load is not rescaled): runtime init 300 ms, model load 700 ms, service 100 ms.
nlohmann::json packaged(const TempDir& dir, nlohmann::json cold_start,
                        nlohmann::json lambda = nlohmann::json::object()) {
  nlohmann::json cand = {{"name", "fn"}, {"platform", "aws-lambda"}, {"memory_mb", 1769}, {"timeout_s", 900}};
  for (auto& [k, v] : lambda.items()) cand[k] = v;
  cold_start["runtime_init"] = constant_ms(300);
  cold_start["model_load"] = constant_ms(700);
  return {{"seed", 5},
          {"workload", {{"type", "rate_trace"}, {"path", dir.write("one.txt", "1")}}},
          {"service", {{"warm", constant_ms(100)}, {"cold_start", cold_start}}},
          {"slo", {{"p99_ms", 1e6}, {"timeout_s", 1e6}}},
          {"candidates", {cand}}};
}

// SimGrid's route latency on a link of per-connection bandwidth b: TCP window / (2 b) (see
// lambda_model_test.cpp).
double route_latency_s(double bytes_per_s) {
  return 4194304.0 / (2 * bytes_per_s);
}

}  // namespace

TEST_CASE("platforms::LambdaModel: a packaging Lambda cannot deploy is refused naming the limit") {
  TempDir dir;
  auto refused = [&](nlohmann::json cold_start, nlohmann::json lambda = nlohmann::json::object()) {
    try {
      simulate(scenario_from(packaged(dir, std::move(cold_start), std::move(lambda))));
    } catch (const servesim::InputError& e) {
      return std::string(e.what());
    }
    return std::string("not refused");
  };
  SECTION("zip: 250 MB unzipped with its layers (gettingstarted-limits), and beyond an image's 10,240 MB") {
    CHECK(refused({{"source", "zip"}, {"model_size_mb", 20000}}) ==
          "test-scenario.json: /candidates/0: model 20,000 MB does not fit a Lambda zip (250 MB unzipped, "
          "layers "
          "included) or image (10,240 MB); use efs or another platform");
    CHECK(
        refused({{"source", "zip"}, {"model_size_mb", 200}, {"package_mb", 60}}) ==
        "test-scenario.json: /candidates/0: package 260 MB (model 200 MB + code 60 MB) does not fit a Lambda "
        "zip (250 MB unzipped, layers included); use image (up to 10,240 MB), efs or object-store");
    CHECK(refused({{"source", "zip"}, {"model_size_mb", 200}, {"package_mb", 50}}) == "not refused");
  }
  SECTION("layer: at most 5 layers per function") {
    CHECK(refused({{"source", "layer"}, {"model_size_mb", 100}, {"layers", 6}}) ==
          "test-scenario.json: /candidates/0: 6 layers exceed Lambda's 5 layers per function; merge layers "
          "or use "
          "image");
    CHECK(refused({{"source", "layer"}, {"model_size_mb", 100}, {"layers", 5}}) == "not refused");
  }
  SECTION("image: 10,240 MB with the model") {
    CHECK(
        refused({{"source", "image"}, {"model_size_mb", 10000}, {"package_mb", 500}}) ==
        "test-scenario.json: /candidates/0: package 10,500 MB (model 10,000 MB + code 500 MB) does not fit a "
        "Lambda container image (10,240 MB); use efs or another platform");
  }
  SECTION("object-store: the model is downloaded to /tmp, 512 MB by default, 10,240 MB at most") {
    CHECK(
        refused({{"source", "object-store"}, {"model_size_mb", 2000}}) ==
        "test-scenario.json: /candidates/0/ephemeral_storage_mb: 512 MB (the catalogue default) cannot hold "
        "the model downloaded to /tmp: 2,000 MB (source object-store); give ephemeral_storage_mb of at least "
        "2000, or use efs or image");
    CHECK(refused({{"source", "object-store"}, {"model_size_mb", 2000}}, {{"ephemeral_storage_mb", 2000}}) ==
          "not refused");
    CHECK(refused({{"source", "object-store"}, {"model_size_mb", 20000}}) ==
          "test-scenario.json: /candidates/0: model 20,000 MB does not fit Lambda's /tmp (10,240 MB at most) "
          "for "
          "source object-store; use efs or another platform");
  }
  SECTION("volume: Lambda mounts nothing but EFS") {
    CHECK(
        refused({{"source", "volume"}, {"model_size_mb", 100}}) ==
        "test-scenario.json: /candidates/0: Lambda mounts no volume but Amazon EFS (source volume); use efs, "
        "object-store, image, zip or layer");
  }
  SECTION("SnapStart: not with EFS, container images, provisioned concurrency or /tmp above 512 MB") {
    CHECK(refused({{"source", "efs"}, {"model_size_mb", 100}}, {{"snapstart", true}}) ==
          "test-scenario.json: /candidates/0/snapstart: expected false with source efs (SnapStart does not "
          "support Amazon EFS; drop snapstart or change that), got true");
    CHECK(refused({{"source", "zip"}, {"model_size_mb", 100}},
                  {{"snapstart", true}, {"provisioned_concurrency", 2}}) ==
          "test-scenario.json: /candidates/0/snapstart: expected false with provisioned_concurrency 2 "
          "(SnapStart "
          "does not support provisioned concurrency; drop snapstart or change that), got true");
  }
}

TEST_CASE("platforms::LambdaModel: each source's cold start, worked by hand") {
  TempDir dir;
  auto one = [&](nlohmann::json cold_start, nlohmann::json lambda = nlohmann::json::object()) {
    const auto r =
        simulate(scenario_from(packaged(dir, std::move(cold_start), std::move(lambda)))).results[0];
    REQUIRE(r.requests.served == 1);
    REQUIRE(r.cold_start_parts.count == 1);
    return r;
  };
  SECTION("efs: 2,000 MB at EFS Elastic's 1,500 MiB/s per client (efs/latest/ug/performance.html)") {
    // 2,000 MB / 1,572.864 MB/s = 1.27157 s (+ 1.3 ms route latency); init 0.3 s, load 0.7 s, service 0.1 s.
    const auto r = one({{"source", "efs"}, {"model_size_mb", 2000}});
    const double download_s = 2000 / 1572.864 + route_latency_s(1572.864e6);
    CHECK(r.cold_start_parts.download_s == Approx(download_s).epsilon(1e-6));
    CHECK(r.cold_start_parts.pull_s == 0);
    CHECK(r.latency.max_s() == Approx(0.3 + download_s + 0.7 + 0.1).epsilon(1e-6));
  }
  SECTION("object-store: 2,000 MB from S3 at ~85 MB/s per request (S3 optimizing-performance guide)") {
    // 2,000 / 85 = 23.529 s: the init (0.3 + 23.55 + 0.7 = 24.55 s) passes the 10 s init limit, so Lambda
    // repeats it inside the invocation (lambda-runtime-environment.html): latency = 10 + init + service.
    const auto r =
        one({{"source", "object-store"}, {"model_size_mb", 2000}}, {{"ephemeral_storage_mb", 2048}});
    const double download_s = 2000 / 85.0 + route_latency_s(85e6);
    CHECK(r.cold_start_parts.download_s == Approx(download_s).epsilon(1e-6));
    CHECK(r.latency.max_s() == Approx(10 + 0.3 + download_s + 0.7 + 0.1).epsilon(1e-6));
    // /tmp above 512 MB is billed for the invocation's billed duration (init included):
    // (2,048 - 512) / 1,024 = 1.5 GB x 3.09e-8 USD/GB-s x billed seconds.
    const double billed_s = 10 + 0.3 + download_s + 0.7 + 0.1;
    double ephemeral_usd = -1;
    for (const auto& [name, usd] : r.cost_usd)
      if (name == "ephemeral_storage_usd") ephemeral_usd = usd;
    CHECK(ephemeral_usd == Approx(1.5 * 3.09e-8 * billed_s).epsilon(1e-3));
  }
  SECTION("image: the model read whole, 6.5% of the code (Brooker et al., USENIX ATC '23), at S3's rate") {
    // 2,000 MB model + 0.065 x 1,000 MB code = 2,065 MB at 85 MB/s = 24.294 s, a pull.
    const auto r = one({{"source", "image"}, {"model_size_mb", 2000}, {"package_mb", 1000}});
    const double pull_s = 2065 / 85.0 + route_latency_s(85e6);
    CHECK(r.cold_start_parts.pull_s == Approx(pull_s).epsilon(1e-6));
    CHECK(r.cold_start_parts.download_s == 0);
    CHECK(r.cold_start_parts.fetched_mb == Approx(2065));
  }
  SECTION("zip: the whole package, model inside, from Lambda's code storage in S3") {
    // 200 MB model + 40 MB code = 240 MB at 85 MB/s = 2.8235 s.
    const auto r = one({{"source", "zip"}, {"model_size_mb", 200}, {"package_mb", 40}});
    const double pull_s = 240 / 85.0 + route_latency_s(85e6);
    CHECK(r.cold_start_parts.pull_s == Approx(pull_s).epsilon(1e-6));
    CHECK(r.latency.max_s() == Approx(0.3 + pull_s + 0.7 + 0.1).epsilon(1e-6));
  }
  SECTION("SnapStart: a restore (0.5 s, estimated) replaces init, fetch and load") {
    const auto r = one({{"source", "zip"}, {"model_size_mb", 200}}, {{"snapstart", true}});
    CHECK(r.cold_start_parts.init_s == Approx(0.5));
    CHECK(r.cold_start_parts.pull_s == 0);
    CHECK(r.latency.max_s() == Approx(0.5 + 0.1).epsilon(1e-6));
  }
}
