#pragma once
// advisor::advise: facts -> rules -> evidence -> verdict. The recommended placement and configuration, the
// rule path that led there, every candidate with its numbers and, for each one not recommended, why. Where
// the rules and the evidence disagree, the verdict says so and follows the evidence.
#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "advisor/evidence.hpp"
#include "advisor/facts.hpp"
#include "advisor/patterns.hpp"
#include "advisor/rule_tree.hpp"

namespace servesim::advisor {

struct CacheEvidence {
  Popularity popularity;
  double analytical_hit_ratio = 0;
  CacheSimulation simulated;
};

struct CascadeEvidence {
  std::vector<CascadeStage> stages;
  CascadeEstimate analytical, simulated;
  CascadeEstimate complex_only;  // every request on the last stage alone
};

struct Recommendation {
  std::string scenario_name;
  double slo_p99_ms = 0;
  double slo_attainment_target = 0.99;      // scenario slo.attainment_target [fraction]
  double slo_ttft_ms = 0, slo_tpot_ms = 0;  // scenario slo.ttft_ms, slo.tpot_ms (0: none)
  Facts facts;
  Thresholds thresholds;
  RuleOutcome rules;
  EvidenceRun evidence;  // ranked best first
  bool any_meets_slo = false;
  bool rules_agree =
      true;             // the best candidate's placement is the one the rules prefer (or they prefer none)
  std::string verdict;  // one paragraph
  std::vector<std::string> notes;
  std::optional<CacheEvidence> cache;
  std::optional<CascadeEvidence> cascade;
  const CandidateEvidence& best() const { return evidence.ranked.front(); }
};

struct AdviseHooks {
  // Called with the evidence candidates' names just before they are simulated.
  std::function<void(const std::vector<std::string>&)> before_run;
  std::function<void(size_t, const sim::IntervalRow&)> on_row;
  // When set and it becomes true, the evidence run stops and advise() throws sim::Cancelled.
  const std::atomic<bool>* cancel = nullptr;
  // Simulated time done and to do over the evidence candidates [s] (sim::RunOptions::on_progress).
  std::function<void(double simulated_s, double total_s)> on_progress;
};

// Throws InputError for a bad advisor section (see parse_advisor_section) or an empty candidate set.
Recommendation advise(const sim::Scenario& scenario, const AdviseHooks& hooks = {});

// advise() for a scenario whose candidates were simulated already (app::run): `results` one per candidate of
// the scenario, in its order, as sim::simulate returned them; `rows` each candidate's time-series rows
// ([candidate][interval]: the worst-interval evidence needs them). Only the default candidates the advisor
// adds are simulated; the recommendation is the same as advise()'s. Throws std::invalid_argument when the
// results are not those of the scenario's candidates.
Recommendation advise_from_results(const sim::Scenario& scenario,
                                   const std::vector<sim::CandidateResult>& results,
                                   const std::vector<std::vector<sim::IntervalRow>>& rows,
                                   const AdviseHooks& hooks = {});

nlohmann::ordered_json to_json(const Recommendation& recommendation);
std::string to_text(const Recommendation& recommendation);
std::string facts_text(const Facts& facts);

}  // namespace servesim::advisor
