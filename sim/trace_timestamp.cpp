// Request-trace timestamps: calendar stamps by days_from_civil, numbers split into whole seconds and a
// fraction so that epoch times keep their resolution.
#include "sim/trace_timestamp.hpp"

#include <charconv>
#include <cmath>

namespace servesim::sim {

namespace {

bool is_decimal_digit(char c) {
  return static_cast<unsigned char>(c - '0') < 10;
}

// Digits [begin, begin+count) as an integer; false if any is not a digit.
bool parse_digits(std::string_view text, size_t begin, size_t count, int64_t& value) {
  if (begin + count > text.size()) return false;
  value = 0;
  for (size_t i = begin; i < begin + count; ++i) {
    if (!is_decimal_digit(text[i])) return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible Low-Level Date
// Algorithms").
int64_t days_from_civil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

int64_t days_in_month(int64_t year, int64_t month) {
  static constexpr int64_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool is_leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && is_leap ? 29 : kDays[month - 1];
}

// "[.digits]" (at most 9) from `begin` to `end` as a fraction of a second.
bool parse_fraction(std::string_view text, size_t begin, size_t end, double& fraction) {
  fraction = 0;
  if (begin == end) return true;
  if (text[begin] != '.' || begin + 1 == end || end - begin - 1 > 9) return false;
  int64_t digits = 0;
  if (!parse_digits(text, begin + 1, end - begin - 1, digits)) return false;
  fraction = static_cast<double>(digits) / std::pow(10.0, static_cast<double>(end - begin - 1));
  return true;
}

// "YYYY-MM-DD[T ]HH:MM:SS" at the start of `text`, then a fraction up to `end`.
bool parse_calendar(std::string_view text, size_t end, TraceStamp& stamp) {
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || (text[10] != ' ' && text[10] != 'T') ||
      text[13] != ':' || text[16] != ':') {
    return false;
  }
  int64_t year, month, day, hour, minute, second;
  if (!parse_digits(text, 0, 4, year) || !parse_digits(text, 5, 2, month) || !parse_digits(text, 8, 2, day) ||
      !parse_digits(text, 11, 2, hour) || !parse_digits(text, 14, 2, minute) ||
      !parse_digits(text, 17, 2, second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 ||
      second > 60) {
    return false;
  }
  stamp.whole_s = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return end >= 19 && parse_fraction(text, 19, end, stamp.fraction_s);
}

// ISO 8601: the calendar form, then nothing, "Z", "+hh:mm", "+hhmm" or "+hh" ('-' likewise).
bool parse_iso8601(std::string_view text, TraceStamp& stamp) {
  if (!text.empty() && text.back() == 'Z') return parse_calendar(text, text.size() - 1, stamp);
  size_t sign_at = text.size();
  for (size_t i = 19; i < text.size(); ++i) {
    if (text[i] == '+' || text[i] == '-') {
      sign_at = i;
      break;
    }
  }
  if (!parse_calendar(text, sign_at, stamp)) return false;
  if (sign_at == text.size()) return true;
  const std::string_view zone = text.substr(sign_at + 1);
  int64_t hours = 0, minutes = 0;
  const bool is_zone =
      (zone.size() == 2 && parse_digits(zone, 0, 2, hours)) ||
      (zone.size() == 4 && parse_digits(zone, 0, 2, hours) && parse_digits(zone, 2, 2, minutes)) ||
      (zone.size() == 5 && zone[2] == ':' && parse_digits(zone, 0, 2, hours) &&
       parse_digits(zone, 3, 2, minutes));
  if (!is_zone || hours > 23 || minutes > 59) return false;
  // Local time = UTC + offset, so UTC = local time - offset.
  const int64_t offset_s = (hours * 3600 + minutes * 60) * (text[sign_at] == '-' ? -1 : 1);
  stamp.whole_s -= offset_s;
  return true;
}

// A decimal number of 1/divisor seconds: "digits[.digits]" exactly (at most `max_digits` before the point),
// anything else through from_chars.
bool parse_number(std::string_view text, int64_t divisor, size_t max_digits, TraceStamp& stamp) {
  size_t digits = 0;
  while (digits < text.size() && is_decimal_digit(text[digits])) ++digits;
  int64_t whole = 0;
  double fraction = 0;
  if (digits > 0 && digits <= max_digits && parse_digits(text, 0, digits, whole) &&
      parse_fraction(text, digits, text.size(), fraction)) {
    stamp.whole_s = whole / divisor;
    stamp.fraction_s = (static_cast<double>(whole % divisor) + fraction) / static_cast<double>(divisor);
    return true;
  }
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || text.empty() ||
      std::fabs(value) > 9.0e15 * static_cast<double>(divisor)) {
    return false;
  }
  value /= static_cast<double>(divisor);
  stamp.whole_s = static_cast<int64_t>(std::floor(value));
  stamp.fraction_s = value - std::floor(value);
  return true;
}

}  // namespace

bool parse_trace_stamp(std::string_view text, TimestampUnit unit, TraceStamp& stamp) {
  switch (unit) {
    case TimestampUnit::automatic:
      if (!text.empty() && text.back() == 'Z') text.remove_suffix(1);
      if (text.size() >= 19 && text[4] == '-' && text[7] == '-' && (text[10] == ' ' || text[10] == 'T') &&
          text[13] == ':' && text[16] == ':') {
        return parse_calendar(text, text.size(), stamp);
      }
      return parse_number(text, 1, 15, stamp);
    case TimestampUnit::seconds:
      return parse_number(text, 1, 15, stamp);
    case TimestampUnit::milliseconds:
      return parse_number(text, 1000, 18, stamp);
    case TimestampUnit::microseconds:
      return parse_number(text, 1000000, 18, stamp);
    case TimestampUnit::iso8601:
      return parse_iso8601(text, stamp);
  }
  return false;
}

const char* timestamp_form(TimestampUnit unit) {
  switch (unit) {
    case TimestampUnit::automatic:
      break;
    case TimestampUnit::seconds:
      return "a number of seconds";
    case TimestampUnit::milliseconds:
      return "a number of milliseconds";
    case TimestampUnit::microseconds:
      return "a number of microseconds";
    case TimestampUnit::iso8601:
      return "ISO 8601: YYYY-MM-DDTHH:MM:SS[.fff][Z|+hh:mm]";
  }
  return "seconds or YYYY-MM-DD HH:MM:SS.fff";
}

const char* timestamp_unit_name(TimestampUnit unit) {
  switch (unit) {
    case TimestampUnit::automatic:
      break;
    case TimestampUnit::seconds:
      return "s";
    case TimestampUnit::milliseconds:
      return "ms";
    case TimestampUnit::microseconds:
      return "us";
    case TimestampUnit::iso8601:
      return "iso8601";
  }
  return "auto";
}

}  // namespace servesim::sim
