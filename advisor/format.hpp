#pragma once
// Number formatting for the advisor's explanations: "1,840", "2.4", "31%".
#include <string>

namespace servesim::advisor {

std::string num(double value);  // 4 significant digits, thousands separated
// 0.312 -> "31%", 0.012 -> "1.2%", 0.9998 -> "99.98%"; never reads as reaching `threshold` when below it
// (sim::percent_text).
std::string pct(double share, double threshold = -1);
std::string usd(double value);  // "$12.34", "$0.000123"

}  // namespace servesim::advisor
