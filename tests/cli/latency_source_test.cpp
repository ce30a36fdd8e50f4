// What a result's latency rests on, as a user sees it: latency_source (measured / calibrated / estimated) in
// summary.json, candidates.csv and the HTML report, the advisor marking an estimate and never letting an
// estimate alone "agree" with the rules, `servesim catalog gpus`, and gpus_per_pod refused as bad input.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/sim_harness.hpp"

using servesim::test::count_lines;
using servesim::test::read_file;
using servesim::test::run_servesim;
using servesim::test::TempDir;

namespace {

// 20 requests/s for 10 minutes against: Lambda on the scenario's service time (measured), an L4 node with
// BERT in INT8 (model class transformer: calibrated), an H100 node with model class other (estimated), and
// Cloud Run's L4 with the transformer fit (calibrated).
nlohmann::json four_sources() {
  return {{"name", "latency-sources"},
          {"seed", 3},
          {"workload", {{"type", "poisson"}, {"rate_rps", 20}, {"duration_s", 600}}},
          {"service",
           {{"warm", {{"type", "constant"}, {"value_ms", 50}}}, {"cold_start", {{"model_size_mb", 334}}}}},
          {"slo", {{"p99_ms", 1000}, {"timeout_s", 30}}},
          {"candidates",
           {{{"name", "lambda"}, {"platform", "aws-lambda"}, {"memory_mb", 2048}},
            {{"name", "k8s-l4-int8"},
             {"platform", "kubernetes-gpu"},
             {"node_type", "g6.xlarge"},
             {"model_class", "transformer"},
             {"precision", "int8"},
             {"model_gflops_per_request", 246.93},
             {"image_size_gb", 0}},
            {{"name", "k8s-h100-other"},
             {"platform", "kubernetes-gpu"},
             {"node_type", "p5.48xlarge"},
             {"gpus_per_pod", 8},
             {"image_size_gb", 0}},
            {{"name", "run-l4"},
             {"platform", "gcp-cloud-run"},
             {"gpu", "nvidia-l4"},
             {"vcpu", 4},
             {"memory_gib", 16},
             {"model_class", "transformer"},
             {"precision", "int8"},
             {"model_gflops_per_request", 246.93}}}}};
}

}  // namespace

TEST_CASE(
    "cli::latency_source: summary.json, candidates.csv and the HTML report say what each latency rests on") {
  TempDir dir;
  const std::string path = dir.write("s.json", four_sources().dump());
  const auto r =
      run_servesim("run " + path + " --out " + dir.file("out") + " --html " + dir.file("r.html"), dir);
  REQUIRE(r.status == 0);
  const auto summary = nlohmann::json::parse(read_file(dir.file("out/summary.json")));
  const std::vector<std::string> expected = {"measured", "calibrated", "estimated", "calibrated"};
  REQUIRE(summary["candidates"].size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    CHECK(summary["candidates"][i]["latency_source"] == expected[i]);
  const std::string csv = read_file(dir.file("out/candidates.csv"));
  CHECK_THAT(csv, Catch::StartsWith("candidate,platform,latency_source,arrived_requests,"));
  CHECK_THAT(csv, Catch::Contains("\nk8s-l4-int8,kubernetes-gpu,calibrated,"));
  CHECK_THAT(csv, Catch::Contains("\nk8s-h100-other,kubernetes-gpu,estimated,"));
  const std::string html = read_file(dir.file("r.html"));
  CHECK_THAT(html, Catch::Contains("<th>latency</th>"));
  CHECK_THAT(html, Catch::Contains("<td class=\"text bad\">estimated</td>"));
  CHECK_THAT(html, Catch::Contains("<td class=\"text\">calibrated</td>"));
}

TEST_CASE("cli::latency_source: the advisor says estimated and does not let an estimate alone agree") {
  TempDir dir;
  SECTION("an estimated candidate is marked in the evidence table") {
    const auto r = run_servesim("advise " + dir.write("s.json", four_sources().dump()), dir);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("k8s-h100-other") && Catch::Contains("(latency estimated)"));
  }
  SECTION("a recommended estimate: the verdict says so instead of 'The evidence agrees with the rules.'") {
    // Steady traffic: the rules prefer containers; the one Kubernetes candidate (model class other: an
    // estimate) is cheapest and meets the SLO.
    auto doc = four_sources();
    doc["service"]["warm"] = {{"type", "constant"}, {"value_ms", 400}};
    doc["candidates"] = {{{"name", "k8s-l4-other"},
                          {"platform", "kubernetes-gpu"},
                          {"node_type", "g6.xlarge"},
                          {"model_gflops_per_request", 20},
                          {"image_size_gb", 0}}};
    const auto r = run_servesim("advise " + dir.write("s.json", doc.dump()), dir);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out,
               Catch::Contains("Recommended: k8s-l4-other (kubernetes-gpu, containers, latency estimated;"));
    CHECK_THAT(r.out, Catch::Contains("The evidence agrees with the rules only on an estimated GPU latency"));
    CHECK_THAT(r.out, !Catch::Contains("The evidence agrees with the rules."));
  }
}

TEST_CASE("cli::latency_source: gpus_per_pod beyond the node's GPUs is one line, exit status 2") {
  TempDir dir;
  auto doc = four_sources();
  doc["candidates"][2]["node_type"] = "g6e.xlarge";
  const auto r = run_servesim("run " + dir.write("s.json", doc.dump()) + " --out " + dir.file("out"), dir);
  CHECK(r.status == 2);
  CHECK(count_lines(r.err) == 1);
  CHECK_THAT(r.err, Catch::Contains(
                        "/candidates/2/gpus_per_pod: expected 1..1 (the GPUs of a g6e.xlarge node), got 8"));
}

TEST_CASE("cli::latency_source: servesim catalog gpus lists every GPU and the fit") {
  TempDir dir;
  const auto r = run_servesim("catalog gpus", dir);
  REQUIRE(r.status == 0);
  for (const char* id : {"t4", "a10g", "l4", "l40s", "a100-40gb", "a100-80gb", "h100", "h200"})
    CHECK_THAT(r.out, Catch::Contains(std::string("\n  ") + id + " "));
  CHECK_THAT(r.out, Catch::Contains("transformer (MLPerf bert-99"));
  const auto j = run_servesim("catalog gpus --json", dir);
  REQUIRE(j.status == 0);
  CHECK(nlohmann::json::parse(j.out)["calibration"]["measurements"].size() == 36);
}

TEST_CASE("cli::catalog: servesim catalog state-stores lists every store with its sourced numbers") {
  TempDir dir;
  const auto r = run_servesim("catalog state-stores", dir);
  REQUIRE(r.status == 0);
  for (const char* id : {"dynamodb-on-demand", "dynamodb-provisioned", "elasticache-redis",
                         "cosmosdb-serverless", "cosmosdb-provisioned", "firestore"})
    CHECK_THAT(r.out, Catch::Contains(std::string("\n") + id + ": "));
  // The SDK's documented three attempts, with the source it is printed with.
  CHECK_THAT(r.out, Catch::Contains("standard retry mode makes three attempts"));
  const auto j = run_servesim("catalog state-stores --json", dir);
  REQUIRE(j.status == 0);
  const auto doc = nlohmann::json::parse(j.out);
  CHECK(doc["services"].size() == 6);
}
