#pragma once
// An output folder that appears whole or not at all: files are written into a temporary sibling folder
// (NAME.tmp-PID), which replaces the target by rename only when commit() is called. Destroyed uncommitted, it
// removes its files.
//
// Every output folder holds a marker file, .servesim-output. A folder is replaced only when it is empty,
// holds that marker (an earlier output) or `force` is given; the root folder, the current folder and any
// folder holding it or one of the inputs are never replaced. Replacements of the same folder by several
// processes take turns (reports/folder_lock.hpp), and temporary folders left by killed processes are removed.
//
//   reports::OutputDir dir("out/run", {.force = false, .inputs = {"scenario.json"}});
//   write_file_atomic(dir.file("summary.json"), text);
//   dir.commit();
#include <string>
#include <vector>

#include "core/atomic_file.hpp"

namespace servesim::reports {

struct OutputDirOptions {
  // Replace a non-empty folder that is not an earlier servesim output (--force).
  bool force = false;
  // Files the run reads (scenario, trace, model): a folder holding one of them is never replaced.
  std::vector<std::string> inputs;
};

class OutputDir {
 public:
  using Options = OutputDirOptions;
  // The marker file every output folder holds.
  static constexpr const char* kMarkerName = ".servesim-output";

  // Throws InputError when `final_path` may not be replaced under `options`; touches nothing. Call it before
  // long work whose outputs go there (the constructor checks again).
  static void check(const std::string& final_path, const Options& options);

  OutputDir(const std::string& final_path, const Options& options = {});
  ~OutputDir();
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  std::string file(const std::string& name) const;  // path inside the temporary folder
  // Moves the folder into place. Throws Interrupted (and leaves nothing) when SIGINT or SIGTERM asked to
  // stop.
  void commit();
  const std::string& final_path() const { return final_; }

 private:
  std::string final_, tmp_;
  Options options_;
  bool committed_ = false;
};

// Writes text to path atomically (temporary file in the same folder, then rename).
using core::write_file_atomic;

}  // namespace servesim::reports
