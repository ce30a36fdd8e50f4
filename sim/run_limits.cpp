// The work estimate and the run limits (sim/run_limits.hpp).
#include "sim/run_limits.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/input_error.hpp"
#include "sim/rate_trace_source.hpp"
#include "sim/request_trace_source.hpp"
#include "sim/synthetic_source.hpp"

namespace servesim::sim {

namespace {

// Bytes of one timeseries.csv row besides the candidate's name: two times with 6 decimals, 8 counts and 6
// short figures, separators (an idle row of a long run is ~65 bytes; busy rows a little more).
constexpr double kRowBytesBesidesName = 80;
// summary.json, latency_histogram.csv, report_context.json and the tables: a few kB per candidate.
constexpr double kFixedBytesPerCandidate = 16e3;

// Counts in messages: whole numbers while they are exact in a double, then 3 significant digits.
std::string count_text(double value) {
  char text[40];
  if (value < 1e15)
    std::snprintf(text, sizeof text, "%.0f", value);
  else
    std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

std::string number_text(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

// The integral over [0, end_s] of the function that is 0 before a, rises linearly to `height` at b, holds
// until c, falls linearly to 0 at d and is 0 after: the extra traffic of a spike.
double trapezoid_area(double a, double b, double c, double d, double height, double end_s) {
  auto value = [&](double t) {
    if (t <= a || t >= d) return 0.0;
    if (t < b) return height * (t - a) / (b - a);
    if (t <= c) return height;
    return height * (d - t) / (d - c);
  };
  double area = 0;
  const double points[] = {a, b, c, d};
  for (int k = 0; k < 3; ++k) {
    const double lo = std::clamp(points[k], 0.0, end_s), hi = std::clamp(points[k + 1], 0.0, end_s);
    if (hi > lo) area += (hi - lo) * (value(lo) + value(hi)) / 2;
  }
  return area;
}

void estimate_synthetic(const WorkloadSpec& spec, WorkEstimate& work) {
  SyntheticSource(spec, 0);  // checks the fields as a run would
  const double rate = spec.rate_rps, span = spec.synthetic_duration_s;
  double arrivals = rate * span;
  if (spec.kind == WorkloadSpec::Kind::diurnal) {
    arrivals +=
        rate * spec.amplitude * spec.period_s / (2 * M_PI) * (1 - std::cos(2 * M_PI * span / spec.period_s));
  } else if (spec.kind == WorkloadSpec::Kind::spike) {
    const double rise_end_s = spec.spike_start_s + spec.ramp_s;
    const double hold_end_s = rise_end_s + spec.spike_duration_s;
    arrivals += trapezoid_area(spec.spike_start_s, rise_end_s, hold_end_s, hold_end_s + spec.ramp_s,
                               rate * (spec.spike_factor - 1), span);
  }
  work.arrivals = std::max(0.0, arrivals);
  work.arrivals_basis = "a mean " + number_text(span > 0 ? work.arrivals / span : rate) +
                        " requests/s over " + number_text(span) + " s";
  work.simulated_s = span;
}

void estimate_rate_trace(const WorkloadSpec& spec, uint64_t seed, WorkEstimate& work) {
  // Per-second counts are summed, never placed; a count beyond the per-second bound is refused there.
  RateTraceSource source(spec, seed);
  work.arrivals = static_cast<double>(source.count_remaining());
  const double replay_s = static_cast<double>(source.seconds_delivered()) / spec.time_compression;
  work.arrivals_basis = "the trace over " + number_text(replay_s) + " s x scale " + number_text(spec.scale);
  work.simulated_s = std::max(replay_s, source.duration_s());
}

void estimate_request_trace(const WorkloadSpec& spec, uint64_t seed, WorkEstimate& work) {
  RequestTraceSource source(spec, seed);
  double last_s = 0;
  const double rows = static_cast<double>(source.count_rows(last_s));
  // A double holds rows x scale without overflow (rows < 2^64, scale finite): the limit is checked on it
  // before anything is counted in integers.
  work.arrivals = rows * spec.scale;
  work.arrivals_basis = count_text(rows) + " rows x scale " + number_text(spec.scale);
  work.simulated_s = std::max(last_s, source.duration_s());
}

}  // namespace

WorkEstimate estimate_work(const Scenario& scenario, bool writes_timeseries) {
  WorkEstimate work;
  work.candidates = scenario.candidates.size();
  const WorkloadSpec& spec = scenario.workload;
  switch (spec.kind) {
    case WorkloadSpec::Kind::rate_trace:
      estimate_rate_trace(spec, scenario.seed, work);
      break;
    case WorkloadSpec::Kind::request_trace:
      estimate_request_trace(spec, scenario.seed, work);
      break;
    default:
      estimate_synthetic(spec, work);
  }
  const double candidates = static_cast<double>(work.candidates);
  double bytes = kFixedBytesPerCandidate * candidates;
  if (writes_timeseries) {
    size_t name_bytes = 0;
    for (const auto& c : scenario.candidates) name_bytes += c.name.size();
    const double intervals = std::max(1.0, std::ceil(work.simulated_s / scenario.interval_s));
    work.timeseries_rows = intervals * candidates;
    bytes += intervals * (kRowBytesBesidesName * candidates + static_cast<double>(name_bytes));
  }
  work.output_mb = bytes / 1e6;
  work.run_time_s = work.arrivals * candidates / kRequestsPerSecond;
  return work;
}

void check_run_limits(const WorkEstimate& work, const RunLimits& limits, const std::string& file) {
  if (work.arrivals > limits.max_arrivals)
    throw input_error(file, "/workload",
                      "the run implies " + count_text(work.arrivals) + " arrivals (" + work.arrivals_basis +
                          "), more than --max-arrivals " + count_text(limits.max_arrivals) +
                          " (raise it to run this anyway)");
  if (work.output_mb > limits.max_output_mb)
    throw input_error(file, "/metrics/interval_s",
                      "the run writes about " + count_text(std::ceil(work.output_mb)) + " MB (" +
                          count_text(work.timeseries_rows) + " rows of timeseries.csv over " +
                          number_text(work.simulated_s) + " s), more than --max-output-mb " +
                          count_text(limits.max_output_mb) + " (raise it, or metrics.interval_s)");
}

std::string describe_work(const WorkEstimate& work) {
  char text[400];
  std::snprintf(text, sizeof text,
                "work: %s arrivals (%s), %s s simulated, %s rows of timeseries.csv, about %s MB of output, "
                "about %s s to run (%zu candidates at ~%.0f M requests/s)",
                count_text(std::round(work.arrivals)).c_str(), work.arrivals_basis.c_str(),
                number_text(work.simulated_s).c_str(), count_text(work.timeseries_rows).c_str(),
                number_text(work.output_mb).c_str(), number_text(work.run_time_s).c_str(), work.candidates,
                kRequestsPerSecond / 1e6);
  return text;
}

}  // namespace servesim::sim
