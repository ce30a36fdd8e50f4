#include "calibrate/validation_html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "reports/html_text.hpp"

namespace servesim::calibrate {
namespace {

using reports::format_number;
using reports::html_escape;

std::string number_or_dash(const nlohmann::ordered_json& value) {
  return value.is_number() ? format_number(value.get<double>(), 4) : "–";
}

std::string interval(const nlohmann::ordered_json& pair) {
  if (!pair[0].is_number()) return "–";
  return format_number(pair[0].get<double>(), 4) + " – " + format_number(pair[1].get<double>(), 4);
}

// One row per figure: the observed (blue) and simulated (orange) 95% intervals and values, as ratios to the
// observed value, on a shared axis from 0 to the largest ratio shown (at most 3).
std::string interval_chart(const nlohmann::ordered_json& metrics) {
  constexpr double kLeft = 230, kWidth = 420, kRow = 34, kTop = 24;
  double x_max = 1.5;
  for (const auto& m : metrics) {
    const double seen = m["observed"].get<double>();
    if (!(seen > 0)) continue;
    for (const auto* key : {"observed_ci95", "simulated_ci95"})
      if (m[key][1].is_number()) x_max = std::max(x_max, m[key][1].get<double>() / seen);
    x_max = std::max(x_max, m["simulated"].get<double>() / seen);
  }
  x_max = std::min(std::ceil(x_max * 2) / 2, 3.0);
  const auto x = [&](double ratio) { return kLeft + std::clamp(ratio, 0.0, x_max) / x_max * kWidth; };
  const double height = kTop + kRow * static_cast<double>(metrics.size()) + 30;
  char buf[512];
  std::string svg;
  std::snprintf(buf, sizeof buf,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" role=\"img\" "
                "aria-label=\"observed and simulated 95%% intervals relative to the observed value\">\n",
                kLeft + kWidth + 20, height);
  svg += buf;
  for (double tick = 0; tick <= x_max + 1e-9; tick += 0.5) {
    std::snprintf(
        buf, sizeof buf,
        "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"%s\"/><text x=\"%.1f\" y=\"%.0f\" "
        "font-size=\"11\" text-anchor=\"middle\">%.1f×</text>\n",
        x(tick), kTop - 8, x(tick), height - 24, tick == 1 ? "#444" : "#ddd", x(tick), height - 10, tick);
    svg += buf;
  }
  double y = kTop;
  for (const auto& m : metrics) {
    std::snprintf(buf, sizeof buf,
                  "<text x=\"%.0f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">%s</text>\n", kLeft - 8,
                  y + 16, html_escape(m["name"].get<std::string>()).c_str());
    svg += buf;
    const double seen = m["observed"].get<double>();
    if (seen > 0) {
      const auto whisker = [&](const char* key, double value, double dy, const char* color) {
        if (m[key][0].is_number()) {
          std::snprintf(
              buf, sizeof buf,
              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>\n",
              x(m[key][0].get<double>() / seen), y + dy, x(m[key][1].get<double>() / seen), y + dy, color);
          svg += buf;
        }
        std::snprintf(buf, sizeof buf, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n",
                      x(value / seen), y + dy, color);
        svg += buf;
      };
      whisker("observed_ci95", seen, 8, "#1f77b4");
      whisker("simulated_ci95", m["simulated"].get<double>(), 20, "#ff7f0e");
    }
    y += kRow;
  }
  svg += "</svg>\n";
  return svg;
}

// Lambda's retries and timeouts in the window (calibrate/lambda_attempts.hpp): observed only; nothing when
// the window has neither.
std::string attempts_note(const nlohmann::ordered_json& window) {
  if (!window.contains("attempts")) return "";
  const auto& a = window["attempts"];
  if (a["retries"].get<uint64_t>() + a["timed_out"].get<uint64_t>() == 0) return "";
  const auto share = [&](const char* key) {
    const auto& s = a[key];
    return number_or_dash(s["observed"]) + " (95% " + interval(s["observed_ci95"]) + ")";
  };
  return "<p class=\"note\">Observed only, not simulated: " +
         reports::format_count(a["attempts"].get<double>()) + " attempts of " +
         reports::format_count(a["requests"].get<double>()) + " requests in the window; retry_share " +
         share("retry_share") + ", timeout_share " + share("timeout_share") +
         ". The compared figures are "
         "those of the requests' first attempts. " +
         html_escape(a["retry_share"]["not_simulated"].get<std::string>()) + ".</p>\n";
}

// The comparison of one split: which part fitted and which validated (`block`'s train and validation, the
// run settings of `v`), the table of figures and the chart of intervals under a heading of `tag`.
std::string comparison_section(const nlohmann::ordered_json& v, const nlohmann::ordered_json& block,
                               const char* tag) {
  std::string html;
  char buf[1024];
  const bool bucket_bounds = v.contains("observed_intervals");
  const std::string resamples =
      bucket_bounds ? std::string("observed intervals: ") + v["observed_intervals"].get<std::string>()
                    : std::to_string(v["bootstrap_resamples"].get<uint64_t>()) + " bootstrap resamples";
  const char* noun = bucket_bounds ? "requests" : "invocations";
  std::snprintf(buf, sizeof buf,
                "<p>Fitted on %s %s (the first %s s of the logs, --train-fraction %s); compared over the "
                "next %s %s (%s s to %s s), after a warm-up from %s s. Seed %s, %s, "
                "%s simulated replications.</p>\n",
                reports::format_count(block["train"]["invocations"].get<double>()).c_str(), noun,
                format_number(block["train"]["to_s"].get<double>(), 6).c_str(),
                format_number(block["train"]["fraction"].get<double>(), 3).c_str(),
                reports::format_count(block["validation"]["invocations"].get<double>()).c_str(), noun,
                format_number(block["validation"]["from_s"].get<double>(), 6).c_str(),
                format_number(block["validation"]["to_s"].get<double>(), 6).c_str(),
                format_number(block["validation"]["warmup_from_s"].get<double>(), 6).c_str(),
                std::to_string(v["seed"].get<uint64_t>()).c_str(), html_escape(resamples).c_str(),
                std::to_string(v["replications"].get<uint64_t>()).c_str());
  html += buf;
  html += std::string("<table>\n<tr><th>figure</th><th>unit</th><th>observed</th><th>") +
          (bucket_bounds ? "observed bucket" : "observed 95%") +
          "</th><th>simulated</th><th>simulated 95%</th><th>error</th></tr>\n";
  for (const auto& m : block["metrics"]) {
    std::string error = "–";
    if (m["error_pct"].is_number()) {
      std::snprintf(buf, sizeof buf, "%+.1f%%", m["error_pct"].get<double>());
      error = buf;
    }
    html += "<tr><td title=\"" + html_escape(m["meaning"].get<std::string>()) + "\">" +
            html_escape(m["name"].get<std::string>()) + "</td><td>" +
            html_escape(m["unit"].get<std::string>()) + "</td><td>" + number_or_dash(m["observed"]) +
            "</td><td>" + interval(m["observed_ci95"]) + "</td><td>" + number_or_dash(m["simulated"]) +
            "</td><td>" + interval(m["simulated_ci95"]) + "</td><td>" + error + "</td></tr>\n";
  }
  html += "</table>\n" + attempts_note(block["validation"]);
  html += std::string("<") + tag + ">Intervals relative to the observed value</" + tag + ">\n";
  html += std::string("<p class=\"note\">Blue: observed value and ") +
          (bucket_bounds ? "the bounds of its histogram bucket" : "its bootstrap 95% interval") +
          "; orange: simulated mean and the 2.5th–97.5th percentile of the replications; 1× is the observed "
          "value.</p>\n";
  html += interval_chart(block["metrics"]);
  return html;
}

// Several memory sizes (calibrate/memory_sizes_calibration.hpp): a section per size, the sizes left out and
// the fit of the warm median against the CPU share.
std::string memory_sizes_sections(const nlohmann::ordered_json& v) {
  std::string html =
      "<p>AWS Lambda logs at several memory sizes, " + html_escape(v["groups_in_time"].get<std::string>()) +
      " in time: each size is fitted on the first part of its own records and validated on the "
      "rest.</p>\n";
  for (const auto& block : v["memory_sizes"]) {
    html += "<h2>" + format_number(block["memory_mb"].get<double>(), 6) + " MB (" +
            html_escape(block["candidate"].get<std::string>()) + ", " +
            html_escape(block["scenario"].get<std::string>()) + ")</h2>\n";
    html += comparison_section(v, block, "h3");
  }
  if (!v["left_out"].empty()) {
    html += "<h2>Left out</h2>\n<ul>\n";
    for (const auto& out : v["left_out"])
      html += "<li>" + format_number(out["memory_mb"].get<double>(), 6) + " MB, " +
              reports::format_count(out["invocations"].get<double>()) +
              " records: " + html_escape(out["reason"].get<std::string>()) + "</li>\n";
    html += "</ul>\n";
  }
  const auto& scaling = v["memory_scaling"];
  if (scaling.is_object()) {
    html += "<h2>Warm median against the CPU share</h2>\n<p>" +
            html_escape(scaling["law"].get<std::string>()) + ": fixed_ms " +
            format_number(scaling["fixed_ms"].get<double>(), 4) + ", cpu_ms_vcpu " +
            format_number(scaling["cpu_ms_vcpu"].get<double>(), 4) + ". " +
            html_escape(scaling["caveat"].get<std::string>()) + "</p>\n";
    html +=
        "<table>\n<tr><th>memory MB</th><th>vCPU</th><th>warm median ms</th><th>fitted ms</th>"
        "<th>error</th></tr>\n";
    char buf[64];
    for (const auto& p : scaling["groups"]) {
      std::snprintf(buf, sizeof buf, "%+.1f%%", p["error_pct"].get<double>());
      html += "<tr><td>" + format_number(p["memory_mb"].get<double>(), 6) + "</td><td>" +
              format_number(p["vcpu"].get<double>(), 3) + "</td><td>" +
              format_number(p["warm_median_ms"].get<double>(), 4) + "</td><td>" +
              format_number(p["fitted_ms"].get<double>(), 4) + "</td><td>" + buf + "</td></tr>\n";
    }
    html += "</table>\n";
  }
  return html;
}

}  // namespace

std::string validation_html(const nlohmann::ordered_json& validation,
                            const nlohmann::ordered_json& scenario) {
  const auto& v = validation;
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>servesim calibrate: "
      "held-out validation</title>\n<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;"
      "color:#222}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 10px;"
      "text-align:right}td:first-child,th:first-child{text-align:left}.note{color:#555}</style>\n</"
      "head>\n<body>\n";
  html += "<h1>Held-out validation of a calibrated scenario</h1>\n";
  html += v.contains("memory_sizes") ? memory_sizes_sections(v) : comparison_section(v, v, "h2");
  html += "<h2>Method</h2>\n<p>" + html_escape(v["method"].get<std::string>()) + "</p>\n";
  html += "<h2>The fitted scenario</h2>\n<p>" + html_escape(scenario["description"].get<std::string>()) +
          "</p>\n";
  html += "</body>\n</html>\n";
  return html;
}

}  // namespace servesim::calibrate
