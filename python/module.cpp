// servesim._core: the pybind11 side of the Python module (python/servesim/__init__.py is the API users see).
// Each function runs the app/ pipeline as the CLI does: app::prepare, then app::run (run, advise), the
// advisor's tune or app::run_sweep_point (sweep). Results cross as JSON text (summary.json, advice.json, as
// the CLI writes them) and as column lists (the time series), which the Python side wraps.
//
// Long work runs in a worker thread with the GIL released; the calling thread waits on it, and every 0.1 s
// (or when the simulation reports progress) takes the GIL back to call the progress callback, to read the
// cancel event and to let Python see a pending signal (Ctrl-C raises KeyboardInterrupt). Any of these stops
// the simulation through its cancel flag (sim::RunOptions::cancel, checked every 65,536 events). SimGrid runs
// one engine per process at a time: a second call from another Python thread waits for the first.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "advisor/advisor.hpp"
#include "advisor/tuner.hpp"
#include "app/advice.hpp"
#include "app/prepare.hpp"
#include "app/run.hpp"
#include "app/run_folder.hpp"
#include "app/sweep_file.hpp"
#include "app/sweep_point.hpp"
#include "core/input_error.hpp"
#include "reports/run_report.hpp"
#include "sim/engine.hpp"
#include "sim/scenario.hpp"

namespace py = pybind11;
using namespace servesim;

namespace {

// What a worker reports and how it is told to stop.
struct Hooks {
  std::function<void(double done, double total)> on_progress;
  const std::atomic<bool>* cancel = nullptr;
};

std::mutex& engine_mutex() {
  static std::mutex mutex;
  return mutex;
}

// Runs work(hooks) in a worker thread, the GIL released, and returns its result. progress: None or a callable
// (done, total) -> anything (False stops the run); cancel: None or an object with is_set() (threading.Event).
template <class Result>
Result run_in_worker(const std::function<Result(const Hooks&)>& work, const py::object& progress,
                     const py::object& cancel) {
  struct Shared {
    std::mutex mutex;
    std::condition_variable changed;
    bool done = false, fresh = false;
    double done_units = 0, total_units = 0;
  } shared;
  std::atomic<bool> stop{false};
  Hooks hooks;
  hooks.cancel = &stop;
  hooks.on_progress = [&shared](double done, double total) {
    std::lock_guard<std::mutex> lock(shared.mutex);
    shared.done_units = done;
    shared.total_units = total;
    shared.fresh = true;
    shared.changed.notify_all();
  };
  std::optional<Result> result;
  std::exception_ptr error;
  std::unique_ptr<std::lock_guard<std::mutex>> engine;
  {
    py::gil_scoped_release release;
    engine = std::make_unique<std::lock_guard<std::mutex>>(engine_mutex());
  }
  std::thread worker([&] {
    try {
      result.emplace(work(hooks));
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(shared.mutex);
    shared.done = true;
    shared.changed.notify_all();
  });
  std::optional<py::error_already_set> python_error;
  for (;;) {
    bool done = false, fresh = false;
    double done_units = 0, total_units = 0;
    {
      py::gil_scoped_release release;
      std::unique_lock<std::mutex> lock(shared.mutex);
      shared.changed.wait_for(lock, std::chrono::milliseconds(100),
                              [&] { return shared.done || shared.fresh; });
      done = shared.done;
      fresh = shared.fresh;
      shared.fresh = false;
      done_units = shared.done_units;
      total_units = shared.total_units;
    }
    if (done) break;
    if (python_error) continue;  // stopping: wait for the worker
    try {
      if (fresh && !progress.is_none()) {
        const py::object answer = progress(done_units, total_units);
        if (py::isinstance<py::bool_>(answer) && !answer.cast<bool>()) stop = true;
      }
      if (!cancel.is_none() && cancel.attr("is_set")().cast<bool>()) stop = true;
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    } catch (py::error_already_set& e) {
      python_error.emplace(std::move(e));
      stop = true;
    }
  }
  {
    py::gil_scoped_release release;
    worker.join();
    engine.reset();
  }
  if (python_error) throw std::move(*python_error);
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

sim::RunLimits limits_from(std::optional<double> max_arrivals, std::optional<double> max_output_mb) {
  sim::RunLimits limits;
  if (max_arrivals) limits.max_arrivals = *max_arrivals;
  if (max_output_mb) limits.max_output_mb = *max_output_mb;
  return limits;
}

// A scenario given as a file path, or as JSON text with the folder its relative paths start from.
app::Prepared prepare(const std::string& path, const std::string& text, const std::string& base_dir,
                      const app::PrepareOptions& options) {
  if (!path.empty()) return app::prepare(path, options);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("<dict>: expected a JSON object: ") + e.what());
  }
  return app::prepare(sim::parse_scenario(doc, "<dict>", base_dir.empty() ? "." : base_dir), options);
}

// The time series as columns named as in timeseries.csv (reports/run_report.cpp), one row per candidate and
// interval, candidates in order.
py::dict timeseries_columns(const std::vector<std::string>& names,
                            const std::vector<std::vector<sim::IntervalRow>>& rows, bool llm) {
  std::vector<std::pair<const char*, std::function<py::object(const sim::IntervalRow&)>>> columns = {
      {"start_s", [](const sim::IntervalRow& r) { return py::float_(r.start_s); }},
      {"end_s", [](const sim::IntervalRow& r) { return py::float_(r.end_s); }},
      {"arrivals", [](const sim::IntervalRow& r) { return py::int_(r.counts.arrived); }},
      {"served", [](const sim::IntervalRow& r) { return py::int_(r.counts.served); }},
      {"served_within_slo", [](const sim::IntervalRow& r) { return py::int_(r.counts.served_within_slo); }},
      {"cold_starts", [](const sim::IntervalRow& r) { return py::int_(r.counts.cold_starts); }},
      {"throttled", [](const sim::IntervalRow& r) { return py::int_(r.counts.throttled); }},
      {"timed_out", [](const sim::IntervalRow& r) { return py::int_(r.counts.timed_out); }},
      {"dropped", [](const sim::IntervalRow& r) { return py::int_(r.counts.dropped); }},
      {"retries", [](const sim::IntervalRow& r) { return py::int_(r.counts.retries); }},
      {"busy_instances_mean", [](const sim::IntervalRow& r) { return py::float_(r.busy_mean); }},
      {"idle_instances_mean", [](const sim::IntervalRow& r) { return py::float_(r.idle_mean); }},
      {"instances_peak", [](const sim::IntervalRow& r) { return py::int_(r.instances_peak); }},
      {"p50_ms", [](const sim::IntervalRow& r) { return py::float_(r.p50_ms); }},
      {"p99_ms", [](const sim::IntervalRow& r) { return py::float_(r.p99_ms); }},
      {"cost_usd_cumulative", [](const sim::IntervalRow& r) { return py::float_(r.cost_usd_cum); }}};
  if (llm) {
    columns.push_back({"ttft_p99_ms", [](const sim::IntervalRow& r) { return py::float_(r.ttft_p99_ms); }});
    columns.push_back({"tpot_p99_ms", [](const sim::IntervalRow& r) { return py::float_(r.tpot_p99_ms); }});
    columns.push_back({"output_tokens", [](const sim::IntervalRow& r) { return py::int_(r.output_tokens); }});
    columns.push_back({"kv_cache_utilization_mean",
                       [](const sim::IntervalRow& r) { return py::float_(r.kv_utilization_mean); }});
    columns.push_back({"preemptions", [](const sim::IntervalRow& r) { return py::int_(r.preemptions); }});
  }
  py::dict out;
  py::list candidate;
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t k = 0; k < rows[i].size(); ++k) candidate.append(names[i]);
  out["candidate"] = candidate;
  for (const auto& [name, value] : columns) {
    py::list column;
    for (const auto& per_candidate : rows)
      for (const auto& row : per_candidate) column.append(value(row));
    out[name] = column;
  }
  return out;
}

struct RunWork {
  app::RunOutcome outcome;
  std::vector<std::vector<sim::IntervalRow>> rows;
  std::string advice;  // advice.json (advise only)
};

py::dict run_result(const RunWork& work) {
  py::dict out;
  out["summary"] = work.outcome.summary.dump();
  out["timeseries"] = timeseries_columns(app::candidate_names(work.outcome.scenario), work.rows,
                                         work.outcome.scenario.service.llm.given);
  out["model_line"] = work.outcome.model_line;
  if (!work.advice.empty()) out["advice"] = work.advice;
  return out;
}

// run() and advise(): the scenario's candidates simulated once (app::run); advise adds the advisor's verdict
// from those results (app::advise_run, as the desktop app does). out: also write the output folder.
py::dict run_scenario(const std::string& path, const std::string& text, const std::string& base_dir,
                      std::optional<uint64_t> seed, std::optional<double> max_arrivals,
                      const std::string& out_dir, bool force, bool advise, const py::object& progress,
                      const py::object& cancel) {
  app::PrepareOptions options;
  options.seed = seed;
  options.limits = limits_from(max_arrivals, std::nullopt);
  options.writes_timeseries = !out_dir.empty();
  options.out_dir = out_dir;
  options.force = force;
  const std::function<RunWork(const Hooks&)> work = [&](const Hooks& hooks) {
    // In the worker too: checking a long trace before the run takes seconds.
    const app::Prepared prepared = prepare(path, text, base_dir, options);
    RunWork w;
    w.rows.resize(prepared.scenario.candidates.size());
    app::RunOptions run_options;
    run_options.on_progress = hooks.on_progress;
    run_options.cancel = hooks.cancel;
    run_options.on_row = [&w](size_t i, const sim::IntervalRow& row) { w.rows[i].push_back(row); };
    w.outcome = app::run(prepared, run_options);
    app::FolderOptions folder;
    if (advise) {
      const advisor::Recommendation rec = app::advise_run(w.outcome, w.rows, hooks.cancel);
      w.advice = advisor::to_json(rec).dump();
      folder.recommendation = app::advice_head(rec);
      folder.extra_files = {{"advice.json", advisor::to_json(rec).dump(2) + "\n"}};
    }
    if (!out_dir.empty()) {
      folder.model_profile = w.outcome.model_profile;
      app::write_run_folder(w.outcome, w.rows, prepared.out_dir, prepared.output, folder);
    }
    return w;
  };
  return run_result(run_in_worker(work, progress, cancel));
}

py::dict tune_scenario(const std::string& path, const std::string& text, const std::string& base_dir,
                       const std::string& platform, const std::vector<std::string>& keys,
                       const std::map<std::string, std::vector<double>>& grids, std::optional<uint64_t> seed,
                       std::optional<double> max_arrivals, const py::object& progress,
                       const py::object& cancel) {
  app::PrepareOptions options;
  options.seed = seed;
  options.limits = limits_from(max_arrivals, std::nullopt);
  options.writes_timeseries = false;
  options.check_candidates = false;  // the tuner builds its grid's candidates
  const std::function<advisor::TuneResult(const Hooks&)> work = [&](const Hooks& hooks) {
    const app::Prepared prepared = prepare(path, text, base_dir, options);
    return advisor::tune(prepared.scenario, platform, keys, grids, {hooks.on_progress, hooks.cancel});
  };
  const advisor::TuneResult result = run_in_worker(work, progress, cancel);
  nlohmann::json out = advisor::tune_json(result);  // the shape of `servesim tune --json`
  out["csv"] = advisor::tune_csv(result);
  py::dict d;
  d["json"] = out.dump();
  return d;
}

py::dict sweep_file(const std::string& path, std::optional<double> max_arrivals, const py::object& progress,
                    const py::object& cancel) {
  const app::Sweep sweep = app::load_sweep(path);
  const sim::RunLimits limits = limits_from(max_arrivals, std::nullopt);
  const std::function<std::vector<nlohmann::json>(const Hooks&)> work = [&](const Hooks& hooks) {
    std::vector<nlohmann::json> results;
    for (size_t i = 0; i < sweep.size(); ++i) {
      if (hooks.cancel->load()) throw sim::Cancelled();
      app::RunOptions point;
      point.cancel = hooks.cancel;
      results.push_back(app::run_sweep_point(sweep, i, "", limits, point));
      hooks.on_progress(static_cast<double>(i + 1), static_cast<double>(sweep.size()));
    }
    return results;
  };
  const std::vector<nlohmann::json> results = run_in_worker(work, progress, cancel);
  nlohmann::json points = nlohmann::json::array();
  for (size_t i = 0; i < results.size(); ++i) {
    nlohmann::json values = nlohmann::json::object();
    for (const auto& [pointer, value] : sweep.point(i).values) values[pointer] = value;
    nlohmann::json p = results[i];
    p.erase("fingerprint");
    p["values"] = values;
    points.push_back(p);
  }
  nlohmann::json pareto = nlohmann::json::array();
  for (const auto& [point, candidate] : app::pareto_front(results)) pareto.push_back({point, candidate});
  const nlohmann::json out = {
      {"base", sweep.base_path}, {"columns", sweep.columns}, {"points", points}, {"pareto", pareto}};
  py::dict d;
  d["json"] = out.dump();
  return d;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "ServeSim's simulation pipeline (app/), for the servesim package: use servesim.run and friends.";
  m.attr("version") = SERVESIM_VERSION;
  // InputError (bad input: one line naming the file, the JSON pointer and what was expected) is a ValueError;
  // a run stopped by the progress callback or the cancel event raises Cancelled.
  py::register_exception<InputError>(m, "InputError", PyExc_ValueError);
  py::register_exception<sim::Cancelled>(m, "Cancelled", PyExc_RuntimeError);
  m.def("run", &run_scenario, py::arg("path"), py::arg("text"), py::arg("base_dir"), py::arg("seed"),
        py::arg("max_arrivals"), py::arg("out_dir"), py::arg("force"), py::arg("advise"), py::arg("progress"),
        py::arg("cancel"));
  m.def("tune", &tune_scenario, py::arg("path"), py::arg("text"), py::arg("base_dir"), py::arg("platform"),
        py::arg("keys"), py::arg("grids"), py::arg("seed"), py::arg("max_arrivals"), py::arg("progress"),
        py::arg("cancel"));
  m.def("sweep", &sweep_file, py::arg("path"), py::arg("max_arrivals"), py::arg("progress"),
        py::arg("cancel"));
}
