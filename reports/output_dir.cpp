#include "reports/output_dir.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <system_error>

#include "core/input_error.hpp"
#include "core/interrupt.hpp"
#include "reports/folder_lock.hpp"

namespace servesim::reports {
namespace fs = std::filesystem;

namespace {

constexpr const char* kMarkerText =
    "This folder was written by servesim; a later run with the same output folder replaces it whole.\n";

std::string normal_path(const std::string& path) {
  std::string normal = fs::path(path).lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

// Whether `inner` is `outer` or lies inside it (both absolute and without symlinks).
bool is_within(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
    if (o->empty()) continue;  // the empty last element of a path ending in '/'
    if (i == inner.end() || *i != *o) return false;
  }
  return true;
}

fs::path resolved(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path), ec);
  return ec ? fs::absolute(path).lexically_normal() : p;
}

// The root folder, the current folder (or one above it) and a folder holding an input are never replaced:
// replacing removes everything inside.
void check_not_a_home_of_inputs(const std::string& path, const OutputDir::Options& options) {
  const fs::path target = resolved(path);
  const auto refuse = [&](const std::string& got) {
    return input_error(path, "", "expected a folder of its own for the outputs, got " + got);
  };
  if (target == target.root_path()) throw refuse("the root folder");
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  if (!ec && is_within(resolved(cwd.string()), target))
    throw refuse(resolved(cwd.string()) == target ? "the current folder"
                                                  : "a folder that holds the current folder");
  for (const auto& input : options.inputs)
    if (!input.empty() && is_within(resolved(input), target))
      throw refuse("a folder that holds the input " + excerpt(input, 80));
}

// A folder that exists is replaced only when it is empty, an earlier output (it has the marker) or forced.
void check_replaceable(const std::string& path, const OutputDir::Options& options) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status)) return;
  if (!fs::is_directory(status))
    throw input_error(path, "", "expected a folder for the outputs, but a file of that name exists");
  if (options.force) return;
  std::set<std::string> names;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
    names.insert(it->path().filename().string());
  if (ec) throw input_error(path, "", "cannot read the existing output folder (" + ec.message() + ")");
  if (names.empty() || names.count(OutputDir::kMarkerName)) return;
  std::string got = "a folder holding " + excerpt(*names.begin());
  if (names.size() > 1) got += " and " + std::to_string(names.size() - 1) + " more";
  throw input_error(path, "",
                    std::string("expected an empty folder or an earlier servesim output (one with a ") +
                        OutputDir::kMarkerName + " file), got " + got + " (--force replaces it)");
}

// Removes NAME.tmp-PID and NAME.old-PID folders in `parent` left by servesim processes that are gone (killed
// by SIGKILL, or by a power cut): only folders holding the marker, so nothing a user made is touched. Each
// removal is reported on stderr (one line), so that a user who wonders where a folder went is told.
void remove_stale_folders(const fs::path& parent) {
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    long pid = 0;
    for (const std::string kind : {"tmp", "old"}) {
      const size_t at = name.rfind("." + kind + "-");
      if (at != std::string::npos && at > 0) pid = core::temporary_owner(name, name.substr(0, at), kind);
      if (pid) break;
    }
    std::error_code ignored;
    if (!core::is_process_gone(pid) || !fs::exists(it->path() / OutputDir::kMarkerName, ignored)) continue;
    if (fs::remove_all(it->path(), ignored) > 0 && !ignored)
      std::fprintf(stderr, "servesim: removed %s, left by process %ld, which is gone\n",
                   it->path().lexically_normal().c_str(), pid);
  }
}

}  // namespace

void OutputDir::check(const std::string& final_path, const Options& options) {
  const std::string path = normal_path(final_path);
  if (path.empty()) throw input_error("command line", "--out", "expected a folder name, got \"\"");
  check_not_a_home_of_inputs(path, options);
  check_replaceable(path, options);
}

OutputDir::OutputDir(const std::string& final_path, const Options& options)
    : final_(normal_path(final_path)), options_(options) {
  check(final_, options_);
  const fs::path parent = fs::path(final_).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) throw input_error(final_, "", "cannot create the parent folder (" + ec.message() + ")");
  remove_stale_folders(parent.empty() ? fs::path(".") : parent);
  tmp_ = final_ + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp_, ec);
  if (!fs::create_directory(tmp_, ec) || ec)
    throw input_error(tmp_, "", "cannot create the output folder (" + ec.message() + ")");
  std::ofstream marker(file(kMarkerName), std::ios::binary);
  if (!(marker << kMarkerText).flush()) {
    fs::remove_all(tmp_, ec);
    throw input_error(file(kMarkerName), "", "cannot write file");
  }
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
  core::throw_if_interrupted();
  // Another process may be replacing the same folder: one at a time, and what it left is checked again.
  const FolderLock lock(final_);
  check_replaceable(final_, options_);
  std::error_code ec;
  const std::string old = final_ + ".old-" + std::to_string(::getpid());
  const bool had_old = fs::exists(final_);
  if (had_old) fs::rename(final_, old, ec);
  if (ec) throw input_error(final_, "", "cannot replace the existing output folder (" + ec.message() + ")");
  fs::rename(tmp_, final_, ec);
  if (ec) {
    std::error_code ignored;
    if (had_old) fs::rename(old, final_, ignored);
    throw input_error(final_, "", "cannot move the outputs into place (" + ec.message() + ")");
  }
  committed_ = true;
  if (had_old) fs::remove_all(old, ec);
}

}  // namespace servesim::reports
