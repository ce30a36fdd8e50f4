#include "platforms/aws_lambda/schedule_expression.hpp"

#include <array>
#include <cctype>
#include <cmath>
#include <optional>
#include <sstream>

#include "sim/utc_time.hpp"

namespace servesim::platforms {

namespace {

constexpr std::array<const char*, 12> kMonths = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                 "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<const char*, 7> kDays = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct FieldRule {
  const char* name;
  int low, high;
  bool names_months = false, names_days = false, question = false;
};

// A number or (month, day of week) a name; -1 when `text` is neither.
int value_of(std::string_view text, const FieldRule& rule) {
  if (text.empty()) return -1;
  if (std::isdigit(static_cast<unsigned char>(text[0]))) {
    int v = 0;
    for (const char c : text) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || v > 10000) return -1;
      v = v * 10 + (c - '0');
    }
    return v;
  }
  std::string upper(text);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (rule.names_months)
    for (size_t k = 0; k < kMonths.size(); ++k)
      if (upper == kMonths[k]) return static_cast<int>(k) + 1;
  if (rule.names_days)
    for (size_t k = 0; k < kDays.size(); ++k)
      if (upper == kDays[k]) return static_cast<int>(k) + 1;
  return -1;
}

// One field: a comma-separated list of "*", "a", "a-b", each optionally "/step" ("a/step": a to the
// field's last value). Sets allowed[v] for each value v.
template <size_t N>
bool parse_field(std::string_view text, const FieldRule& rule, std::bitset<N>& allowed, bool& question,
                 std::string& why) {
  const std::string field = std::string(rule.name) + " field \"" + std::string(text) + "\"";
  auto fail = [&](const std::string& what) {
    why = "expected " + what;
    return false;
  };
  if (text == "?") {
    if (!rule.question) return fail("? only in day-of-month or day-of-week, not in the " + field);
    question = true;
    return true;
  }
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t comma = text.find(',', begin);
    const std::string_view item =
        text.substr(begin, comma == std::string_view::npos ? text.npos : comma - begin);
    begin = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    const size_t slash = item.find('/');
    const std::string_view range = item.substr(0, slash);
    int step = 1;
    if (slash != std::string_view::npos) {
      step = value_of(item.substr(slash + 1), FieldRule{rule.name, 1, 0});
      if (step < 1 || item.substr(slash + 1).empty() ||
          !std::isdigit(static_cast<unsigned char>(item[slash + 1])))
        return fail("a step of 1 or more after / in the " + field);
    }
    int low = rule.low, high = rule.high;
    if (range != "*") {
      const size_t dash = range.find('-');
      low = value_of(range.substr(0, dash), rule);
      high = dash == std::string_view::npos ? (slash == std::string_view::npos ? low : rule.high)
                                            : value_of(range.substr(dash + 1), rule);
      if ((low < 0 || high < 0) && item.find_first_of("LW#") != std::string_view::npos)
        return fail("no L, W or # (not supported) in the " + field);
      if (low < rule.low || high > rule.high || low < 0 || high < 0)
        return fail("values " + std::to_string(rule.low) + ".." + std::to_string(rule.high) +
                    ((rule.names_months || rule.names_days) ? " or names" : "") +
                    " (with *, lists, ranges and steps) in the " + field);
      if (high < low) return fail("a range low-high in the " + field);
    }
    for (int v = low; v <= high; v += step) allowed.set(static_cast<size_t>(v));
  }
  return true;
}

}  // namespace

bool parse_schedule_expression(std::string_view text, ScheduleExpression& out, std::string& why) {
  out = ScheduleExpression{};
  auto inside = [&](std::string_view head) -> std::optional<std::string_view> {
    if (text.size() < head.size() + 1 || text.substr(0, head.size()) != head || text.back() != ')')
      return std::nullopt;
    return text.substr(head.size(), text.size() - head.size() - 1);
  };
  if (const auto at = inside("at(")) {
    if (!sim::parse_utc_time(std::string(*at) + "Z", out.at_utc_s) || at->size() != 19) {
      why = "expected at(yyyy-mm-ddThh:mm:ss) in UTC";
      return false;
    }
    out.is_at = true;
    return true;
  }
  if (inside("rate(")) {
    why =
        "expected cron() or at() (rate() counts from when the action is created, unknown here: not "
        "supported)";
    return false;
  }
  const auto fields_text = inside("cron(");
  if (!fields_text) {
    why = "expected cron(minutes hours day-of-month month day-of-week year) or at(yyyy-mm-ddThh:mm:ss)";
    return false;
  }
  std::istringstream in{std::string(*fields_text)};
  std::vector<std::string> fields;
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.size() != 6) {
    why = "expected 6 cron fields (minutes hours day-of-month month day-of-week year)";
    return false;
  }
  bool unused = false, dom_question = false, dow_question = false;
  // Each bitset is indexed by the value itself (days and months from 1); years are read into one indexed by
  // the year, then offset by kFirstYear.
  if (!parse_field(fields[0], {"minutes", 0, 59}, out.minutes, unused, why) ||
      !parse_field(fields[1], {"hours", 0, 23}, out.hours, unused, why) ||
      !parse_field(fields[2], {"day-of-month", 1, 31, false, false, true}, out.days_of_month, dom_question,
                   why) ||
      !parse_field(fields[3], {"month", 1, 12, true}, out.months, unused, why) ||
      !parse_field(fields[4], {"day-of-week", 1, 7, false, true, true}, out.days_of_week, dow_question, why))
    return false;
  std::bitset<ScheduleExpression::kLastYear - ScheduleExpression::kFirstYear + 1 +
              ScheduleExpression::kFirstYear>
      years;
  if (!parse_field(fields[5], {"year", ScheduleExpression::kFirstYear, ScheduleExpression::kLastYear}, years,
                   unused, why))
    return false;
  for (int y = ScheduleExpression::kFirstYear; y <= ScheduleExpression::kLastYear; ++y)
    if (years.test(static_cast<size_t>(y)))
      out.years.set(static_cast<size_t>(y - ScheduleExpression::kFirstYear));
  if (dom_question == dow_question) {
    why = "expected ? in exactly one of day-of-month and day-of-week";
    return false;
  }
  out.by_day_of_week = dom_question;
  return true;
}

std::vector<double> fire_times_s(const ScheduleExpression& e, double start_utc_s, double span_s,
                                 size_t max_times) {
  std::vector<double> out;
  if (e.is_at) {
    const double t = e.at_utc_s - start_utc_s;
    if (t >= 0 && t <= span_s) out.push_back(t);
    return out;
  }
  const double end_utc_s = start_utc_s + span_s;
  for (sim::UtcDay day = sim::utc_day(start_utc_s); static_cast<double>(day.midnight_s) <= end_utc_s;
       day = sim::utc_day_after(day, 1)) {
    const int year_index = day.year - ScheduleExpression::kFirstYear;
    if (year_index < 0 || year_index >= static_cast<int>(e.years.size()) ||
        !e.years.test(static_cast<size_t>(year_index)) || !e.months.test(day.month))
      continue;
    if (e.by_day_of_week ? !e.days_of_week.test(day.weekday + 1) : !e.days_of_month.test(day.day)) continue;
    for (size_t h = 0; h < e.hours.size(); ++h) {
      if (!e.hours.test(h)) continue;
      for (size_t m = 0; m < e.minutes.size(); ++m) {
        if (!e.minutes.test(m)) continue;
        const double t =
            static_cast<double>(day.midnight_s) + static_cast<double>(h * 3600 + m * 60) - start_utc_s;
        if (t < 0 || t > span_s) continue;
        if (out.size() == max_times) return out;
        out.push_back(t);
      }
    }
  }
  return out;
}

}  // namespace servesim::platforms
