// The servesim command as a user runs it: help, bad input, outputs that appear whole or not at all.
#include <boost/iostreams/filter/bzip2.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "support/sim_harness.hpp"

using servesim::test::count_lines;
using servesim::test::read_file;
using servesim::test::run_servesim;
using servesim::test::TempDir;
namespace fs = std::filesystem;

namespace {

// A small valid scenario whose workload is a rate trace in `dir`.
nlohmann::json scenario_with_trace(const std::string& trace_name) {
  return {{"name", "t"},
          {"workload", {{"type", "rate_trace"}, {"path", trace_name}}},
          {"service", {{"warm", {{"type", "constant"}, {"value_ms", 20}}}}},
          {"candidates", {{{"platform", "aws-lambda"}, {"memory_mb", 1024}}}}};
}

void write_bz2(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  boost::iostreams::filtering_ostream out;
  out.push(boost::iostreams::bzip2_compressor());
  out.push(file);
  out << text;
}

}  // namespace

TEST_CASE("cli::servesim: --help teaches the commands and options") {
  TempDir dir;
  auto top = run_servesim("--help", dir);
  CHECK(top.status == 0);
  CHECK_THAT(top.out, Catch::Contains("servesim run SCENARIO.json"));
  CHECK_THAT(top.out, Catch::Contains("Exit status"));
  auto run = run_servesim("run --help", dir);
  CHECK(run.status == 0);
  CHECK_THAT(run.out, Catch::Contains("--seed"));
  CHECK_THAT(run.out, Catch::Contains("summary.json"));
  auto bad = run_servesim("frobnicate", dir);
  CHECK(bad.status == 2);
}

TEST_CASE("cli::servesim: bad input gives one line on stderr, exit status 2 and no output folder") {
  TempDir dir;
  const std::string out = dir.file("out");
  auto expect_bad = [&](const std::string& scenario_text, const std::string& message) {
    const std::string path = dir.write("scenario.json", scenario_text);
    auto r = run_servesim("run " + path + " --out " + out, dir);
    CHECK(r.status == 2);
    CHECK(count_lines(r.err) == 1);
    CHECK_THAT(r.err, Catch::Contains(message));
    CHECK_FALSE(fs::exists(out));
    for (const auto& entry : fs::directory_iterator(dir.path()))  // no temporary folder left behind either
      CHECK(entry.path().filename().string().find("out.tmp") == std::string::npos);
  };
  auto with = [](nlohmann::json doc, const std::string& ptr, const nlohmann::json& value) {
    doc[nlohmann::json::json_pointer(ptr)] = value;
    return doc.dump();
  };
  dir.write("ok.txt", "3 4 5 6");
  const auto base = scenario_with_trace("ok.txt");

  SECTION("malformed JSON names the line") {
    expect_bad("{\n  \"name\": \"x\",\n  \"workload\": {\n}", "scenario.json: line 4: not valid JSON");
  }
  SECTION("an unknown key (a typo) is an error, not ignored") {
    expect_bad(with(base, "/workload/scael", 2), "scenario.json: /workload/scael: unknown key");
  }
  SECTION("an out-of-range value names the field, the range and the value") {
    expect_bad(with(base, "/candidates/0/memory_mb", 64),
               "/candidates/0/memory_mb: expected 128..10240 MB, got 64");
  }
  SECTION("a missing trace file") {
    expect_bad(with(base, "/workload/path", "nope.txt"), "nope.txt: cannot open file");
  }
  SECTION("a corrupt .bz2 trace") {
    dir.write("bad.txt.bz2", "BZh91AY&SY this is not bzip2 data at all");
    expect_bad(with(base, "/workload/path", "bad.txt.bz2"), "bad.txt.bz2: corrupt bzip2 data");
  }
  SECTION("a non-numeric token in a rate file names the token and second") {
    write_bz2(dir.file("tok.txt.bz2"), "3 4 x 6");
    expect_bad(with(base, "/workload/path", "tok.txt.bz2"),
               "tok.txt.bz2: token 3 (second 3): expected a non-negative integer, got 'x'");
  }
  SECTION("an empty trace") {
    dir.write("empty.txt", "");
    expect_bad(with(base, "/workload/path", "empty.txt"), "empty.txt: the trace is empty");
  }
  SECTION("a missing scenario file") {
    auto r = run_servesim("run " + dir.file("missing.json") + " --out " + out, dir);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("missing.json: cannot open file"));
  }
}

TEST_CASE("cli::servesim: run writes summary.json, timeseries.csv and latency_histogram.csv") {
  TempDir dir;
  dir.write("ok.txt", "3 4 5 6");
  const std::string path = dir.write("scenario.json", scenario_with_trace("ok.txt").dump());
  auto r = run_servesim("run " + path + " --out " + dir.file("out") + " --quiet", dir);
  REQUIRE(r.status == 0);
  CHECK(r.out.empty());
  const auto summary = nlohmann::json::parse(read_file(dir.file("out/summary.json")));
  const auto& c = summary["candidates"][0];
  CHECK(c["requests"]["arrived"] == 18);  // 3 + 4 + 5 + 6
  CHECK(c["requests"]["served"] == 18);
  for (const char* key : {"mean", "p50", "p90", "p99", "max"}) CHECK(c["latency_ms"].contains(key));
  CHECK(c["cost_usd"].contains("total"));
  CHECK_THAT(read_file(dir.file("out/timeseries.csv")),
             Catch::StartsWith("candidate,start_s,end_s,arrivals,"));
  CHECK_THAT(read_file(dir.file("out/latency_histogram.csv")),
             Catch::StartsWith("candidate,upper_bound_ms,count"));
  auto v = run_servesim("validate " + path, dir);
  CHECK(v.status == 0);
  CHECK_THAT(v.out, Catch::Contains("18 arrivals"));
  // The same as JSON (docs/scripting.md): 18 arrivals over the 4 s of the trace.
  v = run_servesim("validate " + path + " --json", dir);
  REQUIRE(v.status == 0);
  const auto doc = nlohmann::json::parse(v.out);
  CHECK(doc["ok"] == true);
  CHECK(doc["arrivals"] == 18);
  CHECK(doc["candidates"] == 1);
  CHECK(doc["work"]["simulated_s"] == 4.0);
  CHECK(doc["request_trace"].is_null());
}

TEST_CASE("cli::servesim: --json prints the catalogue and tune's points as JSON in the documented shape") {
  TempDir dir;
  auto list = run_servesim("catalog --json", dir);
  REQUIRE(list.status == 0);
  const auto platforms = nlohmann::json::parse(list.out)["platforms"];
  REQUIRE(platforms.size() >= 6);
  for (const auto& p : platforms)
    for (const char* key : {"platform", "title", "placement"}) CHECK(p.contains(key));
  const std::string first = platforms[0]["platform"];
  auto entry = run_servesim("catalog " + first + " --json", dir);
  REQUIRE(entry.status == 0);
  const auto e = nlohmann::json::parse(entry.out);
  CHECK(e["platform"] == first);
  REQUIRE_FALSE(e["parameters"].empty());
  for (const auto& p : e["parameters"])
    for (const char* key : {"key", "value", "unit", "status", "source", "help"}) CHECK(p.contains(key));

  // tune over two points: both meet a 1-s SLO with a 20-ms service time.
  dir.write("ok.txt", "3 4 5 6");
  const std::string path = dir.write("scenario.json", scenario_with_trace("ok.txt").dump());
  const std::string platform = scenario_with_trace("ok.txt")["candidates"][0]["platform"];
  auto tune = run_servesim("tune " + path + " --platform " + platform + " --json", dir);
  REQUIRE(tune.status == 0);
  const auto t = nlohmann::json::parse(tune.out);
  CHECK(t["platform"] == platform);
  REQUIRE_FALSE(t["points"].empty());
  for (const auto& p : t["points"]) {
    for (const char* key : {"name", "swept", "settings", "valid", "meets_slo", "attainment", "p50_ms",
                            "p99_ms", "cost_usd", "cold_start_share", "requests"})
      CHECK(p.contains(key));
    if (p["valid"] == true) CHECK(p["requests"]["arrived"] == 18);
  }
  CHECK(t["best"].is_string());
}

TEST_CASE("cli::servesim: validate describes a request trace and warns when its span does not fit its unit") {
  TempDir dir;
  // 1001 requests 0.5 s apart (a 500-s trace) with token columns: mean input (10 + 20) / 2 = 15 when rows
  // alternate 10 and 20.
  std::string trace = "TIMESTAMP,in,out\n";
  for (int i = 0; i <= 1000; ++i) trace += std::to_string(i * 0.5) + "," + (i % 2 ? "20" : "10") + ",3\n";
  dir.write("t.csv", trace);
  nlohmann::json scenario = scenario_with_trace("t.csv");
  scenario["workload"] = {{"type", "request_trace"},
                          {"path", "t.csv"},
                          {"input_tokens_column", "in"},
                          {"output_tokens_column", "out"}};
  auto v = run_servesim("validate " + dir.write("s.json", scenario.dump()), dir);
  CHECK(v.status == 0);
  CHECK_THAT(v.out, Catch::Contains("request trace: 1001 rows, timestamps 0.000 .. 500.000 s: span 500.000 s "
                                    "(8.3 min)"));
  CHECK_THAT(v.out, Catch::Contains("rate: mean 2.002 requests/s, peak 2 requests/s (the busiest 1-s bin)"));
  // 501 rows read 10, 500 read 20: mean 14.995; the p99 (the 991st smallest) is 20.
  CHECK_THAT(v.out, Catch::Contains("tokens: input mean 15.0, p99 20; output mean 3.0, p99 3"));
  CHECK(v.err.empty());
  auto j = run_servesim("validate " + dir.file("s.json") + " --json", dir);
  REQUIRE(j.status == 0);
  const auto trace_doc = nlohmann::json::parse(j.out)["request_trace"];
  CHECK(trace_doc["rows"] == 1001);
  CHECK(trace_doc["last_s"] == 500.0);
  CHECK(trace_doc["input_tokens"]["p99"] == 20);
  CHECK(trace_doc["output_tokens"]["mean"] == 3.0);
  // The same trace read as milliseconds: 1001 rows within 0.5 s.
  scenario["workload"]["timestamp_unit"] = "ms";
  v = run_servesim("validate " + dir.write("s.json", scenario.dump()), dir);
  CHECK(v.status == 0);
  CHECK_THAT(v.err, Catch::Contains("servesim: warning: "));
  CHECK_THAT(v.err,
             Catch::Contains("t.csv: 1001 rows within 0.5 s, read with \"timestamp_unit\": \"ms\": did you "
                             "mean \"timestamp_unit\": \"s\"?"));
}

TEST_CASE(
    "cli::servesim: compare lists the same candidates across two runs with their deltas against the first") {
  TempDir dir;
  dir.write("ok.txt", "3 4 5 6");
  // Run A: two candidates; run B: the same scenario with a slower service (40 ms instead of 20 ms), one
  // candidate in common ("same") and one only in B ("only-b"); "only-a" is only in A.
  auto a = scenario_with_trace("ok.txt");
  a["candidates"] = {{{"name", "same"}, {"platform", "aws-lambda"}, {"memory_mb", 1024}},
                     {{"name", "only-a"}, {"platform", "aws-lambda"}, {"memory_mb", 2048}}};
  auto b = a;
  b["name"] = "t2";
  b["service"]["warm"]["value_ms"] = 40;
  b["candidates"][1]["name"] = "only-b";
  REQUIRE(run_servesim("run " + dir.write("a.json", a.dump()) + " --out " + dir.file("ra") + " --quiet", dir)
              .status == 0);
  REQUIRE(run_servesim("run " + dir.write("b.json", b.dump()) + " --out " + dir.file("rb") + " --quiet", dir)
              .status == 0);
  const auto sa = nlohmann::json::parse(read_file(dir.file("ra/summary.json")))["candidates"][0];
  const auto sb = nlohmann::json::parse(read_file(dir.file("rb/summary.json")))["candidates"][0];
  REQUIRE(sa["name"] == "same");
  REQUIRE(sb["name"] == "same");

  auto r = run_servesim(
      "compare " + dir.file("ra") + " " + dir.file("rb") + " --json --html " + dir.file("cmp.html"), dir);
  REQUIRE(r.status == 0);
  const auto cmp = nlohmann::json::parse(r.out);
  REQUIRE(cmp["candidates"].size() == 3);  // same, only-a (A's order), then only-b
  CHECK(cmp["candidates"][0]["name"] == "same");
  CHECK(cmp["candidates"][1]["name"] == "only-a");
  CHECK(cmp["candidates"][2]["name"] == "only-b");
  CHECK(cmp["candidates"][1]["runs"][1]["present"] == false);
  CHECK(cmp["candidates"][2]["runs"][0]["present"] == false);
  CHECK_FALSE(cmp["candidates"][2]["runs"][1].contains("delta"));  // nothing in A to compare with

  // Each delta is B - A of the numbers in the two summary.json files, and percent is 100 (B - A) / A.
  const auto& delta = cmp["candidates"][0]["runs"][1]["delta"];
  const auto check = [&](const char* key, double va, double vb) {
    INFO(key);
    CHECK(delta[key]["absolute"].get<double>() == vb - va);
    if (va != 0) CHECK(delta[key]["percent"].get<double>() == Approx(100 * (vb - va) / va));
  };
  check("cost_usd", sa["cost_usd"]["total"], sb["cost_usd"]["total"]);
  check("slo_attainment", sa["slo"]["attainment"], sb["slo"]["attainment"]);
  check("p99_ms", sa["latency_ms"]["p99"], sb["latency_ms"]["p99"]);
  check("cold_starts", sa["requests"]["cold_starts"], sb["requests"]["cold_starts"]);
  // Twice the service time costs more (Lambda bills duration) and is slower at p99.
  CHECK(delta["cost_usd"]["absolute"].get<double>() > 0);
  CHECK(delta["p99_ms"]["absolute"].get<double>() > 0);

  // The table prints the same, with "absent" for the missing candidates.
  auto t = run_servesim("compare " + dir.file("ra") + " " + dir.file("rb"), dir);
  REQUIRE(t.status == 0);
  CHECK_THAT(t.out, Catch::Contains("only-a\n  A   ") && Catch::Contains("\n  B   absent\n"));
  const std::string html = read_file(dir.file("cmp.html"));
  CHECK_THAT(html, Catch::StartsWith("<!DOCTYPE html>") && Catch::Contains("absent") &&
                       Catch::Contains("only-b") && Catch::Contains("</html>"));
  // The runs overlaid: the arrival rate of both, and p99 and cost over time for "same" (candidate 1), the
  // only one in both runs; a candidate in one run has nothing to overlay.
  CHECK_THAT(html, Catch::Contains("<svg id=\"cmp-traffic\"") && Catch::Contains("<svg id=\"cmp-1-p99\"") &&
                       Catch::Contains("<svg id=\"cmp-1-cost\""));
  CHECK_THAT(html, !Catch::Contains("cmp-2-") && !Catch::Contains("cmp-3-"));
  CHECK_THAT(html, Catch::Contains(">A (t)<") && Catch::Contains(">B (t2)<"));

  // Fewer than two runs, or a folder that is not a run folder: one line, status 2.
  auto one = run_servesim("compare " + dir.file("ra"), dir);
  CHECK(one.status == 2);
  CHECK(count_lines(one.err) == 1);
  auto notrun = run_servesim("compare " + dir.file("ra") + " " + dir.path(), dir);
  CHECK(notrun.status == 2);
  CHECK_THAT(
      notrun.err,
      Catch::Contains("expected a run folder (the output folder of servesim run), found no summary.json"));
}
