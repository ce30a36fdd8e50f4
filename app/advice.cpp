#include "app/advice.hpp"

namespace servesim::app {

advisor::Recommendation advise_run(const RunOutcome& outcome,
                                   const std::vector<std::vector<sim::IntervalRow>>& rows,
                                   const std::atomic<bool>* cancel) {
  advisor::AdviseHooks hooks;
  hooks.cancel = cancel;
  return advisor::advise_from_results(outcome.scenario, outcome.results, rows, hooks);
}

nlohmann::json advice_head(const advisor::Recommendation& rec) {
  nlohmann::json reasons = nlohmann::json::array();
  for (const auto& step : rec.rules.path)
    reasons.push_back("rule: " + step.question + " " + step.answer + " (" + step.because + ")");
  for (const auto& c : rec.evidence.ranked)
    if (!c.reason.empty()) reasons.push_back("why not " + c.spec.name + ": " + c.reason);
  return {{"verdict", rec.verdict}, {"candidate", rec.best().spec.name}, {"reasons", reasons}};
}

}  // namespace servesim::app
