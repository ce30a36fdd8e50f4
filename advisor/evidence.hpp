#pragma once
// Evidence: every placement the rules leave open is simulated on the scenario's own traffic (its candidates,
// plus catalogue defaults for an open placement it lists none for), then ranked: first whether the candidate
// meets the SLO (attainment and p99), then total cost.
#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "advisor/facts.hpp"
#include "advisor/rule_tree.hpp"
#include "sim/recorder.hpp"
#include "sim/run_result.hpp"
#include "sim/scenario.hpp"

namespace servesim::advisor {

// The placement class of the platform's catalogue entry ("placement"); container for a name the catalogue
// does not list.
Placement placement_of(const std::string& platform);

// Where a candidate runs, with the reason for each placement: its platform's; for a composite platform (a
// serving topology), those its registration's placements hook gives for its parts (platforms/registry.hpp;
// InputError if its settings are malformed).
struct PlacementUse {
  Placement placement;
  std::string where;  // "" for a plain candidate, e.g. "stage \"fast\" on <platform>" in a topology
};
std::vector<PlacementUse> placements_of(const sim::CandidateSpec& candidate, const sim::Scenario& scenario);
// The one placement reported for a candidate: container if it uses one (standing capacity), else serverless.
Placement placement_of(const sim::CandidateSpec& candidate, const sim::Scenario& scenario);

struct CandidateEvidence {
  sim::CandidateSpec spec;
  Placement placement = Placement::serverless;
  bool from_scenario = true;  // false: a default candidate the advisor added
  sim::CandidateResult result;
  double attainment = 0;  // share of arrivals served within the SLO
  double p50_ms = 0, p99_ms = 0;
  double cold_start_share = 0;  // cold starts / arrivals
  bool meets_slo = false;       // sim::judge_slo: attainment >= slo.attainment_target and p99 <= SLO
  // The worst time-series interval: the most cold starts (the front of a spike), then the most arrivals.
  double busiest_start_s = 0, busiest_end_s = 0;
  uint64_t busiest_arrived = 0, busiest_cold_starts = 0, busiest_served = 0;
  double busiest_p99_ms = 0;  // of the requests served in that interval (meaningless when none was)
  std::string reason;         // why it was not recommended, in numbers (empty for the recommended one)
};

// The candidates to simulate. Throws InputError when the set is empty (every candidate excluded by the rules
// and no default candidate available or allowed).
std::vector<sim::CandidateSpec> evidence_candidates(const sim::Scenario& scenario, const Facts& facts,
                                                    const RuleOutcome& rules, const AdvisorSection& section,
                                                    std::vector<std::string>* notes = nullptr);

struct EvidenceRun {
  sim::Scenario scenario;  // the input scenario with `candidates` replaced by the simulated set
  std::vector<sim::CandidateResult> results;  // in candidate order
  std::vector<CandidateEvidence> ranked;      // best first, reasons filled in
};

// Simulates the candidates in one engine (on_row sees every time-series row, e.g. for reports) and ranks
// them by the scenario's SLO (sim/slo.hpp).
EvidenceRun gather_evidence(const sim::Scenario& scenario, std::vector<sim::CandidateSpec> candidates,
                            const std::function<void(size_t, const sim::IntervalRow&)>& on_row = {},
                            const std::atomic<bool>* cancel = nullptr,
                            const std::function<void(double, double)>& on_progress = {});

// A candidate simulated already (by the run the advice follows): its result and its time-series rows.
struct SimulatedCandidate {
  const sim::CandidateResult* result = nullptr;
  const std::vector<sim::IntervalRow>* rows = nullptr;
};

// gather_evidence, except that a candidate named in `simulated` takes its result and rows from there: only
// the others (the default candidates the advisor adds) are simulated, in one engine. Candidates are
// independent (each replays the same arrivals with its own random numbers), so the evidence is the same as
// when every candidate is simulated here. on_row sees the rows of both.
EvidenceRun gather_evidence(const sim::Scenario& scenario, std::vector<sim::CandidateSpec> candidates,
                            const std::map<std::string, SimulatedCandidate>& simulated,
                            const std::function<void(size_t, const sim::IntervalRow&)>& on_row = {},
                            const std::atomic<bool>* cancel = nullptr,
                            const std::function<void(double, double)>& on_progress = {});

// Sorts best first: candidates meeting the SLO before the others; then cheaper first among those meeting it,
// higher attainment first (then cheaper) among those missing it. Fills each loser's reason.
void rank(std::vector<CandidateEvidence>& candidates, const sim::SloSpec& slo);

}  // namespace servesim::advisor
