#include "reports/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "reports/html_text.hpp"

namespace servesim::reports {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kLeftPx = 78, kRightPx = 215, kTopPx = 30, kBottomPx = 44;  // plot margins (legend at right)

std::string px(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string text(double x, double y, const std::string& s, const char* anchor, const char* cls = "") {
  return "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\" text-anchor=\"" + anchor + "\"" +
         (*cls ? std::string(" class=\"") + cls + "\"" : "") + ">" + html_escape(s) + "</text>";
}

// Legend labels longer than this are cut with an ellipsis (the full text stays in a <title> tooltip).
constexpr size_t kLegendChars = 26;

std::string legend_text(double x, double y, const std::string& label) {
  std::string shown = label;
  if (shown.size() > kLegendChars) shown = shown.substr(0, kLegendChars - 1) + "\u2026";
  return "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\" class=\"legend\"><title>" + html_escape(label) +
         "</title>" + html_escape(shown) + "</text>";
}

std::string svg_open(const std::string& id, const std::string& title, int w, int h) {
  return "<svg id=\"" + html_escape(id) +
         "\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(w) + " " +
         std::to_string(h) + "\" width=\"" + std::to_string(w) + "\" height=\"" + std::to_string(h) +
         "\" role=\"img\" aria-label=\"" + html_escape(title) + "\"><title>" + html_escape(title) +
         "</title>";
}

}  // namespace

const std::string& palette_color(size_t index) {
  static const std::vector<std::string> colors = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                  "#E69F00", "#56B4E9", "#000000", "#999999"};
  return colors[index % colors.size()];
}

namespace {
// Appends the min/max reduction of points[begin, end) (all finite) on the bucket grid.
void reduce_segment(const std::vector<Point>& points, size_t begin, size_t end, double x_min, double width,
                    int buckets, std::vector<Point>& out) {
  auto bucket_of = [&](double x) {
    return std::clamp(static_cast<long>(std::floor((x - x_min) / width)), 0L, static_cast<long>(buckets) - 1);
  };
  size_t i = begin;
  while (i < end) {
    const long bucket = bucket_of(points[i].x);
    size_t lo = i, hi = i;
    for (; i < end && bucket_of(points[i].x) == bucket; ++i) {
      if (points[i].y < points[lo].y) lo = i;
      if (points[i].y > points[hi].y) hi = i;
    }
    out.push_back(points[std::min(lo, hi)]);
    if (lo != hi) out.push_back(points[std::max(lo, hi)]);
  }
}
}  // namespace

std::vector<Point> downsample_min_max(const std::vector<Point>& points, double x_min, double x_max,
                                      int buckets) {
  if (buckets < 1 || points.size() <= 2 * static_cast<size_t>(buckets) || !(x_max > x_min)) return points;
  std::vector<Point> out;
  out.reserve(2 * static_cast<size_t>(buckets) + 16);
  const double width = (x_max - x_min) / buckets;
  // Runs of finite values are reduced separately and joined by one NaN point, so gaps stay gaps.
  size_t i = 0;
  while (i < points.size()) {
    while (i < points.size() && !std::isfinite(points[i].y)) ++i;
    const size_t begin = i;
    while (i < points.size() && std::isfinite(points[i].y)) ++i;
    if (begin == i) break;
    if (!out.empty()) out.push_back(Point{points[begin].x, kNaN});
    reduce_segment(points, begin, i, x_min, width, buckets, out);
  }
  return out;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / std::max(1, target);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

std::string LineChart::render() const {
  const double plot_w = width_px - kLeftPx - kRightPx, plot_h = height_px - kTopPx - kBottomPx;
  const double x0 = x_min, x1 = x_max > x_min ? x_max : x_min + 1;

  std::vector<std::vector<Point>> drawn;
  double y_hi = -std::numeric_limits<double>::infinity(), y_lo = std::numeric_limits<double>::infinity();
  for (const auto& s : series) {
    drawn.push_back(downsample_min_max(s.points, x0, x1, static_cast<int>(plot_w)));
    for (const auto& p : drawn.back())
      if (std::isfinite(p.y) && (!y_log || p.y > 0)) y_hi = std::max(y_hi, p.y), y_lo = std::min(y_lo, p.y);
  }
  for (const auto& r : rules) y_hi = std::max(y_hi, r.y), y_lo = std::min(y_lo, r.y);

  // The y axis: linear from y_min_hint to a nice maximum, or logarithmic over whole decades.
  double a = y_min_hint, b;
  std::vector<double> ticks;
  if (y_log) {
    const double floor_v = y_min_hint > 0 ? y_min_hint : 1;
    const double lo_v = std::isfinite(y_lo) ? std::max(y_lo, floor_v * 1e-3) : floor_v;
    const double hi_v = std::isfinite(y_hi) ? y_hi : floor_v * 10;
    a = std::pow(10.0, std::floor(std::log10(std::min(lo_v, floor_v))));
    b = std::pow(10.0, std::ceil(std::log10(std::max(hi_v, a * 10))));
    for (double t = a; t <= b * 1.0001; t *= 10) ticks.push_back(t);
  } else {
    b = std::isfinite(y_hi) && y_hi > a ? y_hi : a + 1;
    ticks = nice_ticks(a, b, 4);
    if (!ticks.empty() && ticks.back() < b)
      ticks.push_back(ticks.back() + (ticks.size() > 1 ? ticks[1] - ticks[0] : 1));
    b = ticks.empty() ? b : ticks.back();
  }
  auto sx = [&](double x) { return kLeftPx + (x - x0) / (x1 - x0) * plot_w; };
  auto sy = [&](double y) {
    const double f =
        y_log ? (std::log10(y) - std::log10(a)) / (std::log10(b) - std::log10(a)) : (y - a) / (b - a);
    return kTopPx + plot_h * (1 - std::clamp(f, 0.0, 1.0));
  };

  std::ostringstream out;
  out << svg_open(id, title, width_px, height_px);
  out << "<rect x=\"" << kLeftPx << "\" y=\"" << kTopPx << "\" width=\"" << px(plot_w) << "\" height=\""
      << px(plot_h) << "\" class=\"plot\"/>";
  for (const auto& band : bands) {
    const double bx0 = sx(std::max(band.x0, x0)), bx1 = sx(std::min(band.x1, x1));
    out << "<rect class=\"band\" x=\"" << px(bx0) << "\" y=\"" << kTopPx << "\" width=\""
        << px(std::max(1.0, bx1 - bx0)) << "\" height=\"" << px(plot_h) << "\"/>";
  }
  for (const auto& band : fault_bands) {
    const double bx0 = sx(std::max(band.x0, x0)), bx1 = sx(std::min(band.x1, x1));
    out << "<rect class=\"fault\" x=\"" << px(bx0) << "\" y=\"" << kTopPx << "\" width=\""
        << px(std::max(1.0, bx1 - bx0)) << "\" height=\"" << px(plot_h) << "\"/>";
  }
  for (double t : ticks) {  // horizontal grid and y labels
    out << "<line class=\"grid\" x1=\"" << kLeftPx << "\" x2=\"" << px(kLeftPx + plot_w) << "\" y1=\""
        << px(sy(t)) << "\" y2=\"" << px(sy(t)) << "\"/>";
    out << text(kLeftPx - 6, sy(t) + 4, format_number(t, 3), "end", "tick");
  }
  for (double t : nice_ticks(x0, x1, 8)) {
    if (t < x0 - 1e-9 || t > x1 + 1e-9) continue;
    out << "<line class=\"grid\" x1=\"" << px(sx(t)) << "\" x2=\"" << px(sx(t)) << "\" y1=\"" << kTopPx
        << "\" y2=\"" << px(kTopPx + plot_h) << "\"/>";
    out << text(sx(t), kTopPx + plot_h + 16, format_number(t, 4), "middle", "tick");
  }
  out << text(kLeftPx + plot_w / 2, height_px - 6, x_label, "middle", "axis");
  out << "<text class=\"axis\" text-anchor=\"middle\" transform=\"translate(16," << px(kTopPx + plot_h / 2)
      << ") rotate(-90)\">" << html_escape(y_label) << "</text>";
  for (const auto& r : rules) {
    out << "<line class=\"rule\" stroke=\"" << html_escape(r.color) << "\" x1=\"" << kLeftPx << "\" x2=\""
        << px(kLeftPx + plot_w) << "\" y1=\"" << px(sy(r.y)) << "\" y2=\"" << px(sy(r.y)) << "\"/>";
    out << "<text class=\"rule-label\" fill=\"" << html_escape(r.color) << "\" x=\""
        << px(kLeftPx + plot_w - 4) << "\" y=\"" << px(sy(r.y) - 4) << "\" text-anchor=\"end\">"
        << html_escape(r.label) << "</text>";
  }
  for (size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    std::string pts;
    auto flush = [&] {
      if (!pts.empty())
        out << "<polyline class=\"series\" stroke=\"" << html_escape(s.color) << "\""
            << (s.dashed ? " stroke-dasharray=\"5 3\"" : "") << " points=\"" << pts << "\"/>";
      pts.clear();
    };
    for (const auto& p : drawn[k]) {
      if (!std::isfinite(p.y) || (y_log && p.y <= 0)) {
        flush();
        continue;
      }
      if (!pts.empty()) pts += ' ';
      pts += px(sx(p.x)) + "," + px(sy(p.y));
    }
    flush();
  }
  // Legend, right of the plot.
  double ly = kTopPx + 8;
  const double lx = kLeftPx + plot_w + 12;
  for (const auto& s : series) {
    out << "<line class=\"series\" stroke=\"" << html_escape(s.color) << "\""
        << (s.dashed ? " stroke-dasharray=\"5 3\"" : "") << " x1=\"" << px(lx) << "\" x2=\"" << px(lx + 18)
        << "\" y1=\"" << px(ly) << "\" y2=\"" << px(ly) << "\"/>";
    out << legend_text(lx + 23, ly + 4, s.label);
    ly += 16;
  }
  if (!band_label.empty() && !bands.empty()) {
    out << "<rect class=\"band\" x=\"" << px(lx) << "\" y=\"" << px(ly - 6)
        << "\" width=\"18\" height=\"12\"/>";
    out << text(lx + 23, ly + 4, band_label, "start", "legend");
    ly += 16;
  }
  if (!fault_bands.empty()) {
    out << "<rect class=\"fault\" x=\"" << px(lx) << "\" y=\"" << px(ly - 6)
        << "\" width=\"18\" height=\"12\"/>";
    out << text(lx + 23, ly + 4, "fault window", "start", "legend");
  }
  out << "</svg>";
  return out.str();
}

std::string StackedBarChart::render() const {
  const int row_h = 26, top = 34, bottom = 42, left = 190, right = 90;
  const int height = top + bottom + row_h * static_cast<int>(std::max<size_t>(rows.size(), 1));
  const double plot_w = width_px - left - right;
  double total_max = 0;
  std::vector<std::string> legend;
  std::vector<std::string> legend_colors;
  for (const auto& r : rows) {
    double t = 0;
    for (const auto& s : r.segments) {
      t += std::max(0.0, s.value);
      if (std::find(legend.begin(), legend.end(), s.label) == legend.end())
        legend.push_back(s.label), legend_colors.push_back(s.color);
    }
    total_max = std::max(total_max, t);
  }
  auto ticks = nice_ticks(0, total_max > 0 ? total_max : 1, 6);
  if (!ticks.empty() && ticks.back() < total_max)
    ticks.push_back(ticks.back() + (ticks.size() > 1 ? ticks[1] - ticks[0] : 1));
  const double x_max = ticks.empty() ? 1 : ticks.back();
  auto sx = [&](double v) { return left + v / x_max * plot_w; };

  std::ostringstream out;
  out << svg_open(id, title, width_px, height);
  double lx = left;
  for (size_t i = 0; i < legend.size(); ++i) {
    out << "<rect x=\"" << px(lx) << "\" y=\"8\" width=\"12\" height=\"12\" fill=\""
        << html_escape(legend_colors[i]) << "\"/>" << text(lx + 16, 18, legend[i], "start", "legend");
    lx += 24 + 7.0 * static_cast<double>(legend[i].size());
  }
  for (double t : ticks) {
    out << "<line class=\"grid\" x1=\"" << px(sx(t)) << "\" x2=\"" << px(sx(t)) << "\" y1=\"" << top
        << "\" y2=\"" << height - bottom << "\"/>";
    out << text(sx(t), height - bottom + 16, format_usd(t), "middle", "tick");
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const double y = top + row_h * static_cast<double>(i) + 4;
    out << text(left - 8, y + row_h / 2.0 + 1, rows[i].label, "end", "tick");
    double x = 0;
    for (const auto& s : rows[i].segments) {
      if (!(s.value > 0)) continue;
      out << "<rect x=\"" << px(sx(x)) << "\" y=\"" << px(y) << "\" width=\""
          << px(std::max(0.5, sx(x + s.value) - sx(x))) << "\" height=\"" << row_h - 8 << "\" fill=\""
          << html_escape(s.color) << "\"><title>"
          << html_escape(rows[i].label + ": " + s.label + " " + format_usd(s.value)) << "</title></rect>";
      x += s.value;
    }
    out << text(sx(x) + 4, y + row_h / 2.0 + 1, format_usd(x), "start", "tick");
  }
  out << text(left + plot_w / 2, height - 6, x_label, "middle", "axis");
  out << "</svg>";
  return out.str();
}

}  // namespace servesim::reports
