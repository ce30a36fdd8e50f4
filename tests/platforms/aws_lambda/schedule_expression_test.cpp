// Application Auto Scaling schedule expressions (platforms/aws_lambda/schedule_expression.hpp) expanded by
// hand over known dates, and a Lambda provisioned_concurrency_schedule in cron form
// (docs/models/aws-lambda.md): environments present after the morning action, gone after the evening one.
#include "platforms/aws_lambda/schedule_expression.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "support/sim_harness.hpp"

using servesim::platforms::fire_times_s;
using servesim::platforms::parse_schedule_expression;
using servesim::platforms::ScheduleExpression;
using servesim::test::constant_ms;
using servesim::test::poisson;
using servesim::test::scenario_from;
using servesim::test::simulate;

namespace {

constexpr double kSunday20261206 = 1796515200;  // 2026-12-06T00:00:00Z, a Sunday
constexpr double kScheduleDayS = 86400;

std::vector<double> expand_schedule(const std::string& text, double start_utc_s, double span_s) {
  ScheduleExpression e;
  std::string why;
  REQUIRE(parse_schedule_expression(text, e, why));
  return fire_times_s(e, start_utc_s, span_s);
}

std::string schedule_refusal(const std::string& text) {
  ScheduleExpression e;
  std::string why;
  return parse_schedule_expression(text, e, why) ? "accepted" : why;
}

}  // namespace

TEST_CASE("platforms::ScheduleExpression: cron expansions worked by hand") {
  SECTION("weekdays at 08:00 and 18:00 over Sun 6 .. Tue 8 December 2026: Mon and Tue only") {
    // Monday 08:00 is 32 h after Sunday 00:00 (115,200 s), 18:00 is 42 h; Tuesday adds 24 h.
    const std::vector<double> expected = {32 * 3600.0, 42 * 3600.0, 56 * 3600.0, 66 * 3600.0};
    CHECK(expand_schedule("cron(0 8,18 ? * MON-FRI *)", kSunday20261206, 3 * kScheduleDayS) == expected);
    CHECK(expand_schedule("cron(0 8,18 ? * 2-6 *)", kSunday20261206, 3 * kScheduleDayS) ==
          expected);  // 1 = SUN
    CHECK(expand_schedule("cron(0 8,18 ? * mon,tue,wed,thu,fri *)", kSunday20261206, 3 * kScheduleDayS) ==
          expected);
  }
  SECTION("every 15 minutes of 09:00, over one day") {
    CHECK(expand_schedule("cron(*/15 9 * * ? *)", kSunday20261206, kScheduleDayS) ==
          std::vector<double>{32400, 33300, 34200, 35100});
    CHECK(expand_schedule("cron(10-20/5 9 * * ? *)", kSunday20261206, kScheduleDayS) ==
          std::vector<double>{33000, 33300, 33600});
    CHECK(expand_schedule("cron(50/5 23 * * ? *)", kSunday20261206, kScheduleDayS) ==
          std::vector<double>{86400 - 600, 86400 - 300});
  }
  SECTION("the 1st and 15th of the month at 06:30, over December 2026") {
    const double december_1 = kSunday20261206 - 5 * kScheduleDayS;
    CHECK(expand_schedule("cron(30 6 1,15 * ? *)", december_1, 31 * kScheduleDayS) ==
          std::vector<double>{23400, 14 * kScheduleDayS + 23400});
  }
  SECTION("months and years: midnight of 1 January 2027 only") {
    const double new_years_eve_noon = kSunday20261206 + 25 * kScheduleDayS + 12 * 3600;  // 2026-12-31T12:00Z
    CHECK(expand_schedule("cron(0 0 1 JAN ? 2027)", new_years_eve_noon, 2 * kScheduleDayS) ==
          std::vector<double>{43200});
    CHECK(expand_schedule("cron(0 0 1 JAN ? 2028-2030)", new_years_eve_noon, 2 * kScheduleDayS).empty());
    CHECK(expand_schedule("cron(0 0 * 12 ? *)", new_years_eve_noon, 2 * kScheduleDayS)
              .empty());  // Dec 31's midnight passed
  }
  SECTION("the span's ends are included; an at() once") {
    CHECK(expand_schedule("cron(0 0 * * ? *)", kSunday20261206, 2 * kScheduleDayS) ==
          std::vector<double>{0, kScheduleDayS, 2 * kScheduleDayS});
    CHECK(expand_schedule("at(2026-12-06T08:00:00)", kSunday20261206, kScheduleDayS) ==
          std::vector<double>{28800});
    CHECK(expand_schedule("at(2026-12-05T08:00:00)", kSunday20261206, kScheduleDayS).empty());
  }
}

TEST_CASE("platforms::ScheduleExpression: what is not supported is refused with the reason") {
  const std::string both = "expected ? in exactly one of day-of-month and day-of-week";
  CHECK(schedule_refusal("cron(0 8 * * MON *)") == both);
  CHECK(schedule_refusal("cron(0 8 ? * ? *)") == both);
  CHECK(schedule_refusal("cron(0 8 L * ? *)") ==
        "expected no L, W or # (not supported) in the day-of-month field \"L\"");
  CHECK(schedule_refusal("cron(0 8 15W * ? *)") ==
        "expected no L, W or # (not supported) in the day-of-month field \"15W\"");
  CHECK(schedule_refusal("cron(0 8 ? * 6#3 *)") ==
        "expected no L, W or # (not supported) in the day-of-week field \"6#3\"");
  CHECK(schedule_refusal("cron(0 8 ? * 6L *)") ==
        "expected no L, W or # (not supported) in the day-of-week field \"6L\"");
  CHECK(
      schedule_refusal("rate(5 minutes)") ==
      "expected cron() or at() (rate() counts from when the action is created, unknown here: not supported)");
  CHECK(schedule_refusal("cron(0 8 * * ?)") ==
        "expected 6 cron fields (minutes hours day-of-month month day-of-week year)");
  CHECK(schedule_refusal("cron(60 8 * * ? *)") ==
        "expected values 0..59 (with *, lists, ranges and steps) in the minutes field \"60\"");
  CHECK(schedule_refusal("cron(*/0 8 * * ? *)") ==
        "expected a step of 1 or more after / in the minutes field \"*/0\"");
  CHECK(schedule_refusal("cron(0 20-8 * * ? *)") == "expected a range low-high in the hours field \"20-8\"");
  CHECK(schedule_refusal("cron(0 8 ? * * *") ==
        "expected cron(minutes hours day-of-month month day-of-week year) or at(yyyy-mm-ddThh:mm:ss)");
  CHECK(schedule_refusal("at(2026-12-06T08:00:00Z)") == "expected at(yyyy-mm-ddThh:mm:ss) in UTC");
}

TEST_CASE("platforms::LambdaModel: provisioned concurrency on a cron schedule follows the calendar") {
  // 0.05 requests/s of 100 ms for 3 days from Sunday 2026-12-06 00:00 UTC, 1,024 MB (1 GB), keep-alive 0: a
  // request without a provisioned environment cold-starts. Weekdays at 08:00 provisioned concurrency goes to
  // 10, at 18:00 back to 0: actions at 32, 42, 56 and 66 h. A raise is usable after 60 s of preparation and
  // 10 environments at 10 a minute: 08:02. Between 08:10 and 18:00 no cold start, none provisioned after.
  nlohmann::json settings = {{"memory_mb", 1024},
                             {"timeout_s", 900},
                             {"keep_alive_s", 0},
                             {"pc_preparation_s", 60},
                             {"pc_allocation_envs_per_min", 10},
                             {"provisioned_concurrency_schedule",
                              {{{"schedule", "cron(0 8 ? * MON-FRI *)"}, {"provisioned_concurrency", 10}},
                               {{"schedule", "cron(0 18 ? * MON-FRI *)"}, {"provisioned_concurrency", 0}}}}};
  auto doc = servesim::test::one_candidate_scenario(
      {"aws-lambda", "fn", 5, 600}, poisson(0.05, 3 * kScheduleDayS), {{"warm", constant_ms(100)}}, settings);
  doc["workload"]["start_utc"] = "2026-12-06T00:00:00Z";
  const auto run = simulate(scenario_from(doc));
  const auto& r = run.results[0];
  uint64_t day_arrived = 0, day_cold = 0, night_arrived = 0, night_cold = 0;
  for (const auto& row : run.rows[0]) {
    const bool monday_day = row.start_s >= 32 * 3600 + 600 && row.end_s <= 42 * 3600;
    const bool monday_night = row.start_s >= 42 * 3600 && row.end_s <= 56 * 3600;
    if (monday_day) {
      day_arrived += row.counts.arrived;
      day_cold += row.counts.cold_starts;
    } else if (monday_night || row.end_s <= 32 * 3600) {  // also all of Sunday and Monday's early hours
      night_arrived += row.counts.arrived;
      night_cold += row.counts.cold_starts;
    }
  }
  CHECK(day_arrived > 1500);  // 0.05/s x 9 h 50 min = 1,770 expected
  CHECK(day_cold == 0);
  CHECK(night_arrived > 7000);  // 0.05/s x 46 h = 8,280 expected
  CHECK(night_cold == night_arrived);
  REQUIRE(r.levers.size() == 5);
  CHECK(r.levers[0].second == 4);  // actions applied
  CHECK(r.levers[1].second == 2);  // allocations completed
  CHECK(r.levers[2].second == 0);  // configured at the end
  // Billed as configured: 10 x 1 GB x 2 x 10 h x $0.0000041667 per GB-s.
  double provisioned_usd = -1;
  for (const auto& [k, v] : r.cost_usd)
    if (k == "provisioned_usd") provisioned_usd = v;
  CHECK(provisioned_usd == Approx(10 * 1.0 * 2 * 36000 * 0.0000041667).epsilon(1e-9));
  SECTION("without the workload's start_utc: refused") {
    doc["workload"].erase("start_utc");
    CHECK_THROWS_WITH(simulate(scenario_from(doc)),
                      Catch::Contains("/candidates/0/provisioned_concurrency_schedule/0/schedule: expected a "
                                      "workload with start_utc (the UTC time the run starts) for a schedule "
                                      "expression, got none"));
  }
  SECTION("an unsupported expression: refused with the reason") {
    doc["candidates"][0]["provisioned_concurrency_schedule"][1]["schedule"] = "cron(0 18 L * ? *)";
    CHECK_THROWS_WITH(
        simulate(scenario_from(doc)),
        Catch::Contains("/candidates/0/provisioned_concurrency_schedule/1/schedule: expected no L, W or # "
                        "(not supported) in the day-of-month field \"L\", got \"cron(0 18 L * ? *)\""));
  }
}
