#pragma once
// Absolute (calendar) times in UTC, for a workload whose start is known ("workload.start_utc",
// docs/scenario.md): a workflow Wait until a timestamp, a Lambda provisioned-concurrency schedule in cron
// form.
//
//   double epoch_s = 0;
//   if (!parse_utc_time("2026-12-07T08:00:00Z", epoch_s)) fail(...);  // epoch_s == 1796630400
//   UtcDay day = utc_day(epoch_s);  // 2026-12-07, a Monday (weekday 1)
#include <cstdint>
#include <string_view>

namespace servesim::sim {

// Reads "YYYY-MM-DDTHH:MM:SS[.f]" followed by "Z" or an offset ("+hh:mm", "-hh:mm"; a blank for the 'T' and
// no zone, taken as UTC, are accepted too) as seconds since 1970-01-01 00:00:00 UTC; false when `text` is not
// such a time.
bool parse_utc_time(std::string_view text, double& epoch_s);

// A UTC calendar day: year, month 1..12, day 1..31, weekday 0..6 (0 = Sunday), and its midnight in seconds
// since the epoch.
struct UtcDay {
  int year = 1970;
  unsigned month = 1, day = 1, weekday = 4;
  int64_t midnight_s = 0;
};
// The day holding the instant `epoch_s`, and the day `days` after a given day.
UtcDay utc_day(double epoch_s);
UtcDay utc_day_after(const UtcDay& day, int64_t days);

}  // namespace servesim::sim
