#include "bench_util.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/median.hpp"
#include "platforms/model_factory.hpp"

namespace servesim::bench {

double peak_rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return -1;
}

void reset_peak_rss() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

double median(std::vector<double> v) {
  return core::median(std::move(v));
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

namespace {
void replay_usage(std::FILE* to, const char* program) {
  std::fprintf(
      to,
      "Usage: %s [TRACE] [--runs N] [--days D] [--only servesim|bare]\n"
      "Replays TRACE (default: the benchmark's bundled trace) through ServeSim and a bare loop of\n"
      "the same accounting, side by side, N times (default 1), and prints each run and the medians.\n"
      "--days D replays the first D days; --only runs one side (for profilers).\n",
      program);
}
}  // namespace

ReplayArgs parse_replay_args(int argc, char** argv) {
  ReplayArgs a;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      replay_usage(stdout, argv[0]);
      std::exit(0);
    }
    if (!std::strncmp(argv[i], "--", 2) && std::strcmp(argv[i], "--runs") && std::strcmp(argv[i], "--days") &&
        std::strcmp(argv[i], "--only")) {
      std::fprintf(stderr, "%s: unknown option %s\n", argv[0], argv[i]);
      replay_usage(stderr, argv[0]);
      std::exit(2);
    }
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc)
      a.runs = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--days") && i + 1 < argc)
      a.days = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) {
      const std::string side = argv[++i];
      a.servesim = side == "servesim";
      a.bare = side == "bare";
    } else
      a.trace = argv[i];
  }
  return a;
}

bool print_agreement(const std::vector<Agreement>& rows) {
  bool all = true;
  std::printf("%-22s %16s %16s %10s %10s\n", "output", "servesim", "bare loop", "rel. diff", "tolerance");
  for (const Agreement& r : rows) {
    const double scale = std::max(std::fabs(r.servesim), std::fabs(r.bare));
    const double diff = scale > 0 ? std::fabs(r.servesim - r.bare) / scale : 0.0;
    const bool ok = diff <= r.relative_tolerance;
    all = all && ok;
    std::printf("%-22s %16.10g %16.10g %9.2e%s %9.2g%%\n", r.what.c_str(), r.servesim, r.bare, diff,
                ok ? " " : "!", r.relative_tolerance * 100);
  }
  std::printf("agreement: %s\n", all ? "all within tolerance" : "OUTSIDE TOLERANCE (marked !)");
  return all;
}

void print_medians(int runs, double requests, const std::vector<double>& sim_s,
                   const std::vector<double>& bare_s, const std::vector<double>& sim_mb,
                   const std::vector<double>& bare_mb) {
  const double ms = median(sim_s), mb = median(bare_s);
  std::printf("median of %d:", runs);
  if (ms > 0)
    std::printf(" servesim %.2f s (%.2f M req/s, peak RSS %.0f MB)", ms, requests / ms / 1e6, median(sim_mb));
  if (mb > 0)
    std::printf("%s bare loop %.2f s (%.2f M req/s, peak RSS %.0f MB)", ms > 0 ? "," : "", mb,
                requests / mb / 1e6, median(bare_mb));
  if (ms > 0 && mb > 0) std::printf(", ratio %.2fx", ms / mb);
  std::printf("\n");
}

sim::CandidateResult simulate_first(const sim::Scenario& scenario) {
  auto candidates = platforms::make_candidates(scenario);
  auto options = sim::RunOptions::for_scenario(scenario);
  options.on_row = [](size_t, const sim::IntervalRow&) {};
  return sim::simulate(options, candidates).at(0);
}

SideBySide run_side_by_side(const ReplayArgs& args, const std::function<void()>& servesim,
                            const std::function<void()>& bare) {
  SideBySide t;
  auto measure = [](const std::function<void()>& side, std::vector<double>& s, std::vector<double>& mb) {
    reset_peak_rss();
    const auto t0 = std::chrono::steady_clock::now();
    side();
    s.push_back(seconds_since(t0));
    mb.push_back(peak_rss_mb());
  };
  for (int run = 0; run < args.runs; ++run) {
    if (args.servesim) measure(servesim, t.sim_s, t.sim_mb);
    if (args.bare) measure(bare, t.bare_s, t.bare_mb);
    std::printf("run %d: servesim %.2f s (peak RSS %.0f MB) | bare loop %.2f s (peak RSS %.0f MB)\n", run + 1,
                last(t.sim_s), last(t.sim_mb), last(t.bare_s), last(t.bare_mb));
    std::fflush(stdout);
  }
  return t;
}

}  // namespace servesim::bench
