#pragma once
// Section 2 of the HTML report: traffic and each candidate's behaviour on one shared time axis (arrival rate,
// instances, latency p50/p99, cold starts, throttles, timeouts), spike windows shaded and tabulated.
#include <string>
#include <vector>

#include "reports/report_tables.hpp"
#include "reports/run_data.hpp"
#include "reports/svg_chart.hpp"

namespace servesim::reports {

struct TimeAxis {
  double seconds_per_unit = 3600;
  std::string unit = "h";
};
// Minutes up to 3 h, hours up to 72 h, days beyond.
TimeAxis time_axis_for(double span_s);

// One point per interval of `s` at its midpoint [axis units], y = values[i]; `zero_is_gap` breaks the line
// where the value is 0 or less (no data: nothing served in the interval).
std::vector<Point> interval_points(const CandidateSeries& s, const std::vector<double>& values,
                                   const TimeAxis& axis, bool zero_is_gap = false);

std::string timeline_section_html(const RunData& run, const SpikeAnalysis& spikes, double slo_p99_ms,
                                  int chart_width_px);

}  // namespace servesim::reports
