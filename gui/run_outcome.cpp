#include "gui/run_outcome.hpp"

#include "app/advice.hpp"
#include "app/prepare.hpp"
#include "app/run.hpp"
#include "app/run_folder.hpp"
#include "core/input_error.hpp"
#include "sim/engine.hpp"

namespace servesim::gui {
namespace {

// The verdict paragraph, the rule path and why each other candidate was not recommended. Cancel reaches the
// advisor's simulation of its default candidates (sim::Cancelled propagates); a scenario the advisor cannot
// judge gives its reason.
std::string advice_text(const app::RunOutcome& run, const std::vector<std::vector<sim::IntervalRow>>& rows,
                        const std::atomic<bool>* cancel) {
  try {
    const advisor::Recommendation rec = app::advise_run(run, rows, cancel);
    std::string text = rec.verdict + "\n\nRule path:";
    for (const auto& step : rec.rules.path)
      text += "\n- " + step.question + " " + step.answer + " (" + step.because + ")";
    for (const auto& c : rec.evidence.ranked)
      if (!c.reason.empty()) text += "\n\nWhy not " + c.spec.name + ": " + c.reason;
    return text;
  } catch (const InputError& e) {
    return std::string("No advisor verdict: ") + e.what();
  }
}

}  // namespace

RunOutcome run_scenario(sim::Scenario scenario, const std::atomic<bool>* cancel,
                        const std::function<void(double, double)>& on_progress) {
  RunOutcome out;
  try {
    // The app has no --max-arrivals: a long run is the user's to cancel, and skipping the estimate spares a
    // pass over the trace.
    app::PrepareOptions prepare_options;
    prepare_options.check_limits = false;
    const app::Prepared prepared = app::prepare(std::move(scenario), prepare_options);
    out.rows.resize(prepared.scenario.candidates.size());
    app::RunOptions options;
    options.on_row = [&out](size_t i, const sim::IntervalRow& row) { out.rows[i].push_back(row); };
    options.on_progress = on_progress;
    options.cancel = cancel;
    app::RunOutcome run = app::run(prepared, options);
    out.advice = advice_text(run, out.rows, cancel);
    out.model_line = std::move(run.model_line);
    out.model_profile = std::move(run.model_profile);
    out.scenario = std::move(run.scenario);
    out.results = std::move(run.results);
  } catch (const sim::Cancelled&) {
    out = RunOutcome{};
    out.status = RunOutcome::Status::cancelled;
  } catch (const std::exception& e) {
    out = RunOutcome{};
    out.status = RunOutcome::Status::failed;
    out.error = e.what();
  }
  return out;
}

void export_run_files(const RunOutcome& outcome, const std::string& folder, bool html_report) {
  app::FolderOptions options;
  options.model_profile = outcome.model_profile;
  options.html_report = html_report;
  app::write_run_folder(outcome.scenario, outcome.results, outcome.rows, folder, {}, options);
}

}  // namespace servesim::gui
