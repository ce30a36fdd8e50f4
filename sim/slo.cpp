#include "sim/slo.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace servesim::sim {

SloOutcome judge_slo(const CandidateResult& result, const SloSpec& slo) {
  const Counters& q = result.requests;
  SloOutcome out;
  // A token-level candidate with TTFT or TPOT targets is judged on its goodput (requests served within the
  // latency target and both token targets); without targets goodput counts every served request, so the
  // latency target decides as for any candidate.
  const bool tokens = result.llm.present && (slo.ttft_ms > 0 || slo.tpot_ms > 0);
  const uint64_t good = tokens ? std::min(result.llm.goodput, q.served_within_slo) : q.served_within_slo;
  out.attainment = q.arrived ? static_cast<double>(good) / static_cast<double>(q.arrived) : 1.0;
  out.p99_ms = result.latency.quantile_s(0.99) * 1e3;
  out.met = q.served > 0 && out.attainment >= slo.attainment_target && out.p99_ms <= slo.p99_ms;
  return out;
}

std::string percent_text(double share, double threshold, int significant) {
  const double percent = share * 100;
  // Decimals for `significant` digits: 31% and 1.2% (two digits), 0.12%.
  int decimals = 0;
  if (percent != 0 && std::fabs(percent) < 10)
    decimals = std::max(0, significant - 1 - static_cast<int>(std::floor(std::log10(std::fabs(percent)))));
  char text[64];
  for (;; ++decimals) {
    std::snprintf(text, sizeof text, "%.*f", decimals, percent);
    const double shown = std::strtod(text, nullptr);
    const bool honest = !(share < 1 && shown >= 100) && !(share > 0 && shown <= 0) &&
                        !(threshold >= 0 && share < threshold && shown >= threshold * 100);
    if (honest || decimals >= 9) break;
  }
  return std::string(text) + "%";
}

}  // namespace servesim::sim
