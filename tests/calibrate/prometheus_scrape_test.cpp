// The reader of Prometheus data: the text exposition format (a sample is `name{labels} value [timestamp]`,
// the timestamp in integer milliseconds since 1970; `#` lines are comments; label values escape \\, \" and
// \n; prometheus.io, "Exposition formats"), several scrapes in one file separated by our
// `# servesim-scrape UNIX_S` comment, and the HTTP API's query_range answer (resultType "matrix", each
// result's "values" an array of [unix_s, "value"]; prometheus.io, "HTTP API").
#include "calibrate/prometheus_scrape.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "core/input_error.hpp"

using namespace servesim;

namespace {

std::string prom_error_of(const std::string& text, const std::string& file) {
  calibrate::PromData data;
  try {
    calibrate::parse_prometheus(text, file, data);
    calibrate::finish_prometheus(data);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("calibrate::parse_prometheus_text: scrapes separated by servesim-scrape comments") {
  const std::string text =
      "# servesim-scrape 1764576000\n"
      "# HELP vllm:request_success_total Count of successfully processed requests.\n"
      "# TYPE vllm:request_success_total counter\n"
      "vllm:request_success_total{finished_reason=\"stop\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\","
      "pod=\"vllm-0\"} 12.0\n"
      "vllm:e2e_request_latency_seconds_bucket{le=\"+Inf\",pod=\"vllm-0\"} 12\n"
      "\n"
      "# servesim-scrape 1764576015.5\n"
      "vllm:request_success_total{pod=\"vllm-0\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\","
      "finished_reason=\"stop\"} 20\r\n"
      "vllm:e2e_request_latency_seconds_bucket{le=\"+Inf\",pod=\"vllm-0\",} 20\n"
      "vllm:num_requests_running{pod=\"vllm-\\\"1\\\"\\\\x\\n\"} NaN\n";
  calibrate::PromData data;
  calibrate::parse_prometheus(text, "v.prom", data);
  calibrate::finish_prometheus(data);
  REQUIRE(data.series.size() == 3);
  // Labels in another order are the same series.
  const auto* done = data.find(
      "vllm:request_success_total",
      {{"finished_reason", "stop"}, {"model_name", "meta-llama/Llama-3.1-8B-Instruct"}, {"pod", "vllm-0"}});
  REQUIRE(done);
  REQUIRE(done->samples.size() == 2);
  CHECK(done->samples[0].t_s == 1764576000.0);
  CHECK(done->samples[0].value == 12.0);
  CHECK(done->samples[1].t_s == 1764576015.5);
  CHECK(done->samples[1].value == 20.0);
  CHECK(done->line == 4);
  // The escapes \" \\ \n in a label value.
  const auto* running = data.find("vllm:num_requests_running", {{"pod", "vllm-\"1\"\\x\n"}});
  REQUIRE(running);
  CHECK(std::isnan(running->samples.at(0).value));
  CHECK(data.named("vllm:e2e_request_latency_seconds_bucket").size() == 1);
  CHECK(data.named("vllm:e2e_request_latency_seconds").empty());  // a prefix of another name is not it
  CHECK(data.samples() == 5);
}

TEST_CASE("calibrate::parse_prometheus_text: samples with their own millisecond timestamps") {
  const std::string text =
      "vllm:request_success_total{pod=\"a\"} 1 1764576000000\n"
      "vllm:request_success_total{pod=\"a\"} 3.5e1 1764576015250\n"
      "vllm:gpu_cache_usage_perc{pod=\"a\"} +Inf 1764576015250\n";
  calibrate::PromData data;
  calibrate::parse_prometheus(text, "t.prom", data);
  const auto* s = data.find("vllm:request_success_total", {{"pod", "a"}});
  REQUIRE(s);
  REQUIRE(s->samples.size() == 2);
  CHECK(s->samples[1].t_s == 1764576015.25);
  CHECK(s->samples[1].value == 35.0);
  CHECK(std::isinf(data.find("vllm:gpu_cache_usage_perc", {{"pod", "a"}})->samples[0].value));
}

TEST_CASE("calibrate::parse_prometheus_json: the query_range answer, one file per metric or several") {
  const std::string text = R"({"status": "success", "data": {"resultType": "matrix", "result": [
    {"metric": {"__name__": "vllm:request_success_total", "pod": "vllm-0", "namespace": "llm"},
     "values": [[1764576000, "10"], [1764576015, "16"], [1764576030.5, "2"]]},
    {"metric": {"__name__": "vllm:num_requests_running", "pod": "vllm-0"}, "values": [[1764576000, "3"]]}]}})";
  calibrate::PromData data;
  calibrate::parse_prometheus(text, "q.json", data);
  // A second file with an overlapping time and the same value: kept once.
  calibrate::parse_prometheus(R"({"status": "success", "data": {"resultType": "matrix", "result": [
    {"metric": {"__name__": "vllm:request_success_total", "pod": "vllm-0", "namespace": "llm"},
     "values": [[1764576030.5, "2"], [1764576045, "9"]]}]}})",
                              "q2.json", data);
  calibrate::finish_prometheus(data);
  const auto* s = data.find("vllm:request_success_total", {{"namespace", "llm"}, {"pod", "vllm-0"}});
  REQUIRE(s);
  REQUIRE(s->samples.size() == 4);
  CHECK(s->samples[2].t_s == 1764576030.5);
  CHECK(s->samples[2].value == 2.0);
  CHECK(s->samples[3].value == 9.0);
  CHECK(s->file == "q.json");
  CHECK(s->line == 0);
}

TEST_CASE("calibrate::parse_prometheus: malformed data names the file, the line or pointer") {
  CHECK(prom_error_of("vllm:request_success_total{pod=\"a\"} 1\n", "m.prom") ==
        "m.prom: line 1: expected a '# servesim-scrape UNIX_S' line before the first sample, or a timestamp "
        "(ms) on the sample, got vllm:request_success_total{pod=\"a\"} 1");
  CHECK(prom_error_of("# servesim-scrape yesterday\n", "m.prom") ==
        "m.prom: line 1: expected '# servesim-scrape UNIX_S' with the scrape's time in seconds since 1970 "
        "(1764576000), got # servesim-scrape yesterday");
  CHECK(prom_error_of("# servesim-scrape 1\nvllm:x{pod=\"a\"} 1,5\n", "m.prom") ==
        "m.prom: line 2: expected a sample value (a number, NaN, +Inf or -Inf) after vllm:x, got "
        "vllm:x{pod=\"a\"} 1,5");
  CHECK(prom_error_of("# servesim-scrape 1\nvllm:x{pod=a} 1\n", "m.prom") ==
        "m.prom: line 2: expected labels as {name=\"value\",...}, got vllm:x{pod=a} 1");
  CHECK(prom_error_of("# servesim-scrape 1\nvllm:x{pod=\"a} 1\n", "m.prom") ==
        "m.prom: line 2: expected a closing '\"' of the label value of pod, got vllm:x{pod=\"a} 1");
  CHECK(prom_error_of("vllm:x 1 1.5e12\n", "m.prom") ==
        "m.prom: line 1: expected a timestamp in integer milliseconds since 1970 after the value, got vllm:x "
        "1 1.5e12");
  CHECK(prom_error_of("# servesim-scrape 20\nvllm:x 1\n# servesim-scrape 10\nvllm:x 2\n", "m.prom") ==
        "m.prom: line 4: expected samples of a series in increasing time (scrapes in time order): 10.000 s "
        "after 20.000 s for vllm:x{}, got vllm:x 2");
  CHECK(prom_error_of("# servesim-scrape 1\n{pod=\"a\"} 1\n", "m.prom") ==
        "m.prom: line 2: expected a sample 'name{label=\"value\"} value [timestamp_ms]', got {pod=\"a\"} 1");

  const std::string head = R"({"status": "success", "data": {"resultType": "matrix", "result": [)";
  CHECK(prom_error_of(R"({"status": "error", "errorType": "bad_data"})", "q.json") ==
        "q.json: /status: expected \"success\" (an answer without an error), got \"error\"");
  CHECK(prom_error_of(R"({"status": "success", "data": {"resultType": "vector", "result": []}})", "q.json") ==
        "q.json: /data/resultType: expected \"matrix\" (the answer of /api/v1/query_range), got \"vector\"");
  CHECK(prom_error_of(head + R"({"metric": {"pod": "a"}, "values": []}]}})", "q.json") ==
        "q.json: /data/result/0/metric/__name__: expected a metric name (query the metric itself, not a "
        "function of it such as rate()), got null");
  CHECK(prom_error_of(head + R"({"metric": {"__name__": "vllm:x"}, "values": [[1, "1"], [2, 3]]}]}})",
                      "q.json") ==
        "q.json: /data/result/0/values/1: expected [unix_s, \"value\"] (a number and a string), got [2,3]");
  CHECK(
      prom_error_of(head + R"({"metric": {"__name__": "vllm:x"}, "values": [[1, "1"], [2, "x"]]}]}})",
                    "q.json") ==
      "q.json: /data/result/0/values/1/1: expected a sample value as a string (\"12.5\", \"NaN\", \"+Inf\"), "
      "got \"x\"");
  CHECK(prom_error_of(head + R"({"metric": {"__name__": "vllm:x"}, "values": [[2, "1"], [1, "1"]]}]}})",
                      "q.json") ==
        "q.json: /data/result/0/values/1/0: expected a time in seconds since 1970 after the series' previous "
        "one, got 1");
  // Two files that disagree at one time.
  calibrate::PromData data;
  calibrate::parse_prometheus("vllm:x{pod=\"a\"} 1 1000\n", "a.prom", data);
  calibrate::parse_prometheus("vllm:x{pod=\"a\"} 2 1000\n", "b.prom", data);
  try {
    calibrate::finish_prometheus(data);
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) ==
          "a.prom: vllm:x{pod=\"a\"}: expected one value of the series at 1.000 s, got 1 and 2 (files "
          "overlap)");
  }
}

TEST_CASE("calibrate::looks_like_prometheus: scrapes, vLLM samples and query_range answers") {
  CHECK(calibrate::looks_like_prometheus("# servesim-scrape 1764576000\n"));
  CHECK(calibrate::looks_like_prometheus("# HELP x\nvllm:num_requests_running 1 1000\n"));
  CHECK(calibrate::looks_like_prometheus(R"({"status":"success","data":{"resultType":"matrix"}})"));
  CHECK_FALSE(calibrate::looks_like_prometheus("arrival_s\n0.5\n"));
}
