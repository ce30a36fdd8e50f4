#pragma once
// Text helpers for the HTML report: escaping of user text and number formatting for tables and axes.
#include <string>

namespace servesim::reports {

// Escapes & < > " ' so that any text (scenario names, descriptions, sources) is safe in element content and
// in quoted attribute values.
std::string html_escape(const std::string& text);

std::string format_count(double value);                        // 1234567 -> "1,234,567"
std::string format_number(double value, int significant = 3);  // 0.01234 -> "0.0123", 12345.6 -> "12,346"
std::string format_usd(double value);    // "$1,234.57"; cents below $100, whole dollars above $100k
std::string format_bytes(double bytes);  // "250.0 MB" (10^6), "12.3 kB"

// A CSV field quoted when it holds a comma, quote or line break (RFC 4180).
std::string csv_field(const std::string& text);

}  // namespace servesim::reports
