#pragma once
// An output folder that appears whole or not at all: files are written into a temporary sibling folder, which
// replaces the target by rename only when commit() is called. Destroyed uncommitted, it removes its files.
#include <string>

#include "sim/atomic_file.hpp"

namespace servesim::reports {

class OutputDir {
 public:
  explicit OutputDir(const std::string& final_path);
  ~OutputDir();
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  std::string file(const std::string& name) const;  // path inside the temporary folder
  void commit();
  const std::string& final_path() const { return final_; }

 private:
  std::string final_, tmp_;
  bool committed_ = false;
};

// Writes text to path atomically (temporary file in the same folder, then rename).
using sim::write_file_atomic;

}  // namespace servesim::reports
