#include "reports/output_dir.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <system_error>

#include "sim/input_error.hpp"

namespace servesim::reports {
namespace fs = std::filesystem;

OutputDir::OutputDir(const std::string& final_path)
    : final_(fs::path(final_path).lexically_normal().string()) {
  if (!final_.empty() && final_.back() == '/') final_.pop_back();
  const fs::path parent = fs::path(final_).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) throw input_error(final_, "", "cannot create the parent folder (" + ec.message() + ")");
  if (fs::exists(final_) && !fs::is_directory(final_))
    throw input_error(final_, "", "expected a folder for the outputs, but a file of that name exists");
  tmp_ = final_ + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp_, ec);
  if (!fs::create_directory(tmp_, ec) || ec)
    throw input_error(tmp_, "", "cannot create the output folder (" + ec.message() + ")");
}

OutputDir::~OutputDir() {
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }
}

std::string OutputDir::file(const std::string& name) const {
  return (fs::path(tmp_) / name).string();
}

void OutputDir::commit() {
  std::error_code ec;
  const std::string old = final_ + ".old-" + std::to_string(::getpid());
  const bool had_old = fs::exists(final_);
  if (had_old) fs::rename(final_, old, ec);
  if (ec) throw input_error(final_, "", "cannot replace the existing output folder (" + ec.message() + ")");
  fs::rename(tmp_, final_, ec);
  if (ec) throw input_error(final_, "", "cannot move the outputs into place (" + ec.message() + ")");
  committed_ = true;
  if (had_old) fs::remove_all(old, ec);
}

}  // namespace servesim::reports
