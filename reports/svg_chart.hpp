#pragma once
// Inline SVG charts drawn by our own code (no scripts, no fonts or files fetched): line charts on a shared
// time axis with shaded windows and reference lines, and horizontal stacked bars. Every axis carries a label
// with its unit. Output is deterministic text.
#include <string>
#include <vector>

namespace servesim::reports {

struct Point {
  double x = 0, y = 0;  // y NaN = no value (the line breaks there)
};

// Reduces a series for drawing `buckets` pixels wide: the x range [x_min, x_max] is cut into equal buckets
// and each bucket keeps only its lowest and its highest point, in their original order (one point if they are
// the same). Peaks and troughs therefore survive at any zoom, and the output has at most 2 x buckets points
// (plus one NaN point per empty gap). Series no longer than 2 x buckets are returned as they are.
std::vector<Point> downsample_min_max(const std::vector<Point>& points, double x_min, double x_max,
                                      int buckets);

// Ticks at 1, 2 or 5 x 10^k, about `target` of them, covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

struct ChartSeries {
  std::string label;
  std::string color;  // CSS colour
  std::vector<Point> points;
  bool dashed = false;
};

struct ChartBand {  // a shaded x range (e.g. a traffic spike)
  double x0 = 0, x1 = 0;
};

struct ChartRule {  // a horizontal reference line (e.g. the SLO)
  double y = 0;
  std::string label;
  std::string color = "#b00020";
};

struct LineChart {
  std::string id;                // the <svg> element's id
  std::string title;             // accessible title (<title>)
  std::string x_label, y_label;  // with units, e.g. "time since start [h]", "requests/s"
  double x_min = 0, x_max = 1;
  bool y_log = false;     // logarithmic y axis (values <= 0 are not drawn)
  double y_min_hint = 0;  // lower bound of a linear axis (0) or smallest decade of a log axis (> 0)
  int width_px = 960, height_px = 220;
  std::vector<ChartSeries> series;
  std::vector<ChartBand> bands;
  std::vector<ChartRule> rules;
  std::string band_label;              // legend text for the bands ("" = no legend entry)
  std::vector<ChartBand> fault_bands;  // injected faults' windows (hatched red), legend "fault window"

  // Downsamples each series to the plot's width in pixels, then draws.
  std::string render() const;
};

struct BarSegment {
  std::string label;
  double value = 0;
  std::string color;
};

struct BarRow {
  std::string label;
  std::vector<BarSegment> segments;  // stacked left to right; negative values are ignored
};

struct StackedBarChart {
  std::string id, title, x_label;
  int width_px = 960;
  std::vector<BarRow> rows;
  std::string render() const;
};

// Colour-blind-safe palette (Okabe & Ito, 2008), cycled.
const std::string& palette_color(size_t index);

}  // namespace servesim::reports
