#pragma once
// The one meaning of "meets the SLO", used by summary.json, the HTML report, the advisor, `tune`, `sweep` and
// the desktop app alike: a candidate meets the scenario's SLO when it served at least one request, at least
// slo.attainment_target of its arrivals were served within slo.p99_ms (timeouts, throttles and drops count as
// misses), and the p99 of its served requests is within slo.p99_ms. A language model served token by token
// (CandidateResult::llm) with slo.ttft_ms or slo.tpot_ms counts only its goodput: requests served within the
// latency target and both token targets.
//
//   const sim::SloOutcome slo = sim::judge_slo(result, scenario.slo);
//   if (slo.met) ...
#include <string>

#include "sim/run_result.hpp"
#include "sim/scenario.hpp"

namespace servesim::sim {

struct SloOutcome {
  double attainment = 1;  // served within slo.p99_ms / arrived [fraction] (1 when nothing arrived)
  double p99_ms = 0;      // p99 of the served requests [ms]
  bool met = false;
};

SloOutcome judge_slo(const CandidateResult& result, const SloSpec& slo);

// A share as a percentage ("99.98%") that never reads as a contradiction: with `significant` digits where
// those suffice (10% and above: whole percents), and more decimals where rounding would show a share below 1
// as 100%, a share above 0 as 0%, or a share below `threshold` as equal to it (0.987 against 0.99 reads
// "98.7%", never "99%"). A negative threshold means none.
std::string percent_text(double share, double threshold = -1, int significant = 2);

}  // namespace servesim::sim
