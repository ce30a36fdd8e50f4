// UTC calendar times (sim/utc_time.hpp) against dates worked by hand: 2026-12-07 08:00 UTC is 1,796,630,400 s
// after the epoch (20,794 days of 86,400 s, + 8 h), a Monday; the day after 2026-12-31 is a Friday in 2027;
// 2028 is a leap year.
#include "sim/utc_time.hpp"

#include <catch2/catch.hpp>

using servesim::sim::parse_utc_time;
using servesim::sim::utc_day;
using servesim::sim::utc_day_after;

TEST_CASE("sim::UtcTime: ISO 8601 times and calendar days") {
  double t = 0;
  REQUIRE(parse_utc_time("2026-12-07T08:00:00Z", t));
  CHECK(t == 1796630400.0);
  REQUIRE(parse_utc_time("2026-12-07T09:30:00+01:30", t));
  CHECK(t == 1796630400.0);
  REQUIRE(parse_utc_time("2026-12-07T08:00:00.250Z", t));
  CHECK(t == Approx(1796630400.25).epsilon(1e-15));
  CHECK_FALSE(parse_utc_time("next Monday", t));
  CHECK_FALSE(parse_utc_time("1796630400", t));

  const auto monday = utc_day(1796630400.0);
  CHECK(monday.year == 2026);
  CHECK(monday.month == 12);
  CHECK(monday.day == 7);
  CHECK(monday.weekday == 1);
  CHECK(monday.midnight_s == 1796630400 - 8 * 3600);
  const auto new_year = utc_day_after(monday, 25);
  CHECK((new_year.year == 2027 && new_year.month == 1 && new_year.day == 1 && new_year.weekday == 5));
  const auto leap = utc_day_after(utc_day(1835308800.0), 1);  // 2028-02-28 + 1
  CHECK((leap.month == 2 && leap.day == 29 && leap.weekday == 2));
  CHECK(utc_day(-1.0).year == 1969);  // the second before the epoch
}
