#include "calibrate/prometheus_scrape.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <unordered_map>

#include "core/input_error.hpp"
#include "core/input_file.hpp"
#include "core/json_reader.hpp"

namespace servesim::calibrate {

PromSeries& PromData::series_of(const std::string& name, const PromLabels& labels, const std::string& file,
                                int line) {
  const std::string key = series_key(name, labels);
  const auto it = index.find(key);
  if (it != index.end()) return series[it->second];
  index.emplace(key, series.size());
  PromSeries s;
  s.name = name;
  s.labels = labels;
  s.file = file;
  s.line = line;
  series.push_back(std::move(s));
  return series.back();
}

const PromSeries* PromData::find(const std::string& name, const PromLabels& labels) const {
  const auto it = index.find(series_key(name, labels));
  return it == index.end() ? nullptr : &series[it->second];
}

std::vector<const PromSeries*> PromData::named(const std::string& name) const {
  std::vector<const PromSeries*> out;
  // The keys start with the name followed by '{': a range of the ordered index.
  for (auto it = index.lower_bound(name + "{"); it != index.end(); ++it) {
    if (it->first.compare(0, name.size() + 1, name + "{") != 0) break;
    out.push_back(&series[it->second]);
  }
  return out;
}

size_t PromData::samples() const {
  size_t n = 0;
  for (const auto& s : series) n += s.samples.size();
  return n;
}

std::string series_key(const std::string& name, const PromLabels& labels) {
  std::string key = name + "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    key += (first ? "" : ",") + k + "=\"";
    for (const char c : v) {
      if (c == '"' || c == '\\') key += '\\';
      key += c;
    }
    key += '"';
    first = false;
  }
  return key + "}";
}

namespace {

constexpr std::string_view kScrapeComment = "# servesim-scrape";

bool is_prom_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool is_prom_name_char(char c) {
  return is_prom_name_start(c) || (c >= '0' && c <= '9');
}
bool is_prom_blank(char c) {
  return c == ' ' || c == '\t';
}

// A sample value as the exposition format writes it: a Go float (NaN, +Inf, -Inf, decimals, exponents).
bool parse_prom_value(std::string_view text, double& value) {
  if (text == "NaN") {
    value = NAN;
    return true;
  }
  if (text == "+Inf" || text == "Inf") {
    value = HUGE_VAL;
    return true;
  }
  if (text == "-Inf") {
    value = -HUGE_VAL;
    return true;
  }
  if (text.empty()) return false;
  const char* begin = text.data();
  if (*begin == '+') ++begin;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  return ec == std::errc() && ptr == end && std::isfinite(value);
}

bool parse_prom_int64(std::string_view text, int64_t& value) {
  if (text.empty()) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && ptr == text.data() + text.size();
}

class TextParser {
 public:
  TextParser(std::string_view text, const std::string& file, PromData& data)
      : text_(text), file_(file), data_(data) {}

  void run() {
    size_t pos = 0;
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;  // a UTF-8 byte order mark
    while (pos < text_.size()) {
      const size_t nl = text_.find('\n', pos);
      std::string_view line =
          text_.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      pos = nl == std::string_view::npos ? text_.size() : nl + 1;
      ++line_;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      size_t first = 0;
      while (first < line.size() && is_prom_blank(line[first])) ++first;
      line.remove_prefix(first);
      if (line.empty()) continue;
      if (line.front() == '#') {
        comment(line);
        continue;
      }
      sample(line);
    }
  }

 private:
  [[noreturn]] void fail(const std::string& expected, std::string_view got) const {
    throw input_error(file_, "line " + std::to_string(line_),
                      "expected " + expected + ", got " + excerpt(got));
  }

  void comment(std::string_view line) {
    if (line.substr(0, kScrapeComment.size()) != kScrapeComment) return;  // HELP, TYPE, others
    std::string_view rest = line.substr(kScrapeComment.size());
    if (!rest.empty() && !is_prom_blank(rest.front())) return;  // another comment that starts alike
    while (!rest.empty() && is_prom_blank(rest.front())) rest.remove_prefix(1);
    while (!rest.empty() && is_prom_blank(rest.back())) rest.remove_suffix(1);
    double t = 0;
    if (!parse_prom_value(rest, t) || t < 0)
      fail("'# servesim-scrape UNIX_S' with the scrape's time in seconds since 1970 (1764576000)", line);
    scrape_s_ = t;
    has_scrape_ = true;
  }

  void sample(std::string_view line) {
    size_t i = 0;
    if (!is_prom_name_start(line[0])) fail("a sample 'name{label=\"value\"} value [timestamp_ms]'", line);
    while (i < line.size() && is_prom_name_char(line[i])) ++i;
    const std::string name(line.substr(0, i));
    PromLabels labels;
    if (i < line.size() && line[i] == '{') i = read_labels(line, i + 1, labels);
    if (i >= line.size() || !is_prom_blank(line[i]))
      fail("a blank and the value after the metric name", line);
    while (i < line.size() && is_prom_blank(line[i])) ++i;
    size_t end = i;
    while (end < line.size() && !is_prom_blank(line[end])) ++end;
    double value = 0;
    if (!parse_prom_value(line.substr(i, end - i), value))
      fail("a sample value (a number, NaN, +Inf or -Inf) after " + name, line);
    i = end;
    while (i < line.size() && is_prom_blank(line[i])) ++i;
    double t = scrape_s_;
    if (i < line.size()) {
      end = i;
      while (end < line.size() && !is_prom_blank(line[end])) ++end;
      int64_t ms = 0;
      if (!parse_prom_int64(line.substr(i, end - i), ms) || ms < 0)
        fail("a timestamp in integer milliseconds since 1970 after the value", line);
      i = end;
      while (i < line.size() && is_prom_blank(line[i])) ++i;
      if (i < line.size()) fail("nothing after the timestamp", line);
      t = static_cast<double>(ms) / 1000.0;
    } else if (!has_scrape_) {
      fail("a '# servesim-scrape UNIX_S' line before the first sample, or a timestamp (ms) on the sample",
           line);
    }
    PromSeries& series = data_.series_of(name, labels, file_, line_);
    const size_t id = static_cast<size_t>(&series - data_.series.data());
    const auto last = last_t_.find(id);
    if (last != last_t_.end() && !(t > last->second)) {
      char text[160];
      std::snprintf(text, sizeof text,
                    "samples of a series in increasing time (scrapes in time order): %.3f s after %.3f s for",
                    t, last->second);
      fail(text + (" " + series_key(name, labels)), line);
    }
    last_t_[id] = t;
    series.samples.push_back({t, value});
  }

  // Reads `label="value",...}` from `i` (after the '{'); returns the position after the '}'.
  size_t read_labels(std::string_view line, size_t i, PromLabels& labels) {
    const auto bad = [&] { fail("labels as {name=\"value\",...}", line); };
    while (true) {
      while (i < line.size() && is_prom_blank(line[i])) ++i;
      if (i < line.size() && line[i] == '}') return i + 1;
      if (i >= line.size() || !is_prom_name_start(line[i]) || line[i] == ':') bad();
      const size_t from = i;
      while (i < line.size() && is_prom_name_char(line[i]) && line[i] != ':') ++i;
      const std::string key(line.substr(from, i - from));
      while (i < line.size() && is_prom_blank(line[i])) ++i;
      if (i >= line.size() || line[i] != '=') bad();
      ++i;
      while (i < line.size() && is_prom_blank(line[i])) ++i;
      if (i >= line.size() || line[i] != '"') bad();
      ++i;
      std::string value;
      while (true) {
        if (i >= line.size()) fail("a closing '\"' of the label value of " + key, line);
        const char c = line[i++];
        if (c == '"') break;
        if (c != '\\') {
          value += c;
          continue;
        }
        if (i >= line.size()) bad();
        const char e = line[i++];
        if (e == 'n')
          value += '\n';
        else if (e == '\\' || e == '"')
          value += e;
        else
          fail("a label escape \\\\, \\\" or \\n", line);
      }
      if (key == "__name__") fail("the metric name before the braces, not as __name__", line);
      if (!labels.emplace(key, std::move(value)).second)
        fail("each label once, got " + key + " twice in", line);
      while (i < line.size() && is_prom_blank(line[i])) ++i;
      if (i < line.size() && line[i] == ',') {
        ++i;
        continue;
      }
      if (i < line.size() && line[i] == '}') return i + 1;
      bad();
    }
  }

  std::string_view text_;
  const std::string& file_;
  PromData& data_;
  int line_ = 0;
  double scrape_s_ = 0;
  bool has_scrape_ = false;
  std::unordered_map<size_t, double> last_t_;  // series id -> its last time in this file
};

std::string prom_json_excerpt(const nlohmann::json& value) {
  return excerpt(value.dump());
}

}  // namespace

void parse_prometheus_text(std::string_view text, const std::string& file, PromData& data) {
  TextParser(text, file, data).run();
}

void parse_prometheus_json(std::string_view text, const std::string& file, PromData& data) {
  const nlohmann::json doc = core::parse_json(text, file);
  const auto fail = [&](const std::string& pointer, const std::string& expected, const nlohmann::json& got) {
    return input_error(file, pointer, "expected " + expected + ", got " + prom_json_excerpt(got));
  };
  if (!doc.is_object())
    throw fail("", "a query_range answer {\"status\": \"success\", \"data\": {...}}", doc);
  const auto status = doc.find("status");
  if (status == doc.end() || *status != "success")
    throw fail("/status", "\"success\" (an answer without an error)",
               status == doc.end() ? nlohmann::json(nullptr) : *status);
  const auto d = doc.find("data");
  if (d == doc.end() || !d->is_object())
    throw fail("/data", "an object with resultType and result",
               d == doc.end() ? nlohmann::json(nullptr) : *d);
  const auto type = d->find("resultType");
  if (type == d->end() || *type != "matrix")
    throw fail("/data/resultType", "\"matrix\" (the answer of /api/v1/query_range)",
               type == d->end() ? nlohmann::json(nullptr) : *type);
  const auto result = d->find("result");
  if (result == d->end() || !result->is_array())
    throw fail("/data/result", "an array of series", result == d->end() ? nlohmann::json(nullptr) : *result);
  for (size_t r = 0; r < result->size(); ++r) {
    const nlohmann::json& item = (*result)[r];
    const std::string at = "/data/result/" + std::to_string(r);
    if (!item.is_object()) throw fail(at, "a series {\"metric\": {...}, \"values\": [...]}", item);
    const auto metric = item.find("metric");
    if (metric == item.end() || !metric->is_object())
      throw fail(at + "/metric", "an object of labels",
                 metric == item.end() ? nlohmann::json(nullptr) : *metric);
    std::string name;
    PromLabels labels;
    for (const auto& [key, value] : metric->items()) {
      if (!value.is_string()) throw fail(at + "/metric/" + key, "a label value as a string", value);
      if (key == "__name__")
        name = value.get<std::string>();
      else
        labels.emplace(key, value.get<std::string>());
    }
    if (name.empty() || !is_prom_name_start(name[0]) ||
        !std::all_of(name.begin(), name.end(), [](char c) { return is_prom_name_char(c); }))
      throw fail(at + "/metric/__name__",
                 "a metric name (query the metric itself, not a function of it such as rate())",
                 metric->contains("__name__") ? (*metric)["__name__"] : nlohmann::json(nullptr));
    const auto values = item.find("values");
    if (values == item.end() || !values->is_array())
      throw fail(at + "/values", "an array of [unix_s, \"value\"] pairs",
                 values == item.end() ? nlohmann::json(nullptr) : *values);
    PromSeries& series = data.series_of(name, labels, file, static_cast<int>(r));
    double last = -HUGE_VAL;
    for (size_t k = 0; k < values->size(); ++k) {
      const nlohmann::json& pair = (*values)[k];
      const std::string here = at + "/values/" + std::to_string(k);
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number() || !pair[1].is_string())
        throw fail(here, "[unix_s, \"value\"] (a number and a string)", pair);
      const double t = pair[0].get<double>();
      double value = 0;
      if (!parse_prom_value(pair[1].get<std::string>(), value))
        throw fail(here + "/1", "a sample value as a string (\"12.5\", \"NaN\", \"+Inf\")", pair[1]);
      if (!(t > last) || t < 0)
        throw fail(here + "/0", "a time in seconds since 1970 after the series' previous one", pair[0]);
      last = t;
      series.samples.push_back({t, value});
    }
  }
}

void parse_prometheus(std::string_view text, const std::string& file, PromData& data) {
  size_t i = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) ++i;
  if (i < text.size() && text[i] == '{')
    parse_prometheus_json(text, file, data);
  else
    parse_prometheus_text(text, file, data);
}

void read_prometheus(const std::string& path, PromData& data) {
  const auto in = core::open_input(path, "Prometheus file");
  std::ostringstream buffer;
  buffer << in->rdbuf();
  parse_prometheus(buffer.str(), path, data);
}

void finish_prometheus(PromData& data) {
  for (auto& s : data.series) {
    std::stable_sort(s.samples.begin(), s.samples.end(),
                     [](const PromSample& a, const PromSample& b) { return a.t_s < b.t_s; });
    std::vector<PromSample> merged;
    merged.reserve(s.samples.size());
    for (const auto& p : s.samples) {
      if (!merged.empty() && merged.back().t_s == p.t_s) {
        const bool same =
            merged.back().value == p.value || (std::isnan(p.value) && std::isnan(merged.back().value));
        if (!same) {
          char text[200];
          std::snprintf(text, sizeof text,
                        "one value of the series at %.3f s, got %.17g and %.17g (files overlap)", p.t_s,
                        merged.back().value, p.value);
          throw input_error(s.file, series_key(s.name, s.labels), std::string("expected ") + text);
        }
        continue;
      }
      merged.push_back(p);
    }
    s.samples = std::move(merged);
  }
}

bool looks_like_prometheus(std::string_view text) {
  return text.find(kScrapeComment) != std::string_view::npos ||
         text.find("\nvllm:") != std::string_view::npos || text.substr(0, 5) == "vllm:" ||
         text.find("\"resultType\"") != std::string_view::npos;
}

}  // namespace servesim::calibrate
