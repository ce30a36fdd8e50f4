// servesim sweep: many full runs of one scenario with some of its values changed (a grid or a list of
// points), in parallel local processes, merged into one CSV and its cost vs p99 Pareto front. See
// docs/sweeps.md.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "app/prepare.hpp"
#include "app/run.hpp"
#include "app/sweep_file.hpp"
#include "app/sweep_point.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/output_options.hpp"
#include "cli/point_fingerprint.hpp"
#include "cli/progress.hpp"
#include "core/input_error.hpp"
#include "core/interrupt.hpp"
#include "core/json_reader.hpp"
#include "reports/output_dir.hpp"
#include "reports/run_report.hpp"
#include "sim/scenario.hpp"
#ifdef SERVESIM_HAVE_MPI
#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#endif

namespace servesim::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;
using app::load_sweep;
using app::patched;
using app::Point;
using app::Sweep;
using nlohmann::json;

namespace {

constexpr const char* kSweepUsage =
    R"(Usage: servesim sweep SWEEP.json --out DIR [--force] [--jobs N] [--verbose] [--keep-parts]
                      [--progress auto|bar|lines|none]

Runs a base scenario many times with some of its values changed and merges the results. SWEEP.json:
  {"base": "scenario.json",                        the base scenario (relative to the sweep file)
   "grid": {"/candidates/0/memory_mb": [512, 1024], "/workload/scale": [1, 2]}}
                                                   JSON pointers into the base: every combination (the last
                                                   pointer varies fastest)
  or "points": [{"/candidates/0/memory_mb": 512}, ...]   an explicit list of points
Every point is a full run of the patched scenario; a point whose scenario is invalid is reported with its
error and does not stop the others. Writes into DIR:
  sweep.csv    one row per point and candidate (point order, then candidate order): the swept values,
               requests, p50/p99 latency [ms], cost [USD], error
  pareto.csv   the rows no other row beats on both cost and p99 (failed points and candidates that served
               nothing left out)
Points run in --jobs local processes (default: one per core), each writing DIR.parts/points/<i>.json.
An interrupted sweep rerun with the same --out reuses the points already done; DIR.parts is removed once
the merge is written (kept with --keep-parts). DIR is replaced as `servesim run --help` says (--force for a
folder holding files that servesim did not write). SIGINT (Ctrl-C) or SIGTERM stops the workers and keeps the
points done in DIR.parts. Progress (points done) goes to stderr as `servesim run --help` says: a bar on a
terminal, a line per tenth otherwise, after the first second. See docs/sweeps.md.

Exit status: 0 ok (even when some points failed), 2 bad sweep file or options, 3 internal error,
130 interrupted by SIGINT (Ctrl-C), 143 by SIGTERM (then DIR is not written).
)";

// The files a sweep reads, which its output folder must never hold: the sweep file, the base scenario and the
// base scenario's trace and model (when the base reads as a scenario as it stands).
std::vector<std::string> sweep_inputs(const Sweep& sw) {
  std::vector<std::string> inputs = {sw.file, sw.base_path};
  try {
    const std::string base_dir = fs::path(sw.base_path).parent_path().string();
    for (auto& input :
         app::scenario_inputs(sim::parse_scenario(sw.base, sw.base_path, base_dir.empty() ? "." : base_dir)))
      inputs.push_back(std::move(input));
  } catch (const InputError&) {
    // only its points are checked as scenarios (each when it runs)
  }
  return inputs;
}

std::string point_file(const std::string& parts, size_t i) {
  return parts + "/points/" + std::to_string(i) + ".json";
}

// The saved result of point i when it exists and was made from the same inputs (`print`).
bool load_point(const std::string& parts, size_t i, const std::string& print, json& out) {
  std::ifstream in(point_file(parts, i), std::ios::binary);
  if (!in) return false;
  try {
    std::stringstream buf;
    buf << in.rdbuf();
    out = core::parse_json(buf.str(), point_file(parts, i));
    return out.value("point", json()) == json(i) && out.value("fingerprint", "") == print &&
           out.contains("candidates");
  } catch (const std::exception&) {
    return false;  // a damaged part (syntax, nesting, duplicate keys) is run again
  }
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string value_text(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string header(const Sweep& sw) {
  std::string h = "point";
  for (const auto& c : sw.columns) h += "," + csv_field(c);
  return h +
         ",candidate,platform,arrived_requests,served_requests,throttled_requests,timed_out_requests,"
         "dropped_requests,p50_ms,p99_ms,cost_usd,slo_met,error\n";
}

std::string row_prefix(const Sweep& sw, size_t i) {
  std::string r = std::to_string(i);
  const Point pt = sw.point(i);
  for (const auto& c : sw.columns) {
    std::string cell;
    for (const auto& [ptr, v] : pt.values)
      if (ptr == c) cell = value_text(v);
    r += "," + csv_field(cell);
  }
  return r;
}

std::string candidate_row(const Sweep& sw, size_t i, const json& c) {
  return row_prefix(sw, i) + "," + csv_field(c["name"].get<std::string>()) + "," +
         csv_field(c["platform"].get<std::string>()) + "," + std::to_string(c["arrived"].get<uint64_t>()) +
         "," + std::to_string(c["served"].get<uint64_t>()) + "," +
         std::to_string(c["throttled"].get<uint64_t>()) + "," +
         std::to_string(c["timed_out"].get<uint64_t>()) + "," + std::to_string(c["dropped"].get<uint64_t>()) +
         "," + number(c["p50_ms"].get<double>()) + "," + number(c["p99_ms"].get<double>()) + "," +
         number(c["cost_usd"].get<double>()) + "," + (c.value("slo_met", false) ? "true" : "false") + ",\n";
}

// Writes sweep.csv and pareto.csv from the results of every point (in point order).
void write_merged(const Sweep& sw, const std::vector<json>& results, const std::string& out_dir,
                  const reports::OutputDir::Options& options) {
  std::string all = header(sw), front = header(sw);
  for (size_t i = 0; i < results.size(); ++i) {
    const json& r = results[i];
    if (!r["error"].is_null()) {
      all += row_prefix(sw, i) + ",,,,,,,,,,,," + csv_field(r["error"].get<std::string>()) + "\n";
      continue;
    }
    for (const json& c : r["candidates"]) all += candidate_row(sw, i, c);
  }
  for (const auto& [point, candidate] : app::pareto_front(results))
    front += candidate_row(sw, point, results[point]["candidates"][candidate]);

  reports::OutputDir dir(out_dir, options);
  reports::write_file_atomic(dir.file("sweep.csv"), all);
  reports::write_file_atomic(dir.file("pareto.csv"), front);
  dir.commit();
}

}  // namespace

int sweep_command(const Args& args) {
  po::options_description opts("Options");
  std::string sweep_path, out_dir;
  unsigned jobs = 0;
  opts.add_options()("sweep", po::value(&sweep_path)->required(), "sweep file (JSON, see docs/sweeps.md)")(
      "out,o", po::value(&out_dir)->required(), "output folder")(
      "jobs,j", po::value(&jobs), "local worker processes (default: one per core)")(
      "verbose,v", po::bool_switch(), "print a line per point run")(
      "keep-parts", po::bool_switch(), "keep DIR.parts (the per-point results) after the merge");
  add_force_option(opts);
  add_progress_option(opts);
  add_run_limit_options(opts);
  po::positional_options_description pos;
  pos.add("sweep", 1);
  po::variables_map vm;
  if (!parse_options(args, kSweepUsage, opts, pos, vm)) return 0;
  const bool verbose = vm["verbose"].as<bool>();
  // Under mpirun (OpenMPI sets OMPI_COMM_WORLD_SIZE and _RANK), this rank runs the points i with
  // i % ranks == rank in local child processes forked before MPI is initialised, then rank 0 gathers every
  // result and writes the merge. A plain run never initialises MPI.
  size_t ranks = 1, rank = 0;
  if (const char* size_env = std::getenv("OMPI_COMM_WORLD_SIZE")) {
    ranks = static_cast<size_t>(std::max(1L, std::atol(size_env)));
    const char* rank_env = std::getenv("OMPI_COMM_WORLD_RANK");
    rank = rank_env ? static_cast<size_t>(std::max(0L, std::atol(rank_env))) : 0;
#ifndef SERVESIM_HAVE_MPI
    if (ranks > 1)
      throw InputError(
          "sweep: started by mpirun, but this servesim was built without MPI (see docs/sweeps.md)");
#endif
  }
  if (!vm.count("jobs")) jobs = ranks > 1 ? 1 : std::max<long>(1, ::sysconf(_SC_NPROCESSORS_ONLN));
  if (jobs < 1 || jobs > 1024) throw InputError("command line: --jobs expects 1 to 1024 (see --help)");
  while (!out_dir.empty() && out_dir.size() > 1 && out_dir.back() == '/') out_dir.pop_back();

  const Sweep sw = load_sweep(sweep_path);
  const auto output = output_options(vm, sweep_inputs(sw));
  reports::OutputDir::check(out_dir, output);  // before any point runs
  const sim::RunLimits limits = run_limits(vm);
  PointFingerprints prints;
  auto print_of = [&](size_t i) { return prints.of(sw, patched(sw, sw.point(i))); };
  const std::string parts = out_dir + ".parts";
  fs::create_directories(parts + "/points");

  std::vector<json> results(sw.size());
  std::vector<size_t> todo;
  size_t reused = 0;
  for (size_t i = rank; i < sw.size(); i += ranks)
    if (!load_point(parts, i, print_of(i), results[i]))
      todo.push_back(i);
    else
      ++reused;
  size_t run = todo.size();

  // One child process per point, at most `jobs` at a time (SimGrid runs one engine per process). The children
  // are reaped without blocking, so that SIGINT or SIGTERM to this process is noticed while they run.
  std::map<pid_t, size_t> running;
  std::map<size_t, std::string> crashed;
  size_t next = 0, finished = 0;
  // --verbose prints its own line per point: no progress lines beside them unless asked for.
  ProgressPrinter progress(progress_style(vm, verbose && vm["progress"].defaulted()), ProgressUnit::points);
  progress.callback();  // starts the clock
  auto on_exit = [&](pid_t pid, int status) {
    const auto it = running.find(pid);
    if (it == running.end()) return;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      crashed[it->second] = WIFSIGNALED(status) ? "internal error: the point's process died (signal " +
                                                      std::to_string(WTERMSIG(status)) + ")"
                                                : "internal error: the point's process failed (status " +
                                                      std::to_string(WEXITSTATUS(status)) + ")";
      // A child that died before renaming its result leaves PATH.tmp-PID: nothing else will remove it.
      std::error_code ec;
      fs::remove(point_file(parts, it->second) + ".tmp-" + std::to_string(pid), ec);
    }
    running.erase(it);
    progress.show(static_cast<double>(reused + ++finished), static_cast<double>(reused + todo.size()));
  };
  auto reap = [&](bool block) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, block ? 0 : WNOHANG);
    if (pid < 0 && errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    if (pid > 0) on_exit(pid, status);
    return pid > 0;
  };
  while (next < todo.size() || !running.empty()) {
    if (const int signal_number = core::interrupt_signal()) {
      for (const auto& [pid, i] : running) ::kill(pid, SIGTERM);
      while (!running.empty()) reap(true);
      throw core::Interrupted(signal_number, "nothing was written to " + out_dir +
                                                 " (the points done are kept in " + parts +
                                                 "; run again to resume)");
    }
    if (next < todo.size() && running.size() < jobs) {
      const size_t i = todo[next++];
      const std::string print = print_of(i);  // before the fork: each input file is hashed once
      if (verbose) std::fprintf(stderr, "sweep: running point %zu of %zu\n", i, sw.size());
      std::fflush(stdout);
      std::fflush(stderr);
      const pid_t pid = ::fork();
      if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
      if (pid == 0) {
        int rc = 0;
        try {
          reports::write_file_atomic(point_file(parts, i),
                                     app::run_sweep_point(sw, i, print, limits).dump(1) + "\n");
        } catch (const core::Interrupted& e) {
          rc = 128 + e.signal_number();  // its temporary file is already removed
        } catch (const std::exception& e) {
          std::fprintf(stderr, "servesim: point %zu: %s\n", i, e.what());
          rc = 3;
        }
        std::fflush(stderr);
        ::_exit(rc);
      }
      running[pid] = i;
      continue;
    }
    if (!reap(false)) ::usleep(10000);  // 10 ms: a child runs for far longer
  }

  for (size_t i : todo) {
    if (crashed.count(i)) {
      results[i] = {{"point", i}, {"error", crashed[i]}, {"candidates", json::array()}};
    } else if (!load_point(parts, i, print_of(i), results[i])) {
      results[i] = {
          {"point", i}, {"error", "internal error: no result written"}, {"candidates", json::array()}};
      crashed[i] = "";
    }
  }
  progress.finish();
  bool keep_parts = vm["keep-parts"].as<bool>() || !crashed.empty();
#ifdef SERVESIM_HAVE_MPI
  if (ranks > 1) {
    boost::mpi::environment env;
    boost::mpi::communicator world;
    if (static_cast<size_t>(world.size()) != ranks || static_cast<size_t>(world.rank()) != rank)
      throw std::runtime_error("MPI rank and size differ from OMPI_COMM_WORLD_RANK and _SIZE");
    json mine = {{"run", run}, {"reused", reused}, {"keep_parts", keep_parts}, {"results", json::object()}};
    for (size_t i = rank; i < sw.size(); i += ranks) mine["results"][std::to_string(i)] = results[i];
    std::vector<std::string> gathered;
    boost::mpi::gather(world, mine.dump(), gathered, 0);
    if (rank == 0) {
      run = reused = 0;
      for (const auto& text : gathered) {
        const json part = json::parse(text);
        run += part["run"].get<size_t>();
        reused += part["reused"].get<size_t>();
        keep_parts = keep_parts || part["keep_parts"].get<bool>();
        for (const auto& [i, r] : part["results"].items()) results[std::stoul(i)] = r;
      }
      write_merged(sw, results, out_dir, output);
    }
    boost::mpi::broadcast(world, keep_parts, 0);
    world.barrier();  // the merge is written: the parts may go
    std::error_code ec;
    if (!keep_parts) fs::remove_all(parts, ec);
    if (rank != 0) return 0;
  } else
#endif
  {
    write_merged(sw, results, out_dir, output);
    // A point that crashed has no file: keep the parts so that a rerun retries only it.
    if (!keep_parts) fs::remove_all(parts);
  }
  size_t failed = 0;
  for (const auto& r : results) failed += !r["error"].is_null();
  std::printf("sweep: %zu points (%zu run, %zu reused, %zu failed) -> %s/sweep.csv, %s/pareto.csv\n",
              sw.size(), run, reused, failed, out_dir.c_str(), out_dir.c_str());
  return 0;
}

}  // namespace servesim::cli
