#include "gui/run_outcome.hpp"

#include <atomic>
#include <functional>

#include "advisor/advisor.hpp"
#include "core/input_error.hpp"
#include "platforms/model_factory.hpp"
#include "reports/output_dir.hpp"
#include "reports/run_report.hpp"
#include "sim/engine.hpp"
#ifdef SERVESIM_HAVE_MODELS
#include "models/scenario_model.hpp"
#endif

namespace servesim::gui {
namespace {

// The verdict paragraph, the rule path and why each other candidate was not recommended. Cancel reaches the
// advisor's evidence run (sim::Cancelled propagates); a scenario the advisor cannot judge gives its reason.
std::string advice_text(const sim::Scenario& scenario, const std::atomic<bool>* cancel) {
  advisor::AdviseHooks hooks;
  hooks.cancel = cancel;
  try {
    const advisor::Recommendation rec = advisor::advise(scenario, hooks);
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
#ifdef SERVESIM_HAVE_MODELS
    if (const auto model = models::apply_model(scenario)) out.model_line = model->describe(scenario.service);
#else
    if (!scenario.model.is_null())
      throw input_error(scenario.file, "/model",
                        "this servesim-gui was built without models/ (ONNX profiling): rebuild with "
                        "-DSERVESIM_BUILD_MODELS=ON, or give service.warm instead");
#endif
    auto candidates = platforms::make_candidates(scenario);
    out.rows.resize(candidates.size());
    auto options = sim::RunOptions::for_scenario(scenario);
    options.on_row = [&out](size_t i, const sim::IntervalRow& row) { out.rows[i].push_back(row); };
    options.on_progress = on_progress;
    options.cancel = cancel;
    out.results = sim::simulate(options, candidates);
    out.scenario = std::move(scenario);
    out.advice = advice_text(out.scenario, cancel);
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

void write_run_files(const RunOutcome& outcome, reports::OutputDir& dir) {
  std::vector<std::string> names;
  for (const auto& r : outcome.results) names.push_back(r.name);
  reports::TimeseriesWriter series(dir.file("timeseries.csv"), names);
  for (size_t i = 0; i < outcome.rows.size(); ++i)
    for (const auto& row : outcome.rows[i]) series.row(i, row);
  series.close();
  reports::write_file_atomic(dir.file("summary.json"),
                             reports::summary_json(outcome.scenario, outcome.results).dump(2) + "\n");
  reports::write_file_atomic(dir.file("latency_histogram.csv"),
                             reports::latency_histogram_csv(outcome.results));
}

void export_run_files(const RunOutcome& outcome, const std::string& folder) {
  reports::OutputDir dir(folder);
  write_run_files(outcome, dir);
  dir.commit();
}

}  // namespace servesim::gui
