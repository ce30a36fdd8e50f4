#pragma once
// What `servesim validate` says about a request trace: its span, its mean and peak request rate and, with
// token columns, the mean and p99 of its token counts, with a warning when the span does not fit the
// timestamp unit (a trace in milliseconds read as seconds spans 1000 times too long).
//
//   const sim::RequestTraceSummary summary = sim::summarize_request_trace(scenario.workload);
//   std::printf("%s", sim::describe(summary).c_str());
//   if (auto warning = sim::unit_warning(summary, scenario.workload); !warning.empty()) ...
#include <cstdint>
#include <string>

#include "sim/workload.hpp"

namespace servesim::sim {

struct TokenStats {
  double mean = 0;   // [tokens]
  uint32_t p99 = 0;  // nearest rank: the smallest count at least 99% of the rows do not exceed [tokens]
};

// The rows of a request trace in its window (after the filter), before scale and time compression.
struct RequestTraceSummary {
  uint64_t rows = 0;
  double first_s = 0;  // timestamp of the first row on the trace's clock [s] (Unix time for calendar stamps)
  double last_s = 0;   // of the last row [s]
  double span_s() const { return last_s - first_s; }
  double mean_rps = 0;      // rows / span [requests/s]; 0 when the span is 0
  double peak_rps = 0;      // the most rows in one bin / bin_s [requests/s]
  double peak_bin_s = 1;    // 1 s for a span up to an hour, else 60 s
  bool has_tokens = false;  // the workload names token columns
  TokenStats input_tokens;
  TokenStats output_tokens;
};

// Reads the trace once (streamed; memory grows with the number of distinct token counts only). Throws
// InputError as the arrival source does. Only for request_trace workloads.
RequestTraceSummary summarize_request_trace(const WorkloadSpec& spec);

// Lines for `servesim validate`, each ending in '\n'.
std::string describe(const RequestTraceSummary& summary);

// "" when the span fits the unit, else why it does not and which unit was probably meant (for stderr): a span
// over a year, or under a second with more than 1000 rows.
std::string unit_warning(const RequestTraceSummary& summary, const WorkloadSpec& spec);

}  // namespace servesim::sim
