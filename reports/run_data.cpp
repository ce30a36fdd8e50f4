#include "reports/run_data.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/input_error.hpp"
#include "core/json_reader.hpp"

namespace servesim::reports {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(path, "", "cannot open file (is this a folder written by servesim run?)");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t comma = line.find(',', start);
    out.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

double number(const std::string& s, const std::string& file, size_t line_no) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0')
    throw input_error(file, "line " + std::to_string(line_no), "expected a number, got '" + s + "'");
  return v;
}

}  // namespace

std::vector<CandidateSeries> parse_timeseries_csv(const std::string& text, const std::string& file) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line)) throw input_error(file, "", "empty file");
  const auto header = split(line);
  if (header.empty() || header[0] != "candidate") throw input_error(file, "line 1", "expected a header");
  // The candidate name is the first field; it may itself contain commas, so numbers are taken from the right.
  const size_t numeric = header.size() - 1;
  using Column = std::vector<double> CandidateSeries::*;
  const std::map<std::string, Column> columns = {
      {"start_s", &CandidateSeries::start_s},
      {"end_s", &CandidateSeries::end_s},
      {"arrivals", &CandidateSeries::arrivals},
      {"served", &CandidateSeries::served},
      {"cold_starts", &CandidateSeries::cold_starts},
      {"throttled", &CandidateSeries::throttled},
      {"timed_out", &CandidateSeries::timed_out},
      {"dropped", &CandidateSeries::dropped},
      {"busy_instances_mean", &CandidateSeries::busy_mean},
      {"idle_instances_mean", &CandidateSeries::idle_mean},
      {"instances_peak", &CandidateSeries::instances_peak},
      {"p50_ms", &CandidateSeries::p50_ms},
      {"p99_ms", &CandidateSeries::p99_ms},
      {"cost_usd_cumulative", &CandidateSeries::cost_usd_cumulative}};
  std::vector<Column> at(numeric, nullptr);
  size_t found = 0;
  for (size_t i = 1; i < header.size(); ++i) {
    auto it = columns.find(header[i]);
    if (it != columns.end()) at[i - 1] = it->second, ++found;
  }
  if (found != columns.size()) throw input_error(file, "line 1", "missing columns in the header: " + line);

  std::vector<CandidateSeries> out;
  std::map<std::string, size_t> index;
  size_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    const auto fields = split(line);
    if (fields.size() < header.size())
      throw input_error(
          file, "line " + std::to_string(line_no),
          "expected " + std::to_string(header.size()) + " fields, got " + std::to_string(fields.size()));
    const size_t name_fields = fields.size() - numeric;
    std::string name = fields[0];
    for (size_t i = 1; i < name_fields; ++i) name += "," + fields[i];
    auto [it, added] = index.emplace(name, out.size());
    if (added) {
      out.emplace_back();
      out.back().name = name;
    }
    CandidateSeries& s = out[it->second];
    for (size_t i = 0; i < numeric; ++i)
      if (at[i]) (s.*at[i]).push_back(number(fields[name_fields + i], file, line_no));
  }
  return out;
}

RunData read_run_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir))
    throw input_error(dir, "", "not a folder (expected the output folder of servesim run)");
  RunData run;
  run.dir = dir;
  const std::string summary_path = (fs::path(dir) / "summary.json").string();
  run.summary = core::parse_json(slurp(summary_path), summary_path);
  if (!run.summary.contains("candidates") || !run.summary["candidates"].is_array())
    throw input_error(summary_path, "/candidates", "missing");

  const std::string ts_path = (fs::path(dir) / "timeseries.csv").string();
  auto series = parse_timeseries_csv(slurp(ts_path), ts_path);
  const std::string hist_path = (fs::path(dir) / "latency_histogram.csv").string();
  std::map<std::string, std::vector<HistogramBucket>> hist;
  {
    std::istringstream in(slurp(hist_path));
    std::string line;
    size_t line_no = 0;
    while (std::getline(in, line)) {
      if (++line_no == 1 || line.empty()) continue;
      const auto f = split(line);
      if (f.size() < 4) throw input_error(hist_path, "line " + std::to_string(line_no), "expected 4 fields");
      std::string name = f[0];
      for (size_t i = 1; i + 3 < f.size(); ++i) name += "," + f[i];
      hist[name].push_back(
          HistogramBucket{number(f[f.size() - 3], hist_path, line_no), number(f.back(), hist_path, line_no)});
    }
  }
  for (const auto& c : run.summary["candidates"]) {
    const std::string name = c.value("name", "");
    CandidateSeries s;
    s.name = name;
    for (auto& candidate : series)
      if (candidate.name == name) s = std::move(candidate);
    run.series.push_back(std::move(s));
    run.histograms.push_back(hist[name]);
  }
  return run;
}

}  // namespace servesim::reports
