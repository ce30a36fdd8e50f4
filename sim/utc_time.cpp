#include "sim/utc_time.hpp"

#include <chrono>
#include <cmath>

#include "sim/trace_timestamp.hpp"

namespace servesim::sim {

bool parse_utc_time(std::string_view text, double& epoch_s) {
  TraceStamp stamp;
  if (!parse_trace_stamp(text, TimestampUnit::iso8601, stamp)) return false;
  epoch_s = static_cast<double>(stamp.whole_s) + stamp.fraction_s;
  return true;
}

namespace {
UtcDay day_of(int64_t days_since_epoch) {
  using namespace std::chrono;
  const sys_days d{days{days_since_epoch}};
  const year_month_day ymd{d};
  UtcDay out;
  out.year = static_cast<int>(ymd.year());
  out.month = static_cast<unsigned>(ymd.month());
  out.day = static_cast<unsigned>(ymd.day());
  out.weekday = weekday{d}.c_encoding();
  out.midnight_s = days_since_epoch * 86400;
  return out;
}
}  // namespace

UtcDay utc_day(double epoch_s) {
  return day_of(static_cast<int64_t>(std::floor(epoch_s / 86400)));
}

UtcDay utc_day_after(const UtcDay& day, int64_t days) {
  return day_of(day.midnight_s / 86400 + days);
}

}  // namespace servesim::sim
