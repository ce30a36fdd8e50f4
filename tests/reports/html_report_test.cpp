// The HTML report: its builders (escaping, downsampling, tables), its size on a 22-day run, and a real run's
// report rendered by headless Chromium (which scripts/setup installs: without it these tests fail).
#include "reports/html_report.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "reports/html_text.hpp"
#include "reports/report_tables.hpp"
#include "reports/sha256.hpp"
#include "reports/svg_chart.hpp"
#include "support/sim_harness.hpp"

using namespace servesim::reports;
using servesim::test::read_file;
using servesim::test::run_servesim;
using servesim::test::TempDir;
namespace fs = std::filesystem;

namespace {

// A run of `n` intervals of 60 s for `candidates` candidates, with a spike in the middle.
RunData synthetic_run(size_t n, size_t candidates, const std::string& first_name = "lambda-1024") {
  RunData run;
  run.dir = "out/synthetic";
  run.summary["candidates"] = nlohmann::json::array();
  for (size_t c = 0; c < candidates; ++c) {
    CandidateSeries s;
    s.name = c == 0 ? first_name : "candidate-" + std::to_string(c);
    for (size_t i = 0; i < n; ++i) {
      const double rate = (i > n / 2 && i < n / 2 + 20) ? 3000 : 450 + 50 * std::sin(double(i) / 100);
      s.start_s.push_back(60.0 * double(i));
      s.end_s.push_back(60.0 * double(i + 1));
      s.arrivals.push_back(rate * 60);
      s.served.push_back(rate * 60);
      s.cold_starts.push_back(i % 97 == 0 ? 12 : 0);
      s.throttled.push_back(rate > 1000 ? 40 : 0);
      s.timed_out.push_back(0);
      s.dropped.push_back(0);
      s.busy_mean.push_back(rate * 0.05);
      s.idle_mean.push_back(3);
      s.instances_peak.push_back(rate * 0.06);
      s.p50_ms.push_back(40);
      s.p99_ms.push_back(rate > 1000 ? 2500 : 110);
      s.cost_usd_cumulative.push_back(0.001 * double(i));
    }
    run.series.push_back(s);
    run.histograms.emplace_back();
    run.summary["candidates"].push_back(
        {{"name", s.name},
         {"platform", "aws-lambda"},
         {"requests",
          {{"arrived", 1000},
           {"served", 990},
           {"cold_starts", 12},
           {"throttled", c ? 0 : 10},
           {"timed_out", 0},
           {"dropped", 0},
           {"retries", 3},
           {"queued", 0}}},
         {"latency_ms", {{"mean", 50}, {"p50", 40}, {"p90", 80}, {"p99", 110}, {"max", 900}}},
         {"instances", {{"mean", 20.5}, {"peak", 180}}},
         {"cost_usd", {{"total", 10.0 + double(c)}, {"requests", 2.0}, {"duration", 8.0 + double(c)}}},
         {"slo", {{"attainment", c ? 0.995 : 0.985}, {"attainment_target", 0.99}, {"met", c != 0}}},
         {"simulated_s", 60.0 * double(n)}});
  }
  return run;
}

ReportContext synthetic_context(const std::string& name = "trending") {
  ReportContext ctx;
  ctx.scenario_name = name;
  ctx.scenario_description = "A <script>alert('x')</script> & more";
  ctx.scenario_file = "scenarios/x.json";
  ctx.scenario_sha256 = sha256_hex("x");
  ctx.seed = 42;
  ctx.servesim_version = "0.1.0";
  ctx.slo_p99_ms = 500;
  ctx.slo_timeout_s = 30;
  ctx.workload_kind = "rate_trace";
  ctx.trace_path = "traces/t.txt.bz2";
  ctx.trace_bytes = 123456;
  ctx.service_times = {{"warm", "lognormal(mean 45 ms, p99 120 ms)", 45, 38, 120}};
  CandidateAssumptions a{"lambda-1024", "aws-lambda", "AWS Lambda", "2026-11", {}};
  a.parameters.push_back({"memory_mb", 1024, 128, "MB", "documented",
                          "docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html", true});
  a.parameters.push_back({"keep_alive_s", 600, 600, "s", "observed", "mikhail.io 2019-08", false});
  ctx.candidates.push_back(a);
  return ctx;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("reports::html_text: user text is escaped, numbers are legible") {
  CHECK(html_escape("<a href=\"x\">Tom & Jerry's</a>") ==
        "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
  CHECK(format_count(1234567) == "1,234,567");
  CHECK(format_usd(1234.567) == "$1,234.57");
  CHECK(format_number(0.012345) == "0.0123");
  CHECK(format_number(12345.6) == "12,346");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
}

TEST_CASE("reports::sha256: FIPS 180-4 test vectors") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("reports::svg_chart: downsampling keeps every bucket's minimum and maximum") {
  std::vector<Point> pts;
  for (int i = 0; i < 31680; ++i) pts.push_back(Point{double(i), std::sin(i / 50.0)});
  pts[12345].y = 1000;  // a one-interval spike
  pts[23456].y = -1000;
  const auto out = downsample_min_max(pts, 0, 31680, 800);
  CHECK(out.size() <= 1600);
  double lo = 0, hi = 0;
  for (const auto& p : out) lo = std::min(lo, p.y), hi = std::max(hi, p.y);
  CHECK(hi == 1000);
  CHECK(lo == -1000);
  for (size_t i = 1; i < out.size(); ++i) CHECK(out[i].x >= out[i - 1].x);  // order kept
  SECTION("short series are left alone") {
    CHECK(downsample_min_max({{0, 1}, {1, 2}}, 0, 1, 800).size() == 2);
  }
  SECTION("a NaN run breaks the line") {
    std::vector<Point> gappy = pts;
    for (int i = 1000; i < 3000; ++i) gappy[size_t(i)].y = std::nan("");
    size_t nans = 0;
    for (const auto& p : downsample_min_max(gappy, 0, 31680, 800)) nans += std::isnan(p.y);
    CHECK(nans == 1);
  }
}

TEST_CASE("reports::svg_chart: charts carry ids, axis labels with units, and escaped legends") {
  LineChart c;
  c.id = "chart-x";
  c.x_label = "time [h]";
  c.y_label = "arrivals [requests/s]";
  c.x_max = 8;
  c.series.push_back(ChartSeries{"a<b", "#000", {{0, 1}, {8, 5}}});
  const std::string svg = c.render();
  CHECK_THAT(svg, Catch::StartsWith("<svg id=\"chart-x\""));
  CHECK_THAT(svg, Catch::Contains("time [h]"));
  CHECK_THAT(svg, Catch::Contains("arrivals [requests/s]"));
  CHECK_THAT(svg, Catch::Contains("a&lt;b"));
  CHECK_THAT(svg, !Catch::Contains("a<b"));
  CHECK(nice_ticks(0, 97, 5) == std::vector<double>{0, 20, 40, 60, 80});
}

TEST_CASE("reports::report_tables: spike windows follow the stated rule") {
  CandidateSeries s;
  const std::vector<double> rates = {1, 1, 1, 5, 5, 1, 1, 10, 1};
  for (size_t i = 0; i < rates.size(); ++i) {
    s.start_s.push_back(double(i) * 10);
    s.end_s.push_back(double(i + 1) * 10);
    s.arrivals.push_back(rates[i] * 10);
  }
  const auto spikes = find_spikes(s, 2);
  CHECK(spikes.median_rps == 1);
  CHECK(spikes.threshold_rps == 2);
  REQUIRE(spikes.windows.size() == 2);
  CHECK(spikes.windows[0].start_s == 30);
  CHECK(spikes.windows[0].end_s == 50);
  CHECK(spikes.windows[1].peak_rps == 10);
}

TEST_CASE("reports::HtmlReport: sections in review order, escaped text, assumptions with sources") {
  const RunData run = synthetic_run(480, 2);
  const ReportContext ctx = synthetic_context("<b>name</b>");
  const std::string html = html_report(run, ctx);
  CHECK_THAT(html, Catch::StartsWith("<!DOCTYPE html>"));
  CHECK_THAT(html, !Catch::Contains("<script>alert"));
  CHECK_THAT(html, Catch::Contains("&lt;script&gt;alert(&#39;x&#39;)"));
  CHECK_THAT(html, Catch::Contains("&lt;b&gt;name&lt;/b&gt;"));
  CHECK(count(html, "src=") == 0);
  CHECK(count(html, "<link") == 0);
  // Order: verdict, timeline, cost, model, assumptions, reproducibility.
  const std::vector<std::string> order = {"id=\"verdict\"", "id=\"chart-traffic\"", "id=\"chart-cost\"",
                                          "id=\"model\"",   "id=\"assumptions\"",   "id=\"reproducibility\""};
  for (size_t i = 1; i < order.size(); ++i) CHECK(html.find(order[i - 1]) < html.find(order[i]));
  CHECK_THAT(html, Catch::Contains("best by simulation: lowest cost meeting the SLO"));
  CHECK_THAT(html, Catch::Contains("candidate-1"));           // the only one meeting the SLO
  CHECK_THAT(html, Catch::Contains("30 days"));               // the extrapolation is stated
  CHECK_THAT(html, Catch::Contains("median interval rate"));  // the spike rule is stated
  CHECK_THAT(html, Catch::Contains("<code>memory_<wbr>mb</code>"));
  CHECK_THAT(html, Catch::Contains("docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html"));
  CHECK_THAT(html, Catch::Contains(ctx.scenario_sha256));
  CHECK_THAT(html, Catch::Contains("id=\"model-profile\""));  // placeholder until models/ fills it
  SECTION("the advisor's recommendation and the model profile plug in") {
    ReportContext with = ctx;
    with.recommendation = {
        {"verdict", "Serve on Lambda"}, {"candidate", "candidate-1"}, {"reasons", {"cheap"}}};
    with.model_profile = {{"engine", "onnxruntime"}, {"load_ms", 812}};
    const std::string h = html_report(run, with);
    CHECK_THAT(h, Catch::Contains("advisor's recommendation"));
    CHECK_THAT(h, Catch::Contains("onnxruntime"));
  }
}

TEST_CASE("reports::HtmlReport: injected faults are shaded on the time axis and tabled with their cost") {
  RunData run = synthetic_run(120, 1);
  run.summary["faults"] = {
      {{"kind", "outage"}, {"label", "outage 1200-1500 s"}, {"start_s", 1200}, {"end_s", 1500}},
      {{"kind", "crash"}, {"label", "crash from 0 s"}, {"start_s", 0}, {"end_s", nullptr}}};
  auto fault = [](const char* label, int lost) {
    return nlohmann::json{{"label", label},
                          {"attempts_failed", 300},
                          {"requests_lost", lost},
                          {"dead_lettered", 0},
                          {"requests_in_flight_lost", 0},
                          {"instances_lost", 0},
                          {"window", {{"arrived", 300}, {"served_within_slo", 0}, {"retries", 0}}}};
  };
  run.summary["candidates"][0]["faults"] = {fault("outage 1200-1500 s", 271), fault("crash from 0 s", 5)};
  const std::string html = html_report(run, synthetic_context("faults"));
  // One shaded band per chart for the windowed outage only (the whole-run crash rate is not shaded).
  CHECK(count(html, "<rect class=\"fault\"") == 7 * 2);  // band + legend swatch on each of the 7 time charts
  CHECK_THAT(html, Catch::Contains("id=\"faults\""));
  CHECK_THAT(html, Catch::Contains("outage 1200-1500 s"));
  CHECK_THAT(html, Catch::Contains(">271</td>"));
  CHECK_THAT(html, Catch::Contains("id=\"chart-dropped\""));
}

TEST_CASE("reports::HtmlReport: a 22-day run at one-minute intervals stays under 2 MB") {
  const RunData run = synthetic_run(31680, 3);
  const std::string html = html_report(run, synthetic_context());
  CHECK(html.size() < 2'000'000);
  CHECK(count(html, "<svg id=\"chart-") == 8);  // 7 time charts and the cost chart
}

TEST_CASE("reports::report_tables: CSV exports have units in their headers") {
  const RunData run = synthetic_run(100, 2);
  const auto files = report_csv_files(run, synthetic_context());
  REQUIRE(files.size() == 4);
  CHECK_THAT(files[0].second, Catch::StartsWith("candidate,platform,latency_source,arrived_requests,"));
  CHECK_THAT(files[0].second, Catch::Contains("latency_p99_ms"));
  CHECK_THAT(files[1].second, Catch::StartsWith("candidate,cost_item,cost_usd,cost_usd_per_30_days,"));
  CHECK_THAT(files[3].second, Catch::Contains("lambda-1024,aws-lambda,memory_mb,1024,MB,documented,"));
}

namespace {

// A scenario that runs in well under a second: a traffic spike against two Lambda configurations.
std::string write_small_scenario(const TempDir& dir) {
  const nlohmann::json doc = {
      {"name", "spike <&> review"},
      {"description", "Small spike against two Lambda sizes"},
      {"seed", 7},
      {"workload",
       {{"type", "spike"},
        {"base_rps", 20},
        {"spike_factor", 8},
        {"spike_start_s", 1200},
        {"ramp_s", 60},
        {"spike_duration_s", 300},
        {"duration_s", 3600}}},
      {"service",
       {{"warm", {{"type", "lognormal"}, {"mean_ms", 45}, {"p99_ms", 120}}},
        {"cold_start",
         {{"runtime_init", {{"type", "constant"}, {"value_ms", 300}}},
          {"model_load", {{"type", "constant"}, {"value_ms", 900}}},
          {"model_size_mb", 100}}}}},
      {"slo", {{"p99_ms", 500}, {"timeout_s", 30}}},
      {"candidates",
       {{{"name", "lambda-1024"}, {"platform", "aws-lambda"}, {"memory_mb", 1024}, {"timeout_s", 30}},
        {{"name", "lambda-2048-pc"},
         {"platform", "aws-lambda"},
         {"memory_mb", 2048},
         {"provisioned_concurrency", 20},
         {"timeout_s", 30}}}}};
  return dir.write("scenario.json", doc.dump(2));
}

std::string chromium_binary() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"})
    if (std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0) return name;
  return "";
}

}  // namespace

TEST_CASE("reports::HtmlReport: servesim run --html and servesim report give the same file") {
  TempDir dir;
  const std::string scenario = write_small_scenario(dir);
  const std::string out = dir.file("run"), html = dir.file("report.html");
  auto r = run_servesim("run " + scenario + " --out " + out + " --html " + html + " --quiet", dir);
  INFO(r.err);
  REQUIRE(r.status == 0);
  for (const char* f : {"summary.json", "report_context.json", "candidates.csv", "cost_breakdown.csv",
                        "spike_windows.csv", "assumptions.csv"})
    CHECK(fs::exists(fs::path(out) / f));
  const auto ctx = nlohmann::json::parse(read_file(out + "/report_context.json"));
  CHECK(ctx["scenario"]["sha256"] == sha256_file_hex(scenario));
  CHECK(ctx["seed"] == 7);
  bool memory_overridden = false;
  for (const auto& p : ctx["candidates"][0]["parameters"])
    if (p["key"] == "memory_mb") memory_overridden = p["overridden"] == true && p["value"] == 1024;
  CHECK(memory_overridden);
  const std::string first = read_file(html);
  auto again = run_servesim("report " + out + " --html " + dir.file("again.html"), dir);
  REQUIRE(again.status == 0);
  CHECK(read_file(dir.file("again.html")) == first);
  CHECK_THAT(first, Catch::Contains("spike &lt;&amp;&gt; review"));
  CHECK_THAT(first, Catch::Contains("<code>memory_<wbr>mb</code>"));

  auto json = run_servesim("run " + scenario + " --out " + out + " --json", dir);
  REQUIRE(json.status == 0);
  CHECK(nlohmann::json::parse(json.out)["candidates"].size() == 2);
  auto missing = run_servesim("report " + dir.file("nope") + " --html " + dir.file("x.html"), dir);
  CHECK(missing.status == 2);
  CHECK_THAT(missing.err, Catch::Contains("nope"));
}

TEST_CASE("reports::compare: headless Chromium renders the overlaid charts of two runs") {
  const std::string chromium = chromium_binary();
  INFO("Chromium is required for this test: scripts/setup installs the Debian package chromium");
  REQUIRE_FALSE(chromium.empty());
  TempDir dir;
  // The same two candidates on the small scenario and on a copy with another seed: both candidates are in
  // both runs, so the page has the traffic chart plus a p99 and a cost chart per candidate = 5 charts.
  const std::string a = write_small_scenario(dir);
  auto doc = nlohmann::json::parse(read_file(a));
  doc["seed"] = 8;
  const std::string b = dir.write("b.json", doc.dump());
  REQUIRE(run_servesim("run " + a + " --out " + dir.file("ra") + " --quiet", dir).status == 0);
  REQUIRE(run_servesim("run " + b + " --out " + dir.file("rb") + " --quiet", dir).status == 0);
  const std::string html = dir.file("cmp.html");
  REQUIRE(run_servesim("compare " + dir.file("ra") + " " + dir.file("rb") + " --html " + html, dir).status ==
          0);
  const std::string dom = dir.file("dom.html"), err = dir.file("chromium.err");
  const int rc = std::system(
      ("timeout 120 " + chromium +
       " --headless=new --disable-gpu --no-sandbox --no-first-run --user-data-dir=" + dir.file("profile") +
       " --window-size=1100,3000 --dump-dom file://" + html + " >" + dom + " 2>" + err)
          .c_str());
  INFO(read_file(err));
  REQUIRE(rc == 0);
  CHECK_THAT(read_file(dom), Catch::Contains("data-rendered=\"ok 5 charts\""));
}

TEST_CASE("reports::HtmlReport: headless Chromium renders the report with every chart") {
  const std::string chromium = chromium_binary();
  INFO("Chromium is required for this test: scripts/setup installs the Debian package chromium");
  REQUIRE_FALSE(chromium.empty());
  TempDir dir;
  const std::string scenario = write_small_scenario(dir);
  const std::string html = dir.file("report.html");
  REQUIRE(run_servesim("run " + scenario + " --out " + dir.file("run") + " --html " + html + " --quiet", dir)
              .status == 0);
  const std::string flags =
      " --headless=new --disable-gpu --no-sandbox --no-first-run --user-data-dir=" + dir.file("profile") +
      " --window-size=1100,3000 ";
  const std::string dom = dir.file("dom.html"), png = dir.file("report.png"), err = dir.file("chromium.err");
  const int rc = std::system(
      ("timeout 120 " + chromium + flags + "--dump-dom file://" + html + " >" + dom + " 2>" + err).c_str());
  INFO(read_file(err));
  REQUIRE(rc == 0);
  const std::string text = read_file(dom);
  CHECK_THAT(text, Catch::Contains("data-rendered=\"ok 8 charts\""));
  for (const char* id : {"chart-traffic", "chart-instances", "chart-latency", "chart-cold-starts",
                         "chart-dropped", "chart-throttled", "chart-timed-out", "chart-cost"})
    CHECK_THAT(text, Catch::Contains(std::string("<svg id=\"") + id + "\""));
  REQUIRE(std::system(("timeout 120 " + chromium + flags + "--screenshot=" + png + " file://" + html +
                       " >/dev/null 2>>" + err)
                          .c_str()) == 0);
  const std::string image = read_file(png);
  REQUIRE(image.size() > 10000);
  CHECK(image.substr(1, 3) == "PNG");
}

TEST_CASE(
    "reports::HtmlReport: no candidate meets the SLO: the closest one's share never rounds up to the "
    "target") {
  RunData run = synthetic_run(60, 2);
  for (auto& c : run.summary["candidates"]) c["slo"] = {{"attainment", 0.98996}, {"met", false}};
  run.summary["candidates"][1]["slo"]["attainment"] = 0.97;
  const std::string html = html_report(run, synthetic_context());
  CHECK_THAT(html, Catch::Contains("No candidate meets the SLO"));
  // 98.996% against a 99% target: never "99%" (a contradiction) and never "99.0%".
  CHECK_THAT(html, Catch::Contains("98.996% of requests served within"));
}

TEST_CASE("reports::HtmlReport: event sources and workflows get their tables") {
  RunData run = synthetic_run(60, 2);
  // An SQS block: 1,000 sent, 990 served, 6 dead-lettered, 1 expired, so 3 were still queued at the end.
  run.summary["candidates"][0]["event_source"] = {
      {"type", "sqs"},
      {"messages",
       {{"sent", 1000}, {"served", 990}, {"dead_lettered", 6}, {"expired", 1}, {"redeliveries", 9}}},
      {"batches", {{"invocations", 120}, {"failed", 2}, {"mean_size", 8.25}, {"concurrent_peak", 7}}},
      {"queue", {{"depth_peak", 456}, {"oldest_message_age_peak_s", 12.5}}}};
  run.summary["candidates"][1]["workflow"] = {
      {"engine", "step-functions-standard"},
      {"executions", {{"started", 311}, {"completed", 309}, {"failed", 2}}},
      {"makespan_ms", {{"p50", 1144.43}, {"p99", 6520.57}}},
      {"transitions_per_execution", 21.28},
      {"cost_per_completed_usd", 0.000738864},
      {"stages",
       {{{"stage", "ocr"}, {"kind", "model"}, {"throttles", 4}, {"caught", 2}},
        {{"stage", "long"}, {"kind", "parallel"}, {"caught", 1}},
        {{"stage", "tables"}, {"kind", "model"}, {"throttles", 3}}}}};
  const std::string html = html_report(run, synthetic_context("events"));
  CHECK_THAT(html, Catch::Contains("Event sources: queue or stream in front of the function"));
  CHECK_THAT(html, Catch::Contains("<td>1,000</td><td>990</td><td>6</td><td>1</td><td>3</td><td>120</td>"));
  CHECK_THAT(html, Catch::Contains("<td>456</td><td>12.5</td>"));
  CHECK_THAT(html, Catch::Contains("<h3>Workflows</h3>"));
  CHECK_THAT(html, Catch::Contains("step-functions-standard"));
  // Caught summed over the stages with a catch (2 + 1), throttled attempts over all (4 + 3).
  CHECK_THAT(html, Catch::Contains("<td>311</td><td>309</td><td>2</td><td>3</td><td>7</td>"));
  // A Pub/Sub push block: one message per push request, so the batch is 1 and the invocations are the push
  // requests (500 sent, 480 served, 5 dead-lettered, 2 expired: 13 left), the peak the outstanding pushes.
  RunData pushed = synthetic_run(60, 2);
  pushed.summary["candidates"][0]["event_source"] = {
      {"type", "pubsub"},
      {"messages",
       {{"sent", 500}, {"served", 480}, {"dead_lettered", 5}, {"expired", 2}, {"redeliveries", 40}}},
      {"push", {{"requests", 540}, {"nacks", 45}, {"outstanding_peak", 17}}},
      {"queue", {{"depth_peak", 77}, {"oldest_message_age_peak_s", 31.5}}}};
  const std::string push_html = html_report(pushed, synthetic_context("pubsub"));
  CHECK_THAT(push_html,
             Catch::Contains("<td>500</td><td>480</td><td>5</td><td>2</td><td>13</td><td>540</td><td>1</td>"
                             "<td>17</td><td>77</td><td>31.5</td>"));
  CHECK_THAT(html, Catch::Contains("<td>311</td><td>309</td><td>2</td>"));
  CHECK_THAT(html, Catch::Contains("$0.000739"));
  // A training block: 1 job, 500 s busy, 1,002.15 s waiting, idle share 0.667144 shown as 66.7%.
  RunData trained = synthetic_run(60, 2);
  trained.summary["candidates"][0]["training"] = {
      {"jobs", {{"started", 1}, {"completed", 1}}},
      {"makespan_ms", {{"p50", 1502150.0}}},
      {"gpu_pool",
       {{"busy_s", 500.0}, {"idle_s", {{"waiting_for_data", 1002.15}}}, {"idle_share", 0.667144}}},
      {"cost_usd", {{"gpu", 0.419768}, {"preprocessing", 0.345978}, {"per_completed_job", 0.765746}}}};
  const std::string train_html = html_report(trained, synthetic_context("training"));
  CHECK_THAT(train_html, Catch::Contains("<h3>Training jobs: GPU busy and idle</h3>"));
  CHECK_THAT(train_html, Catch::Contains("<td>1</td><td>1</td>"));
  CHECK_THAT(train_html, Catch::Contains("66.7%"));
  CHECK_THAT(train_html, Catch::Contains("$0.766"));
  CHECK_THAT(html, !Catch::Contains("Training jobs"));
  // Without the blocks, neither table.
  const std::string plain = html_report(synthetic_run(60, 2), synthetic_context("plain"));
  CHECK_THAT(plain, !Catch::Contains("Event sources:"));
  CHECK_THAT(plain, !Catch::Contains("<h3>Workflows</h3>"));
}

TEST_CASE("reports::HtmlReport: state-store stages get a row with their instance cache") {
  // A topology with a function and a store whose instance cache avoided 47,989 reads (0.37850 of 126,788
  // visits), behind session affinity with 48,139 hits of 126,788 placements (37.97%).
  RunData run = synthetic_run(60, 2);
  run.summary["candidates"][0]["topology"] = {{{"stage", "fn"}, {"kind", "model"}},
                                              {{"stage", "session"},
                                               {"kind", "state-store"},
                                               {"reads", 78799},
                                               {"writes", 126788},
                                               {"throttles", 0},
                                               {"mean_latency_added_ms", 7.44827},
                                               {"instance_cache_hits", 47989},
                                               {"instance_cache_misses", 78799},
                                               {"instance_cache_hit_ratio", 0.378498},
                                               {"reads_avoided", 47989},
                                               {"saved_usd", 0.00599863}}};
  run.summary["candidates"][0]["levers"] = {{"fn/affinity_hits", 48139},
                                            {"fn/affinity_misses_first", 2014},
                                            {"fn/affinity_misses_gone", 0},
                                            {"fn/affinity_misses_full", 67716},
                                            {"fn/affinity_misses_scaled_in", 8919}};
  const std::string html = html_report(run, synthetic_context("stores"));
  CHECK_THAT(html, Catch::Contains("<h3>State stores</h3>"));
  CHECK_THAT(html, Catch::Contains("<td>78,799</td><td>126,788</td><td>0</td><td>7.45</td><td>38%</td>"
                                   "<td>37.8%</td><td>47,989</td><td>$0.006</td>"));
  CHECK_THAT(html_report(synthetic_run(60, 2), synthetic_context("plain")), !Catch::Contains("State stores"));
}
