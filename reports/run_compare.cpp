#include "reports/run_compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <sstream>

#include "core/input_error.hpp"
#include "reports/html_report.hpp"
#include "reports/html_text.hpp"
#include "reports/report_tables.hpp"
#include "reports/report_timeline.hpp"
#include "reports/svg_chart.hpp"

namespace servesim::reports {
namespace {

struct Metric {
  const char* key;      // in the comparison
  const char* section;  // in summary.json's candidate
  const char* field;
  const char* heading;  // in the table
};

constexpr Metric kMetrics[] = {{"cost_usd", "cost_usd", "total", "cost (USD)"},
                               {"slo_attainment", "slo", "attainment", "SLO attainment"},
                               {"p99_ms", "latency_ms", "p99", "p99 (ms)"},
                               {"cold_starts", "requests", "cold_starts", "cold starts"}};

std::string run_label(size_t index) {
  if (index < 26) return std::string(1, static_cast<char>('A' + index));
  return "R" + std::to_string(index + 1);
}

double metric_value(const RunData& run, size_t candidate, const Metric& m) {
  const auto& c = run.summary["candidates"][candidate];
  if (!c.is_object() || !c.contains(m.section) || !c[m.section].is_object() ||
      !c[m.section].contains(m.field) || !c[m.section][m.field].is_number())
    throw input_error((std::filesystem::path(run.dir) / "summary.json").string(),
                      "/candidates/" + std::to_string(candidate) + "/" + m.section + "/" + m.field,
                      "expected a number");
  return c[m.section][m.field].get<double>();
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// A value as the table shows it: attainment as a percentage, cold starts as a count, others to 6 digits.
std::string value_text(const std::string& key, double v) {
  if (key == "slo_attainment") return fmt("%.3f%%", 100 * v);
  if (key == "cold_starts") return format_count(v);
  if (key == "cost_usd") return fmt("%.6g", v);
  return fmt("%.6g", v);
}

std::string delta_text(const std::string& key, const nlohmann::ordered_json& d) {
  const double abs = d["absolute"].get<double>();
  std::string text = key == "slo_attainment" ? fmt("%+.3f pp", 100 * abs) : fmt("%+.6g", abs);
  text += d["percent"].is_null() ? " (n/a)" : fmt(" (%+.1f%%)", d["percent"].get<double>());
  return text;
}

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

// The series of candidate `name` in `run`, nullptr when the run has none.
const CandidateSeries* series_of(const RunData& run, const std::string& name) {
  for (const auto& s : run.series)
    if (s.name == name) return &s;
  return nullptr;
}

// The runs overlaid, one colour per run (run A solid, the others dashed), on the longest run's time axis.
std::string overlay_charts_html(const nlohmann::ordered_json& cmp, const std::vector<RunData>& runs) {
  double span_s = 0;
  for (const auto& run : runs)
    for (const auto& s : run.series)
      if (!s.end_s.empty()) span_s = std::max(span_s, s.end_s.back());
  if (span_s <= 0) return "";
  const TimeAxis axis = time_axis_for(span_s);
  auto chart = [&](const std::string& id, const std::string& title, const std::string& y_label) {
    LineChart c;
    c.id = id;
    c.title = title;
    c.x_label = "time since the start of the replay [" + axis.unit + "]";
    c.y_label = y_label;
    c.x_min = 0;
    c.x_max = span_s / axis.seconds_per_unit;
    return c;
  };
  auto label_of = [&](size_t r) {
    return cmp["runs"][r]["label"].get<std::string>() + " (" + cmp["runs"][r]["scenario"].get<std::string>() +
           ")";
  };
  auto figure = [](const std::string& caption, const std::string& svg) {
    return "<figure><figcaption>" + html_escape(caption) + "</figcaption>" + svg + "</figure>\n";
  };
  std::ostringstream out;
  out << "<h2>Over time, runs overlaid</h2>\n<p>One colour per run (run A solid, later runs dashed), one "
         "point "
         "per interval of each run's <code>timeseries.csv</code>, on the time axis of the longest run.</p>\n";
  {
    // The traffic each run replayed: the first candidate's arrivals (every candidate of a run sees the same).
    LineChart c = chart("cmp-traffic", "Arrival rate per run", "arrivals [requests/s]");
    for (size_t r = 0; r < runs.size(); ++r) {
      if (runs[r].series.empty()) continue;
      const auto& s = runs[r].series.front();
      c.series.push_back(
          ChartSeries{label_of(r), palette_color(r), interval_points(s, arrival_rate_rps(s), axis), r > 0});
    }
    out << figure("Arrival rate of each run [requests/s]", c.render());
  }
  size_t index = 0;
  for (const auto& cand : cmp["candidates"]) {
    const std::string name = cand["name"].get<std::string>();
    ++index;
    size_t present = 0;
    for (const auto& run : runs) present += series_of(run, name) != nullptr;
    if (present < 2) continue;
    const std::string id = "cmp-" + std::to_string(index);
    LineChart p99 = chart(id + "-p99", "p99 latency of " + name, "p99 latency [ms, log scale]");
    p99.y_log = true;
    p99.y_min_hint = 10;
    LineChart cost = chart(id + "-cost", "Cumulative cost of " + name, "cost since the start [USD]");
    for (size_t r = 0; r < runs.size(); ++r) {
      const CandidateSeries* s = series_of(runs[r], name);
      if (s == nullptr) continue;
      p99.series.push_back(
          ChartSeries{label_of(r), palette_color(r), interval_points(*s, s->p99_ms, axis, true), r > 0});
      cost.series.push_back(ChartSeries{label_of(r), palette_color(r),
                                        interval_points(*s, s->cost_usd_cumulative, axis), r > 0});
    }
    out << "<h3>" << html_escape(name) << "</h3>\n"
        << figure(name + ": p99 latency of the requests served in each interval [ms]", p99.render())
        << figure(name + ": cost since the start of the replay [USD]", cost.render());
  }
  return out.str();
}

}  // namespace

nlohmann::ordered_json compare_runs(const std::vector<RunData>& runs) {
  if (runs.size() < 2)
    throw input_error("compare", "",
                      "expected at least two run folders (output folders of servesim run), got " +
                          std::to_string(runs.size()));
  nlohmann::ordered_json out;
  out["runs"] = nlohmann::ordered_json::array();
  std::vector<std::string> names;
  for (size_t r = 0; r < runs.size(); ++r) {
    const auto& s = runs[r].summary;
    out["runs"].push_back(
        {{"label", run_label(r)},
         {"dir", runs[r].dir},
         {"scenario", s.value("scenario", nlohmann::json()).is_string() ? s["scenario"].get<std::string>()
                                                                        : std::string()},
         {"seed", s.contains("seed") ? s["seed"] : nlohmann::json()}});
    for (const auto& c : s["candidates"]) {
      const std::string name = c.is_object() ? c.value("name", "") : "";
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  out["metrics"] = nlohmann::ordered_json::array();
  for (const auto& m : kMetrics) out["metrics"].push_back(m.key);

  out["candidates"] = nlohmann::ordered_json::array();
  for (const auto& name : names) {
    nlohmann::ordered_json cand;
    cand["name"] = name;
    cand["runs"] = nlohmann::ordered_json::array();
    std::vector<double> first;  // run A's values, empty when the candidate is absent from run A
    for (size_t r = 0; r < runs.size(); ++r) {
      const auto& list = runs[r].summary["candidates"];
      size_t index = list.size();
      for (size_t i = 0; i < list.size(); ++i)
        if (list[i].is_object() && list[i].value("name", "") == name) {
          index = i;
          break;
        }
      nlohmann::ordered_json entry = {{"label", run_label(r)}, {"present", index < list.size()}};
      if (index < list.size()) {
        std::vector<double> values;
        for (const auto& m : kMetrics) {
          values.push_back(metric_value(runs[r], index, m));
          entry[m.key] = runs[r].summary["candidates"][index][m.section][m.field];  // as written
        }
        if (r == 0) first = values;
        if (r > 0 && !first.empty()) {
          nlohmann::ordered_json delta;
          for (size_t k = 0; k < values.size(); ++k) {
            const double d = values[k] - first[k];
            delta[kMetrics[k].key] = {
                {"absolute", d},
                {"percent",
                 first[k] == 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(100 * d / first[k])}};
          }
          entry["delta"] = delta;
        }
      }
      cand["runs"].push_back(entry);
    }
    out["candidates"].push_back(cand);
  }
  return out;
}

std::string compare_table(const nlohmann::ordered_json& cmp) {
  std::ostringstream out;
  out << "Runs (deltas are against run A):\n";
  for (const auto& r : cmp["runs"])
    out << "  " << r["label"].get<std::string>() << "  " << r["dir"].get<std::string>() << "  (scenario "
        << r["scenario"].get<std::string>() << ", seed " << r["seed"].dump() << ")\n";
  out << "\n";
  const size_t name_w = 6, value_w = 14, delta_w = 24;
  std::string header = pad("run", name_w);
  for (const auto& m : kMetrics) header += pad(m.heading, value_w) + pad("vs A", delta_w);
  while (!header.empty() && header.back() == ' ') header.pop_back();
  out << header << "\n";
  for (const auto& c : cmp["candidates"]) {
    out << c["name"].get<std::string>() << "\n";
    for (const auto& e : c["runs"]) {
      out << pad("  " + e["label"].get<std::string>(), name_w);
      if (!e["present"].get<bool>()) {
        out << "absent\n";
        continue;
      }
      for (const auto& m : kMetrics) {
        out << pad(value_text(m.key, e[m.key].get<double>()), value_w);
        out << pad(e.contains("delta") ? delta_text(m.key, e["delta"][m.key]) : "", delta_w);
      }
      std::string line = out.str();
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out.str("");
      out.clear();
      out << line << "\n";
    }
  }
  return out.str();
}

std::string compare_html(const nlohmann::ordered_json& cmp, const std::vector<RunData>& runs) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
         "content=\"width=device-width,initial-scale=1\"><title>ServeSim comparison of "
      << cmp["runs"].size() << " runs</title>\n"
      << report_style() << "</head><body>\n";
  out << "<h1>Comparison of " << cmp["runs"].size() << " runs</h1>\n";
  out << "<p>The same candidates across run folders written by <code>servesim run</code>. Deltas are against "
         "run A: absolute, and in percent of run A's value.</p>\n";
  out << "<table><thead><tr><th>run</th><th>folder</th><th>scenario</th><th>seed</th></tr></thead><tbody>\n";
  for (const auto& r : cmp["runs"])
    out << "<tr><td>" << html_escape(r["label"].get<std::string>()) << "</td><td>"
        << html_escape(r["dir"].get<std::string>()) << "</td><td>"
        << html_escape(r["scenario"].get<std::string>()) << "</td><td>" << html_escape(r["seed"].dump())
        << "</td></tr>\n";
  out << "</tbody></table>\n<h2>Candidates</h2>\n<table><thead><tr><th>candidate</th><th>run</th>";
  for (const auto& m : kMetrics) out << "<th>" << html_escape(m.heading) << "</th><th>vs A</th>";
  out << "</tr></thead><tbody>\n";
  for (const auto& c : cmp["candidates"]) {
    bool first_row = true;
    for (const auto& e : c["runs"]) {
      out << "<tr><td>" << (first_row ? html_escape(c["name"].get<std::string>()) : "") << "</td><td>"
          << html_escape(e["label"].get<std::string>()) << "</td>";
      first_row = false;
      if (!e["present"].get<bool>()) {
        out << "<td colspan=\"" << 2 * std::size(kMetrics) << "\">absent</td></tr>\n";
        continue;
      }
      for (const auto& m : kMetrics)
        out << "<td>" << html_escape(value_text(m.key, e[m.key].get<double>())) << "</td><td>"
            << (e.contains("delta") ? html_escape(delta_text(m.key, e["delta"][m.key])) : "") << "</td>";
      out << "</tr>\n";
    }
  }
  out << "</tbody></table>\n" << overlay_charts_html(cmp, runs);
  out << "<footer>Generated by servesim compare from the run folders above. "
         "Self-contained: nothing is fetched.</footer>\n"
      << report_render_check() << "</body></html>\n";
  return out.str();
}

}  // namespace servesim::reports
