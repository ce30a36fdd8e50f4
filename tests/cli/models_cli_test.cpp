// servesim inspect / models generate|quantize / profile and scenarios with a "model" section, run through
// the binary as a user runs them: exit status 0 or 2, one-line errors, --help.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/sim_harness.hpp"

using servesim::test::count_lines;
using servesim::test::read_file;
using servesim::test::run_servesim;
using servesim::test::TempDir;
namespace fs = std::filesystem;

namespace {

void expect_error(const servesim::test::CommandResult& r, const std::string& message) {
  CHECK(r.status == 2);
  CHECK(count_lines(r.err) == 1);
  CHECK_THAT(r.err, Catch::Contains(message));
}

// Quick profiling settings: a handful of timed runs per point.
const char* kQuick = " --warmup 1 --min-reps 5 --max-reps 5";

}  // namespace

TEST_CASE("cli::models: --help of inspect, models and profile") {
  TempDir dir;
  auto inspect = run_servesim("inspect --help", dir);
  CHECK(inspect.status == 0);
  CHECK_THAT(inspect.out, Catch::Contains("Usage: servesim inspect MODEL.onnx"));
  auto models = run_servesim("models --help", dir);
  CHECK(models.status == 0);
  CHECK_THAT(models.out, Catch::Contains("servesim models generate KIND"));
  CHECK_THAT(models.out, Catch::Contains("text-transformer"));
  CHECK_THAT(models.out, Catch::Contains("text-decoder"));
  CHECK_THAT(models.out, Catch::Contains("--mode weight-int8|dynamic-int8|static-int8|int4"));
  auto generate = run_servesim("models generate --help", dir);
  CHECK(generate.status == 0);
  CHECK_THAT(generate.out, Catch::Contains("--target-mb"));
  auto profile = run_servesim("profile --help", dir);
  CHECK(profile.status == 0);
  CHECK_THAT(profile.out, Catch::Contains("--cache-dir"));
  CHECK(run_servesim("models", dir).status == 2);  // no action: the usage, and status 2
}

TEST_CASE("cli::models: generate, inspect, profile and quantize a small CNN end to end") {
  TempDir dir;
  setenv("SERVESIM_CACHE_DIR", dir.file("cache").c_str(), 1);
  const std::string cnn = dir.file("cnn.onnx");
  auto gen = run_servesim("models generate image-cnn --size small --out " + cnn, dir);
  REQUIRE(gen.status == 0);
  CHECK_THAT(gen.out, Catch::Contains("439896 parameters"));
  CHECK(fs::file_size(cnn) > 1'000'000);

  auto text = run_servesim("inspect " + cnn, dir);
  CHECK(text.status == 0);
  CHECK_THAT(text.out, Catch::Contains("parameters         439896"));
  auto json = run_servesim("inspect --json " + cnn, dir);
  REQUIRE(json.status == 0);
  CHECK(nlohmann::json::parse(json.out)["parameter_count"] == 439896);

  const std::string saved = dir.file("cnn-profile.json");
  auto profile = run_servesim("profile " + cnn + " --threads 1,2" + kQuick + " --out " + saved, dir);
  REQUIRE(profile.status == 0);
  CHECK_THAT(profile.out, Catch::Contains("p50_ms"));
  CHECK_THAT(profile.out, Catch::Contains("peak RSS"));
  const auto doc = nlohmann::json::parse(read_file(saved));
  CHECK(doc["schema_version"] == 1);
  CHECK(doc["latency"].size() == 2);
  auto again = run_servesim("profile " + cnn + " --threads 1,2" + kQuick, dir);
  CHECK(again.status == 0);
  CHECK_THAT(again.out, Catch::Contains("[cached]"));

  const std::string int8 = dir.file("cnn-int8.onnx");
  auto quantized = run_servesim("models quantize " + cnn + " --out " + int8, dir);
  REQUIRE(quantized.status == 0);
  CHECK_THAT(quantized.out, Catch::Contains("x smaller"));
  CHECK_THAT(quantized.out, Catch::Contains("largest output difference"));
  CHECK(fs::file_size(int8) * 3 < fs::file_size(cnn));
  auto dynamic = run_servesim(
      "models quantize " + cnn + " --mode dynamic-int8 --compare-inputs 2 --out " + dir.file("cnn-dyn.onnx"),
      dir);
  REQUIRE(dynamic.status == 0);
  CHECK_THAT(dynamic.out, Catch::Contains("dynamic-int8, 12 weight tensors"));
  CHECK_THAT(dynamic.out, Catch::Contains("12 BatchNormalization folded into Conv"));
  CHECK_THAT(dynamic.out, Catch::Contains("of 2 held-out inputs"));
  CHECK_THAT(dynamic.out, Catch::Contains("top-1 class agrees on"));
  auto calibrated = run_servesim("models quantize " + cnn +
                                     " --mode static-int8 --calibration 2 --compare-inputs 2 --out " +
                                     dir.file("cnn-static.onnx"),
                                 dir);
  REQUIRE(calibrated.status == 0);
  CHECK_THAT(calibrated.out, Catch::Contains("activation tensors calibrated on 2 inputs"));
  auto int4 = run_servesim("models quantize " + cnn + " --mode int4 --block-size 128 --no-compare --out " +
                               dir.file("cnn-int4.onnx"),
                           dir);
  REQUIRE(int4.status == 0);
  CHECK_THAT(int4.out, Catch::Contains("int4, 1 weight tensors"));  // the classifier; Convs stay float
}

TEST_CASE("cli::models: bad input gives one line on stderr and exit status 2") {
  TempDir dir;
  setenv("SERVESIM_CACHE_DIR", dir.file("cache").c_str(), 1);
  const std::string junk = dir.write("junk.onnx", "not a model");
  SECTION("inspect") {
    expect_error(run_servesim("inspect " + dir.file("missing.onnx"), dir), "missing.onnx");
    expect_error(run_servesim("inspect " + junk, dir), "junk.onnx");
    expect_error(run_servesim("inspect", dir), "command line:");
  }
  SECTION("models generate / quantize") {
    expect_error(run_servesim("models frobnicate", dir),
                 "models: expected generate or quantize, got 'frobnicate'");
    expect_error(run_servesim("models generate gpt-5 --out " + dir.file("x.onnx"), dir), "gpt-5");
    expect_error(run_servesim("models generate image-cnn", dir), "--out");
    expect_error(run_servesim("models generate image-cnn --size huge --out " + dir.file("x.onnx"), dir),
                 "huge");
    expect_error(run_servesim("models quantize " + junk + " --out " + dir.file("q.onnx"), dir), "junk.onnx");
  }
  SECTION("profile") {
    expect_error(run_servesim("profile " + junk, dir), "junk.onnx");
    expect_error(run_servesim("profile " + junk + " --threads 1,x", dir), "--threads: expected");
    expect_error(run_servesim("profile " + junk + " --engine tpu", dir), "--engine: expected ort or opencv");
  }
}

TEST_CASE("cli::models: hostile ONNX files are refused with one line and exit status 2, nothing written") {
  // The seeds of fuzz/corpus/onnx_inspect/ that fuzz/make_hostile_onnx_seeds.py writes.
  TempDir dir;
  setenv("SERVESIM_CACHE_DIR", dir.file("cache").c_str(), 1);
  auto seed = [&](const std::string& name) {
    fs::copy_file("fuzz/corpus/onnx_inspect/" + name, dir.file(name));
    return dir.file(name);
  };
  auto expect_line = [](const servesim::test::CommandResult& r, const std::string& line) {
    CHECK(r.status == 2);
    CHECK(r.err == "servesim: " + line + "\n");
  };
  SECTION("external data outside the model's folder") {
    const std::string absolute = seed("ext-outside-absolute.onnx"), dotdot = seed("ext-outside-dotdot.onnx");
    const std::string absolute_line =
        absolute +
        ": initializer \"w\": external data location \"/etc/passwd\" is outside the model's folder";
    const std::string dotdot_line =
        dotdot +
        ": initializer \"w\": external data location "
        "\"../../../../../../../../../../etc/passwd\" is outside the model's folder";
    expect_line(run_servesim("inspect " + absolute, dir), absolute_line);
    expect_line(run_servesim("inspect --json " + dotdot, dir), dotdot_line);
    expect_line(run_servesim("models quantize " + absolute + " --out " + dir.file("q.onnx"), dir),
                absolute_line);
    expect_line(run_servesim("models quantize " + dotdot + " --out " + dir.file("q.onnx"), dir), dotdot_line);
    expect_line(run_servesim("profile " + dotdot + " --engine opencv" + kQuick, dir), dotdot_line);
    CHECK_FALSE(fs::exists(dir.file("q.onnx")));
  }
  SECTION("a tensor claiming 100 GiB without data") {
    const std::string model = seed("tensor-100gib-no-data.onnx");
    const std::string line =
        model +
        ": initializer \"w\": dims [1024, 1024, 25600] declare 26843545600 float32 elements "
        "(107374182400 bytes), but the file holds no data for it";
    expect_line(run_servesim("inspect " + model, dir), line);
    expect_line(run_servesim("profile " + model + " --engine opencv" + kQuick, dir), line);
    expect_line(run_servesim("models quantize " + model + " --out " + dir.file("q.onnx"), dir), line);
    CHECK_FALSE(fs::exists(dir.file("q.onnx")));
  }
  SECTION("an input of 100000 x 100000") {
    const std::string model = seed("input-huge-shape.onnx");
    CHECK(run_servesim("inspect " + model, dir).status == 0);  // inspect allocates no input: it reports it
    const std::string line =
        model +
        ": input \"x\": dims [100000, 100000] make 40000000000 bytes of float32, above the "
        "limit of 4294967296 bytes (4 GiB) for one input tensor";
    expect_line(run_servesim("profile " + model + " --engine opencv" + kQuick, dir), line);
    expect_line(run_servesim("profile " + model + kQuick, dir), line);
    expect_line(run_servesim("models quantize " + model + " --out " + dir.file("q.onnx"), dir), line);
    CHECK_FALSE(fs::exists(dir.file("q.onnx")));
    CHECK_FALSE(fs::exists(dir.file("cache")));
  }
}

TEST_CASE("cli::models: run and validate a scenario whose service times come from an ONNX model") {
  TempDir dir;
  setenv("SERVESIM_CACHE_DIR", dir.file("cache").c_str(), 1);
  REQUIRE(run_servesim("models generate image-cnn --out " + dir.file("cnn.onnx"), dir).status == 0);
  auto scenario = [&](int memory_mb) {
    const nlohmann::json doc = {{"name", "m"},
                                {"workload", {{"type", "poisson"}, {"rate_rps", 20}, {"duration_s", 60}}},
                                {"model", {{"onnx", "cnn.onnx"}}},  // relative to the scenario's folder
                                {"candidates", {{{"platform", "aws-lambda"}, {"memory_mb", memory_mb}}}}};
    return dir.write("scenario.json", doc.dump());
  };
  auto ok = run_servesim("validate " + scenario(1024), dir);
  CHECK(ok.status == 0);
  CHECK_THAT(ok.out, Catch::Contains("model: " + dir.file("cnn.onnx") + " (onnxruntime"));
  CHECK_THAT(ok.out, Catch::Contains(": ok (1 candidates"));

  auto run = run_servesim("run " + scenario(1024) + " --out " + dir.file("out"), dir);
  REQUIRE(run.status == 0);
  CHECK_THAT(run.out, Catch::Contains("cached profile"));
  const auto summary = nlohmann::json::parse(read_file(dir.file("out/summary.json")));
  CHECK(summary["candidates"][0]["requests"]["served"] > 1000);

  expect_error(run_servesim("run " + scenario(128) + " --out " + dir.file("out128"), dir),
               "scenario.json: /candidates/0/memory_mb: 128 MB is below what the model needs");
  CHECK_FALSE(fs::exists(dir.file("out128")));
  fs::remove(dir.file("cnn.onnx"));
  expect_error(run_servesim("validate " + scenario(1024), dir), "scenario.json: /model/onnx: cannot open");
}

TEST_CASE("cli::models: a language model with a KV cache, generated, profiled and served on CPU") {
  TempDir dir;
  setenv("SERVESIM_CACHE_DIR", dir.file("cache").c_str(), 1);
  auto generated = run_servesim("models generate text-decoder --out " + dir.file("dec.onnx"), dir);
  REQUIRE(generated.status == 0);
  CHECK_THAT(generated.out, Catch::Contains("GPT-2-shaped decoder with KV cache, vocab 4096, hidden 256"));
  auto profile = run_servesim("profile " + dir.file("dec.onnx") + kQuick +
                                  " --threads 1 --llm-reps 2 --out " + dir.file("dec.profile.json"),
                              dir);
  REQUIRE(profile.status == 0);
  CHECK_THAT(profile.out, Catch::Contains("language model, 1 thread:"));
  CHECK_THAT(profile.out, Catch::Contains("ms per input token"));
  const auto saved = nlohmann::json::parse(read_file(dir.file("dec.profile.json")));
  CHECK(saved["llm"]["timings"][0]["prefill"][1]["tokens"] == 512);
  CHECK(saved["llm"]["timings"][0]["decode"][1]["context"] == 512);

  const nlohmann::json doc = {{"name", "llm"},
                              {"workload", {{"type", "poisson"}, {"rate_rps", 0.5}, {"duration_s", 120}}},
                              {"model", {{"profile", "dec.profile.json"}}},
                              {"service",
                               {{"llm",
                                 {{"parameters_b", 0.0055},
                                  {"layers", 4},
                                  {"heads", 4},
                                  {"kv_heads", 4},
                                  {"head_dim", 64},
                                  {"hidden", 256},
                                  {"max_context_tokens", 1024},
                                  {"default_input_tokens", 256},
                                  {"default_output_tokens", 64}}}}},
                              {"candidates", {{{"platform", "aws-lambda"}, {"memory_mb", 2048}}}}};
  auto run = run_servesim("run " + dir.write("llm.json", doc.dump()) + " --out " + dir.file("out"), dir);
  REQUIRE(run.status == 0);
  CHECK_THAT(run.out, Catch::Contains("ms (measured)"));
  const auto summary = nlohmann::json::parse(read_file(dir.file("out/summary.json")));
  CHECK(summary["candidates"][0]["requests"]["served"] > 30);
  CHECK(summary["candidates"][0]["latency_source"] == "measured");

  expect_error(
      run_servesim("profile " + dir.file("dec.onnx") + " --prefill-tokens 128", dir),
      "--prefill-tokens: expected at least two different token counts (>= 1) to fit a line, got 128");
  expect_error(run_servesim("profile " + dir.file("dec.onnx") + " --llm-reps 0", dir),
               "--llm-reps: expected a positive integer");
}

TEST_CASE("cli::models: the bundled text-classifier-onnx scenario runs end to end") {
  // Needs out/models/text-transformer-small.onnx: scripts/make-models (the CTest fixture cli::make_models).
  const std::string model = "out/models/text-transformer-small.onnx";
  INFO("run scripts/make-models first (ctest runs it as the fixture cli::make_models)");
  REQUIRE(fs::exists(model));
  TempDir dir;
  setenv("SERVESIM_CACHE_DIR", dir.file("cache").c_str(), 1);  // profiled afresh, into the scratch folder
  auto r = run_servesim(
      "run scenarios/text-classifier-onnx.json --out " + dir.file("out") + " --html " + dir.file("r.html"),
      dir);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("model: out/models/text-transformer-small.onnx (onnxruntime"));
  // The report's model section shows the measured profile: engine, machine and the latency table.
  const std::string html = read_file(dir.file("r.html"));
  CHECK_THAT(html, Catch::Contains("<dt>engine.name</dt><dd>onnxruntime</dd>"));
  CHECK_THAT(html, Catch::Contains("<th>p50_s</th>"));
  const auto summary = nlohmann::json::parse(read_file(dir.file("out/summary.json")));
  REQUIRE(summary["candidates"].size() == 3);
  for (const auto& c : summary["candidates"]) {
    CHECK(c["requests"]["arrived"] > 1'000'000);
    CHECK(c["conservation"]["holds"] == true);
  }
}
