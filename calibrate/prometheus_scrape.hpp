#pragma once
// Prometheus data of a GPU serving deployment (a vLLM server's /metrics, kube-state-metrics), read from the
// two forms a team can export, into one set of time series; calibrate/prometheus_fit.hpp fits them.
//
//   Text exposition (the /metrics format): a sequence of scrapes in one file. Each scrape starts with a
//   comment line `# servesim-scrape <unix_s>` (decimal seconds since 1970, UTC) that gives the time of the
//   samples after it; a sample may instead carry its own timestamp (integer milliseconds since 1970 after
//   the value, as the exposition format allows), which wins. `# HELP`, `# TYPE` and other comments, and
//   blank lines, are skipped. A sample is `name{label="value",...} value [timestamp_ms]`; values may be
//   NaN, +Inf or -Inf; label values use the format's escapes (\\, \", \n).
//
//   The HTTP API's range-query answer (GET /api/v1/query_range), one JSON document per file:
//   {"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {"__name__": ...,
//   LABEL: VALUE...}, "values": [[unix_s, "value"], ...]}, ...]}}. Each result must name its metric
//   (`__name__`: query a metric itself, not a function of it such as rate()).
//
// A file is the JSON answer when its first non-blank byte is `{`, else text. Errors name the file and the
// line (text) or the JSON pointer (JSON) and what was expected; docs/calibrate.md ("Prometheus") maps the
// metrics read.
//
//   calibrate::PromData data;
//   calibrate::read_prometheus("vllm.prom", data);
//   const calibrate::PromSeries* s = data.find("vllm:request_success_total", {{"pod", "vllm-0"}});
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace servesim::calibrate {

struct PromSample {
  double t_s = 0;  // [s since 1970, UTC]
  double value = 0;
};

using PromLabels = std::map<std::string, std::string>;  // without __name__

struct PromSeries {
  std::string name;  // the metric name as written (with _bucket, _sum, _count)
  PromLabels labels;
  std::vector<PromSample> samples;  // in time order, one per time
  std::string file;                 // where the series was first seen
  int line = 0;                     // its line (text) or result index (JSON)

  std::string label(const std::string& key) const {
    const auto it = labels.find(key);
    return it == labels.end() ? std::string() : it->second;
  }
};

struct PromData {
  std::vector<PromSeries> series;
  std::map<std::string, size_t> index;  // series_key() -> position in `series`

  // The series of that name and labels, created empty (with file and line) when it is new.
  PromSeries& series_of(const std::string& name, const PromLabels& labels, const std::string& file, int line);
  const PromSeries* find(const std::string& name, const PromLabels& labels) const;
  // Every series of that name.
  std::vector<const PromSeries*> named(const std::string& name) const;
  size_t samples() const;
};

// "name{a=\"1\",b=\"2\"}" (labels in key order): the identity of a series.
std::string series_key(const std::string& name, const PromLabels& labels);

// Adds the series of one text exposition file to `data`. Samples of a series must come in increasing time
// within a file (scrapes in time order). Throws InputError naming `file` and the line.
void parse_prometheus_text(std::string_view text, const std::string& file, PromData& data);
// Adds the series of one query_range answer. Throws InputError naming `file` and the JSON pointer.
void parse_prometheus_json(std::string_view text, const std::string& file, PromData& data);
// Either form, by the first non-blank byte.
void parse_prometheus(std::string_view text, const std::string& file, PromData& data);
// Reads a file (core::open_input) and parses it.
void read_prometheus(const std::string& path, PromData& data);
// After every file: sorts each series by time and merges samples at one time that several files hold (the
// same value: kept once; different values: InputError naming the series, the time and both files).
void finish_prometheus(PromData& data);

// Whether `text` (the first bytes of a file) looks like Prometheus data: a `# servesim-scrape` line, a
// `vllm:` sample or a query_range answer ("resultType").
bool looks_like_prometheus(std::string_view text);

}  // namespace servesim::calibrate
