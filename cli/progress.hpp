#pragma once
// Progress of a simulating command on stderr, as --progress=auto|bar|lines|none asks: a bar redrawn in place
// on a terminal, plain lines where stderr is a file or a pipe (a CI log), nothing at all. Runs shorter than a
// second print nothing in any style.
//
//   add_progress_option(opts);
//   ProgressPrinter progress(progress_style(vm, quiet));
//   options.on_progress = progress.callback();   // empty for none
//   ... run ...
//   progress.finish();                           // clears the bar
#include <boost/program_options.hpp>
#include <chrono>
#include <functional>

namespace servesim::cli {

enum class ProgressStyle { none, bar, lines };
// What the progress counts: simulated seconds over all candidates (run, advise, tune) or points (sweep).
enum class ProgressUnit { simulated_s, points };

// Adds --progress (auto, bar, lines or none; default auto).
void add_progress_option(boost::program_options::options_description& opts);
// The style --progress asks for. auto: none with `quiet`, the bar when stderr is a terminal, else lines.
// Throws InputError for another value.
ProgressStyle progress_style(const boost::program_options::variables_map& vm, bool quiet);

class ProgressPrinter {
 public:
  explicit ProgressPrinter(ProgressStyle style, ProgressUnit unit = ProgressUnit::simulated_s);
  ~ProgressPrinter();
  ProgressPrinter(const ProgressPrinter&) = delete;
  ProgressPrinter& operator=(const ProgressPrinter&) = delete;

  // A callback for sim::RunOptions::on_progress (simulated time done and to do, all candidates) [s]; empty
  // for ProgressStyle::none. The printer must outlive the run.
  std::function<void(double simulated_s, double total_s)> callback();
  // The same, called directly (ProgressStyle::none prints nothing).
  void show(double done, double total);
  // Clears the bar (a line style has nothing to clear); called by the destructor too.
  void finish();

 private:
  ProgressStyle style_;
  ProgressUnit unit_;
  std::chrono::steady_clock::time_point start_;
  bool bar_drawn_ = false;
  int last_step_ = 0;            // lines: the last tenth printed
  double last_line_wall_s_ = 0;  // lines without a known total: when the last one was printed
};

}  // namespace servesim::cli
