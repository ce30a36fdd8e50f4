#include "reports/report_timeline.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "reports/html_text.hpp"
#include "reports/svg_chart.hpp"

namespace servesim::reports {
namespace {

constexpr double kGap = std::numeric_limits<double>::quiet_NaN();
constexpr size_t kWindowRows = 15;  // spike windows listed in the HTML table (all of them in the CSV)

std::string figure(const std::string& caption, const std::string& svg, const std::string& note = "") {
  return "<figure><figcaption>" + html_escape(caption) + "</figcaption>" + svg +
         (note.empty() ? "" : "<p class=\"note\">" + html_escape(note) + "</p>") + "</figure>\n";
}

// What each injected fault cost each candidate (summary.json: "faults" and each candidate's "faults").
std::string faults_table_html(const RunData& run) {
  if (!run.summary.contains("faults") || run.summary["faults"].empty()) return "";
  std::ostringstream out;
  out << "<h3 id=\"faults\">Injected faults and what they cost</h3>\n<p>Shaded red on every chart above. "
         "<em>Attempts failed</em>: attempts the fault rejected, crashed or throttled; <em>lost</em>: "
         "requests "
         "whose last attempt failed because of it (counted as dropped); <em>in flight</em>: requests running "
         "when an instance or node died. The window columns count what happened inside the fault's window "
         "(10 minutes after a node failure; the whole run for a crash rate without a window).</p>\n<table "
         "class=\"num\"><thead><tr><th>fault</th><th>candidate</th>"
         "<th>attempts failed</th><th>lost</th><th>dead-lettered</th><th>in flight</th><th>instances "
         "lost</th>"
         "<th>window arrivals</th><th>window served within SLO</th><th>window "
         "retries</th></tr></thead><tbody>\n";
  for (const auto& c : run.summary["candidates"]) {
    if (!c.contains("faults")) continue;
    for (const auto& f : c["faults"]) {
      const auto& w = f["window"];
      auto n = [](const nlohmann::json& v) { return format_count(v.get<double>()); };
      out << "<tr><td class=\"text\">" << html_escape(f.value("label", "")) << "</td><td class=\"text\">"
          << html_escape(c.value("name", "")) << "</td><td>" << n(f["attempts_failed"]) << "</td><td"
          << (f["requests_lost"].get<double>() > 0 ? " class=\"bad\"" : "") << ">" << n(f["requests_lost"])
          << "</td><td>" << n(f["dead_lettered"]) << "</td><td>" << n(f["requests_in_flight_lost"])
          << "</td><td>" << n(f["instances_lost"]) << "</td><td>" << n(w["arrived"]) << "</td><td>"
          << n(w["served_within_slo"]) << "</td><td>" << n(w["retries"]) << "</td></tr>\n";
    }
  }
  out << "</tbody></table>\n";
  return out.str();
}

}  // namespace

std::vector<Point> interval_points(const CandidateSeries& s, const std::vector<double>& values,
                                   const TimeAxis& axis, bool zero_is_gap) {
  std::vector<Point> out;
  out.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const double y = zero_is_gap && values[i] <= 0 ? kGap : values[i];
    out.push_back(Point{(s.start_s[i] + s.end_s[i]) / 2 / axis.seconds_per_unit, y});
  }
  return out;
}

TimeAxis time_axis_for(double span_s) {
  if (span_s <= 3 * 3600.0) return TimeAxis{60, "min"};
  if (span_s <= 72 * 3600.0) return TimeAxis{3600, "h"};
  return TimeAxis{86400, "days"};
}

std::string timeline_section_html(const RunData& run, const SpikeAnalysis& spikes, double slo_p99_ms,
                                  int width) {
  std::ostringstream out;
  out << "<section id=\"timeline\"><h2>2. Traffic and behaviour over time</h2>\n";
  if (run.series.empty() || run.series.front().start_s.empty()) {
    out << "<p>No time series in this run.</p></section>\n";
    return out.str();
  }
  double span_s = 0;
  for (const auto& s : run.series)
    if (!s.end_s.empty()) span_s = std::max(span_s, s.end_s.back());
  const TimeAxis axis = time_axis_for(span_s);
  const double interval_s = run.series.front().end_s.front() - run.series.front().start_s.front();
  const std::string x_label = "time since the start of the replay [" + axis.unit + "]";

  out << "<p>All charts share the time axis. One point per " << format_number(interval_s, 3)
      << " s interval (<code>timeseries.csv</code>); where an interval is narrower than a pixel, each pixel "
         "column "
         "shows the lowest and the highest value of its intervals, so peaks are never smoothed away.</p>\n";
  out << "<p class=\"rule-text\"><strong>Spike windows</strong> (shaded): runs of consecutive intervals "
         "whose "
         "arrival rate exceeds "
      << format_number(spikes.factor, 3) << " &times; the median interval rate ("
      << format_number(spikes.factor, 3) << " &times; " << format_number(spikes.median_rps, 3)
      << " requests/s = " << format_number(spikes.threshold_rps, 3) << " requests/s"
      << (spikes.median_rps > 0 ? "" : "; the median is 0, so the mean is used") << "). "
      << spikes.windows.size() << " window" << (spikes.windows.size() == 1 ? "" : "s") << " found.</p>\n";

  std::vector<ChartBand> bands;
  for (const auto& w : spikes.windows)
    bands.push_back(ChartBand{w.start_s / axis.seconds_per_unit, w.end_s / axis.seconds_per_unit});
  // Injected faults' windows (summary.json "faults"); open-ended ones (a crash rate for the whole run) are
  // not shaded, they are in the table below.
  std::vector<ChartBand> fault_bands;
  if (run.summary.contains("faults"))
    for (const auto& f : run.summary["faults"]) {
      if (!f["end_s"].is_number()) continue;
      const double start = f.value("start_s", 0.0);
      const double end = f["end_s"].get<double>();
      fault_bands.push_back(
          ChartBand{start / axis.seconds_per_unit, std::min(end, span_s) / axis.seconds_per_unit});
    }
  auto chart = [&](const std::string& id, const std::string& title, const std::string& y_label) {
    LineChart c;
    c.id = id;
    c.title = title;
    c.x_label = x_label;
    c.y_label = y_label;
    c.x_min = 0;
    c.x_max = span_s / axis.seconds_per_unit;
    c.width_px = width;
    c.bands = bands;
    c.band_label = "spike window";
    c.fault_bands = fault_bands;
    return c;
  };
  auto per_candidate = [&](LineChart& c, auto value_of, bool zero_is_gap = false) {
    for (size_t i = 0; i < run.series.size(); ++i)
      c.series.push_back(
          ChartSeries{run.series[i].name, palette_color(i),
                      interval_points(run.series[i], value_of(run.series[i]), axis, zero_is_gap)});
  };

  {  // traffic: the arrivals are the same for every candidate (same workload and seed)
    LineChart c = chart("chart-traffic", "Arrival rate", "arrivals [requests/s]");
    const auto& s = run.series.front();
    c.series.push_back(ChartSeries{"arrival rate", "#333333", interval_points(s, arrival_rate_rps(s), axis)});
    c.rules.push_back(ChartRule{spikes.threshold_rps, "spike threshold", "#a05a00"});
    out << figure("Traffic: arrival rate per interval [requests/s]", c.render());
  }
  {
    LineChart c = chart("chart-instances", "Instances", "instances (time-averaged)");
    per_candidate(c, [](const CandidateSeries& s) {
      std::vector<double> v(s.busy_mean.size());
      for (size_t i = 0; i < v.size(); ++i) v[i] = s.busy_mean[i] + s.idle_mean[i];
      return v;
    });
    out << figure("Instances: busy + warm idle, time-averaged per interval [instances]", c.render());
  }
  {
    LineChart c = chart("chart-latency", "Latency p99 and p50", "latency [ms, log scale]");
    c.y_log = true;
    c.y_min_hint = 10;
    for (size_t i = 0; i < run.series.size(); ++i) {
      const auto& s = run.series[i];
      c.series.push_back(
          ChartSeries{"p99 " + s.name, palette_color(i), interval_points(s, s.p99_ms, axis, true)});
      c.series.push_back(
          ChartSeries{"p50 " + s.name, palette_color(i), interval_points(s, s.p50_ms, axis, true), true});
    }
    c.rules.push_back(ChartRule{slo_p99_ms, "SLO p99 " + format_number(slo_p99_ms, 4) + " ms"});
    out << figure("Latency of the requests served in each interval: p99 (solid), p50 (dashed) [ms]",
                  c.render(), "Intervals with no request served are left blank.");
  }
  {
    LineChart c = chart("chart-cold-starts", "Cold starts", "cold starts [per interval]");
    per_candidate(c, [](const CandidateSeries& s) { return s.cold_starts; });
    out << figure("Cold starts: requests that waited for a new instance [requests per interval]", c.render());
  }
  {
    LineChart c = chart("chart-throttled", "Throttled", "throttled [per interval]");
    per_candidate(c, [](const CandidateSeries& s) { return s.throttled; });
    out << figure("Throttled: rejected (HTTP 429) after the client's last retry [requests per interval]",
                  c.render());
  }
  {
    LineChart c = chart("chart-timed-out", "Timed out", "timed out [per interval]");
    per_candidate(c, [](const CandidateSeries& s) { return s.timed_out; });
    out << figure("Timed out: exceeded the platform's or the client's timeout [requests per interval]",
                  c.render());
  }

  {
    LineChart c = chart("chart-dropped", "Dropped", "dropped [per interval]");
    per_candidate(c, [](const CandidateSeries& s) { return s.dropped; });
    out << figure(
        "Dropped: no queue space, lost to a fault (outage, crash, node failure) or dead-lettered "
        "[requests per interval]",
        c.render());
  }
  out << faults_table_html(run);

  // The spike windows with what each candidate did inside them, largest peak first.
  if (!spikes.windows.empty()) {
    std::vector<size_t> order(spikes.windows.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return spikes.windows[a].peak_rps > spikes.windows[b].peak_rps;
    });
    if (order.size() > kWindowRows) order.resize(kWindowRows);
    out << "<h3>Spike windows, largest peak first</h3>\n<table class=\"num\"><thead><tr><th>#</th><th>start ["
        << axis.unit
        << "]</th><th>length [min]</th><th>peak [requests/s]</th><th>candidate</th><th>cold "
           "starts</th><th>throttled</th><th>timed out</th><th>dropped</th><th>worst interval p99 "
           "[ms]</th></tr></thead><tbody>\n";
    for (size_t k : order) {
      const auto& w = spikes.windows[k];
      for (size_t i = 0; i < run.series.size(); ++i) {
        const auto o = window_outcome(run.series[i], w);
        out << "<tr" << (i == 0 ? " class=\"group\"" : "") << ">";
        if (i == 0)
          out << "<td rowspan=\"" << run.series.size() << "\">" << k + 1 << "</td><td rowspan=\""
              << run.series.size() << "\">" << format_number(w.start_s / axis.seconds_per_unit, 4)
              << "</td><td rowspan=\"" << run.series.size() << "\">"
              << format_number((w.end_s - w.start_s) / 60, 3) << "</td><td rowspan=\"" << run.series.size()
              << "\">" << format_count(w.peak_rps) << "</td>";
        out << "<td class=\"text\">" << html_escape(run.series[i].name) << "</td><td>"
            << format_count(o.cold_starts) << "</td><td>" << format_count(o.throttled) << "</td><td>"
            << format_count(o.timed_out) << "</td><td>" << format_count(o.dropped) << "</td><td"
            << (o.p99_ms_max > slo_p99_ms ? " class=\"bad\"" : "") << ">" << format_number(o.p99_ms_max, 3)
            << "</td></tr>\n";
      }
    }
    out << "</tbody></table>\n";
    if (spikes.windows.size() > kWindowRows)
      out << "<p class=\"note\">" << kWindowRows << " of " << spikes.windows.size()
          << " windows shown; all of them are in <code>spike_windows.csv</code>.</p>\n";
  }
  out << "</section>\n";
  return out.str();
}

}  // namespace servesim::reports
