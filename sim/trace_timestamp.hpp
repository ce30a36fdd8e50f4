#pragma once
// Private to sim/: the timestamps of a request trace in the units a workload's "timestamp_unit" names.
//
//   TraceStamp stamp;
//   if (!parse_trace_stamp("2023-11-16T18:17:03.97+01:00", TimestampUnit::iso8601, stamp)) fail(...);
//   // stamp.whole_s = 1700155023 (17:17:03 UTC), stamp.fraction_s = 0.97
#include <cstdint>
#include <string_view>

#include "sim/workload.hpp"

namespace servesim::sim {

// A timestamp in seconds, split so that epoch seconds keep sub-microsecond resolution. Calendar stamps count
// from 1970-01-01 00:00:00 UTC; numbers count from wherever the trace's clock does.
struct TraceStamp {
  int64_t whole_s = 0;
  double fraction_s = 0;  // [0, 1) for the exact forms; from a double otherwise
};

// Reads one timestamp; false when `text` is not one in `unit`:
//   automatic  decimal seconds, or "YYYY-MM-DD HH:MM:SS[.f]" ('T' for the blank and a final 'Z' allowed),
//              taken as UTC: the reader of earlier versions, unchanged
//   seconds, milliseconds, microseconds  a decimal number ("27482", "1700155023.97", "1.7e9")
//   iso8601    "YYYY-MM-DD[T| ]HH:MM:SS[.f]" then nothing (UTC), "Z", or an offset "+hh:mm", "+hhmm", "+hh"
//              (or '-'), converted to UTC
// Fractions have at most 9 digits. Exact forms (digits only) keep every digit; other numbers go through a
// double, which holds epoch milliseconds to about 0.1 ms.
bool parse_trace_stamp(std::string_view text, TimestampUnit unit, TraceStamp& stamp);

// What a timestamp in `unit` looks like, for errors: "seconds or YYYY-MM-DD HH:MM:SS.fff", ...
const char* timestamp_form(TimestampUnit unit);

// The scenario's name of the unit: "auto", "s", "ms", "us", "iso8601".
const char* timestamp_unit_name(TimestampUnit unit);

}  // namespace servesim::sim
