#pragma once
// An Application Auto Scaling schedule expression (PutScheduledAction's Schedule; docs/models/aws-lambda.md):
// "cron(Minutes Hours Day-of-month Month Day-of-week Year)" or "at(yyyy-mm-ddThh:mm:ss)", in UTC, expanded to
// the times it fires within a run whose t = 0 is a known UTC time (workload.start_utc). Supported in cron:
// numbers, names (JAN-DEC, SUN-SAT), "*", "?", lists, ranges and steps; not L, W, # nor rate().
//
//   ScheduleExpression e;
//   std::string why;
//   if (!parse_schedule_expression("cron(0 8,18 ? * MON-FRI *)", e, why)) fail(why);
//   std::vector<double> t_s = fire_times_s(e, start_utc_s, 3 * 86400.0);  // [s after t = 0]
#include <bitset>
#include <string>
#include <string_view>
#include <vector>

namespace servesim::platforms {

struct ScheduleExpression {
  bool is_at = false;
  double at_utc_s = 0;  // at(): the time [s since the epoch]
  // cron(): the values each field allows (day of week 1..7 = SUN..SAT, years from kFirstYear).
  static constexpr int kFirstYear = 1970, kLastYear = 2199;
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // 1..31
  std::bitset<13> months;         // 1..12
  std::bitset<8> days_of_week;    // 1..7
  std::bitset<kLastYear - kFirstYear + 1> years;
  bool by_day_of_week = false;  // day-of-month is "?" (else day-of-week is)
};

// Reads `text`; false with `why` (what was expected) when it is not a supported expression.
bool parse_schedule_expression(std::string_view text, ScheduleExpression& out, std::string& why);

// The times in [0, span_s] after `start_utc_s` [s since the epoch] at which `e` fires, in order [s after
// t = 0]; at most `max_times` (a cron firing more often over the span is cut there).
std::vector<double> fire_times_s(const ScheduleExpression& e, double start_utc_s, double span_s,
                                 size_t max_times = 1000000);

}  // namespace servesim::platforms
