#include "cli/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "core/input_error.hpp"

namespace servesim::cli {
namespace po = boost::program_options;

namespace {

// Nothing is printed before this much wall time: short runs stay silent.
constexpr double kQuietFirst_s = 1.0;
// Lines without a known total (nothing to take tenths of) come at most this often.
constexpr double kLineEvery_s = 10.0;

}  // namespace

void add_progress_option(po::options_description& opts) {
  opts.add_options()("progress", po::value<std::string>()->default_value("auto"),
                     "progress on stderr: auto (a bar on a terminal, else lines), bar, lines or none");
}

ProgressStyle progress_style(const po::variables_map& vm, bool quiet) {
  const std::string value = vm.count("progress") ? vm["progress"].as<std::string>() : "auto";
  if (value == "none") return ProgressStyle::none;
  if (value == "bar") return ProgressStyle::bar;
  if (value == "lines") return ProgressStyle::lines;
  if (value != "auto")
    throw InputError("command line: --progress expects auto, bar, lines or none, got '" + excerpt(value, 40) +
                     "' (see --help)");
  if (quiet) return ProgressStyle::none;
  return ::isatty(STDERR_FILENO) ? ProgressStyle::bar : ProgressStyle::lines;
}

ProgressPrinter::ProgressPrinter(ProgressStyle style, ProgressUnit unit)
    : style_(style), unit_(unit), start_(std::chrono::steady_clock::now()) {}

ProgressPrinter::~ProgressPrinter() {
  finish();
}

std::function<void(double, double)> ProgressPrinter::callback() {
  if (style_ == ProgressStyle::none) return {};
  start_ = std::chrono::steady_clock::now();
  return [this](double done_s, double total_s) { show(done_s, total_s); };
}

void ProgressPrinter::finish() {
  if (bar_drawn_) std::fputs("\r\033[K", stderr);
  bar_drawn_ = false;
}

void ProgressPrinter::show(double done_s, double total_s) {
  if (style_ == ProgressStyle::none) return;
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (wall_s < kQuietFirst_s) return;
  const double fraction = total_s > 0 ? std::clamp(done_s / total_s, 0.0, 1.0) : 0.0;
  char line[200];
  if (unit_ == ProgressUnit::points) {
    // Points of a sweep: "[######....]  3 of 8 points" or "servesim: progress 3 of 8 points done (12 s)".
    const int step = static_cast<int>(fraction * 10);
    if (style_ == ProgressStyle::bar) {
      std::snprintf(line, sizeof line, "\r[%-30s] %.0f of %.0f points",
                    std::string(static_cast<size_t>(fraction * 30), '#').c_str(), done_s, total_s);
      bar_drawn_ = true;
    } else {
      if (step <= last_step_) return;
      last_step_ = step;
      std::snprintf(line, sizeof line, "servesim: progress %.0f of %.0f points done (%.0f s)\n", done_s,
                    total_s, wall_s);
    }
  } else if (style_ == ProgressStyle::bar) {
    // "[########......]  47%  simulated 7.6 of 16.0 h (all candidates)", redrawn in place.
    if (total_s > 0)
      std::snprintf(line, sizeof line, "\r[%-30s] %3.0f%%  simulated %.1f of %.1f h (all candidates)",
                    std::string(static_cast<size_t>(fraction * 30), '#').c_str(), fraction * 100,
                    done_s / 3600, total_s / 3600);
    else
      std::snprintf(line, sizeof line, "\rsimulated %.1f h (all candidates)", done_s / 3600);
    bar_drawn_ = true;
  } else {
    // One line per tenth done: "servesim: progress 40% (simulated 6.4 of 16.0 h, all candidates; 12 s)".
    if (total_s > 0) {
      const int step = static_cast<int>(fraction * 10);
      if (step <= last_step_) return;
      last_step_ = step;
      std::snprintf(line, sizeof line,
                    "servesim: progress %d%% (simulated %.1f of %.1f h, all candidates; %.0f s)\n", step * 10,
                    done_s / 3600, total_s / 3600, wall_s);
    } else {
      if (wall_s - last_line_wall_s_ < kLineEvery_s && last_line_wall_s_ > 0) return;
      last_line_wall_s_ = wall_s;
      std::snprintf(line, sizeof line, "servesim: progress (simulated %.1f h, all candidates; %.0f s)\n",
                    done_s / 3600, wall_s);
    }
  }
  std::fputs(line, stderr);
  std::fflush(stderr);
}

}  // namespace servesim::cli
