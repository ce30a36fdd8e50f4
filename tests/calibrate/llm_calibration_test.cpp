// servesim calibrate on a vLLM deployment's Prometheus scrapes (--platform kubernetes-gpu): synthetic scrapes
// with known traffic (tests/support/vllm_scrapes.hpp) give a kubernetes-gpu scenario whose rate, tokens and
// replicas are the known ones within their sampling error; the held-out scrapes never reach the fit; the
// bundled example (scenarios/logs/vllm-prometheus-example.prom) calibrates end to end through the command,
// byte-identically, and data that does not name its GPU asks for --gpu.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "calibrate/calibration.hpp"
#include "core/input_error.hpp"
#include "platforms/kubernetes_gpu/kubernetes_gpu_platform.hpp"
#include "support/sim_harness.hpp"
#include "support/vllm_scrapes.hpp"

using namespace servesim;

namespace {

calibrate::CalibrateOutcome calibrate_scrapes(const test::TempDir& dir, const std::string& text,
                                              const std::string& out) {
  calibrate::CalibrateOptions options;
  options.logs = {dir.write(out + ".prom", text)};
  options.platform = platforms::kKubernetesGpuPlatform;
  options.gpu = "h100";
  options.replications = 2;
  options.out_dir = dir.file(out);
  return calibrate::calibrate(options);
}

const nlohmann::json& llm_metric(const nlohmann::json& validation, const std::string& name) {
  for (const auto& m : validation["metrics"])
    if (m["name"] == name) return m;
  FAIL("no metric " << name);
  return validation;
}

}  // namespace

TEST_CASE("calibrate::calibrate: vLLM scrapes give a kubernetes-gpu scenario with the known traffic") {
  const test::TempDir dir;
  const test::VllmScrapes syn = test::vllm_scrapes({.rate_rps = 2, .hours = 1.5, .seed = 3});
  const auto outcome = calibrate_scrapes(dir, syn.text, "fit");
  const auto scenario = nlohmann::json::parse(test::read_file(dir.file("fit/scenario.json")));
  const auto& llm = scenario["service"]["llm"];
  CHECK(llm["model"] == "llama-3.1-8b");  // from the model_name label
  // The training part: the first 3,780 s (70% of 5,400 s, a scrape time), about 7,560 requests. Input tokens
  // uniform 512..1536 (sd 296): SE 296 / sqrt(7560) = 3.4 tokens; output 64..192 (sd 37.2): SE 0.43. Within
  // 5 SE, plus the rounding to whole tokens.
  CHECK(std::abs(llm["default_input_tokens"].get<double>() - 1024) < 5 * 3.4 + 0.5);
  CHECK(std::abs(llm["default_output_tokens"].get<double>() - 128) < 5 * 0.43 + 0.5);
  const auto& c = scenario["candidates"][0];
  CHECK(c["platform"] == platforms::kKubernetesGpuPlatform);
  CHECK(c["node_type"] == "p5.48xlarge");  // the catalogue's node type with H100s
  CHECK(c["min_replicas"] == 3);
  CHECK(c["max_replicas"] == 3);
  CHECK(c["max_nodes"] == 1);  // 3 one-GPU pods on an 8-GPU node
  // 2 requests/s over 3 pods; the count of 3,780 s is Poisson (sd sqrt(7560) = 87, 1.15%): within 5 sd.
  CHECK(c["hpa_target_requests_per_pod_per_s"].get<double>() == Approx(2.0 / 3).epsilon(5 * 0.0115));
  CHECK(scenario["workload"]["type"] == "rate_trace");
  CHECK(scenario["metrics"]["interval_s"] == 15);  // the scrape interval
  // rate.txt holds every request: one line per second of the 5,400.
  std::istringstream rate(test::read_file(dir.file("fit/rate.txt")));
  double total = 0, seconds = 0;
  for (double count = 0; rate >> count; ++seconds) total += count;
  CHECK(seconds == 5400);
  CHECK(total == syn.requests);

  const auto v = nlohmann::json::parse(test::read_file(dir.file("fit/validation.json")));
  CHECK(v["validation"]["replayed_arrivals"] == v["validation"]["invocations"]);
  CHECK(v["train"]["invocations"].get<double>() + v["validation"]["invocations"].get<double>() ==
        syn.requests);
  // TTFT uniform in 20..200 ms: the median (110 ms) lies in vLLM's bucket (100, 250] ms, whose bounds are the
  // observed interval.
  const auto& ttft = llm_metric(v, "ttft_p50_ms");
  CHECK(ttft["observed_ci95"][0] == 100.0);
  CHECK(ttft["observed_ci95"][1] == 250.0);
  CHECK(ttft["simulated"].get<double>() > 0);
  CHECK(llm_metric(v, "running_requests_mean")["observed"] == 3.0);  // the generator's gauge: 1 per pod
  CHECK(outcome.max_abs_error_pct == v["max_abs_error_pct"].get<double>());
  CHECK(test::read_file(dir.file("fit/validation.html")).find("the bounds of its histogram bucket") !=
        std::string::npos);
}

TEST_CASE("calibrate::calibrate: the held-out scrapes never reach the vLLM fit") {
  // The same arrivals and tokens, but from the split on (3,780 s) every TTFT and TPOT is 3 times longer: a
  // deployment that changed in the validation window. The scenario and its rate trace must be byte for byte
  // the same, so are the simulated figures; the observed ones see the change.
  const test::TempDir dir;
  calibrate_scrapes(dir, test::vllm_scrapes({.rate_rps = 2, .hours = 1.5, .seed = 3}).text, "same");
  calibrate_scrapes(
      dir,
      test::vllm_scrapes({.rate_rps = 2, .hours = 1.5, .seed = 3, .slow_after_s = 3780, .slow_factor = 3})
          .text,
      "changed");
  CHECK(test::read_file(dir.file("same/scenario.json")) ==
        test::read_file(dir.file("changed/scenario.json")));
  CHECK(test::read_file(dir.file("same/rate.txt")) == test::read_file(dir.file("changed/rate.txt")));
  const auto same = nlohmann::json::parse(test::read_file(dir.file("same/validation.json")));
  const auto changed = nlohmann::json::parse(test::read_file(dir.file("changed/validation.json")));
  for (const char* name : {"ttft_p50_ms", "e2e_p50_ms", "tpot_p50_ms"}) {
    CAPTURE(name);
    CHECK(llm_metric(changed, name)["simulated"] == llm_metric(same, name)["simulated"]);
    // 3 x the latency: the estimates move by more than 2 x (each within its bucket's bounds).
    CHECK(llm_metric(changed, name)["observed"].get<double>() >
          2 * llm_metric(same, name)["observed"].get<double>());
  }
}

TEST_CASE("calibrate: servesim calibrate on the bundled vLLM scrapes, byte-identical, and its bad input") {
  const test::TempDir dir;
  const std::string logs =
      "scenarios/logs/vllm-prometheus-example.prom";  // the tests run from the source root
  auto result =
      test::run_servesim("calibrate " + logs + " --gpu h100 --replications 2 --out " + dir.file("a"), dir);
  REQUIRE(result.status == 0);
  CHECK(result.out.starts_with(std::string(platforms::kKubernetesGpuPlatform) + ": trained on "));
  result = test::run_servesim(
      "calibrate " + logs + " --gpu h100 --replications 2 --quiet --out " + dir.file("b"), dir);
  REQUIRE(result.status == 0);
  for (const char* file : {"scenario.json", "rate.txt", "validation.json", "validation.html"})
    CHECK(test::read_file(dir.file(std::string("a/") + file)) ==
          test::read_file(dir.file(std::string("b/") + file)));
  // The synthetic deployment scaled between 2 and 4 pods and served Llama 3.1 8B
  // (scripts/synth-vllm-prometheus).
  const auto scenario = nlohmann::json::parse(test::read_file(dir.file("a/scenario.json")));
  CHECK(scenario["candidates"][0]["min_replicas"] == 2);
  CHECK(scenario["candidates"][0]["max_replicas"] == 4);
  CHECK(scenario["service"]["llm"]["model"] == "llama-3.1-8b");
  // The scrapes export vLLM's token histograms: each request's tokens are drawn from them, 17,264 training
  // requests in each (docs/calibrate.md, "The bundled example").
  for (const char* side : {"input", "output"}) {
    const auto& tokens = scenario["workload"]["tokens"][side];
    CHECK(tokens["type"] == "histogram");
    double total = 0;
    for (const auto& count : tokens["counts"]) total += count.get<double>();
    CHECK(total == 17264);
  }

  // A model larger than one GPU: --model overrides the label, --tensor-parallel spreads a replica.
  result = test::run_servesim(
      "calibrate " + logs +
          " --gpu h100 --model llama-3.1-70b --tensor-parallel 4 --replications 2 --quiet --out " +
          dir.file("tp"),
      dir);
  REQUIRE(result.status == 0);
  const auto tp = nlohmann::json::parse(test::read_file(dir.file("tp/scenario.json")));
  CHECK(tp["service"]["llm"]["model"] == "llama-3.1-70b");
  CHECK(tp["candidates"][0]["llm_tensor_parallel"] == 4);  // 141 GB of weights + a 131,072-token context
  result =
      test::run_servesim("calibrate " + logs + " --gpu l4 --tensor-parallel 2 --out " + dir.file("c"), dir);
  CHECK(result.status == 2);
  CHECK(test::user_stderr(result.err) ==
        "servesim: command line: --tensor-parallel: expected 1..1 (the GPUs of a g6.xlarge node), got 2\n");

  // The vLLM options with another platform's logs.
  result = test::run_servesim("calibrate scenarios/logs/lambda-example.log --gpu h100 --out " + dir.file("c"),
                              dir);
  CHECK(result.status == 2);
  CHECK(test::user_stderr(result.err) ==
        "servesim: command line: --gpu: expected only with vLLM's Prometheus metrics (--platform "
        "kubernetes-gpu), "
        "got logs of aws-lambda\n");

  // No GPU label and no --gpu.
  result = test::run_servesim("calibrate " + logs + " --out " + dir.file("c"), dir);
  CHECK(result.status == 2);
  CHECK(test::user_stderr(result.err).find("give --gpu GPU") != std::string::npos);
  result = test::run_servesim("calibrate " + logs + " --gpu a100 --out " + dir.file("c"), dir);
  CHECK(result.status == 2);
  CHECK(test::user_stderr(result.err)
            .starts_with("servesim: command line: --gpu: expected a GPU of the platform's"));
}
