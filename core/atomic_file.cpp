#include "core/atomic_file.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "core/input_error.hpp"
#include "core/interrupt.hpp"

namespace servesim::core {
namespace fs = std::filesystem;

long temporary_owner(const std::string& file_name, const std::string& base, const std::string& kind) {
  const std::string prefix = base + "." + kind + "-";
  if (file_name.size() <= prefix.size() || file_name.compare(0, prefix.size(), prefix) != 0) return 0;
  if (file_name.size() - prefix.size() > 9) return 0;  // more digits than a pid has
  long pid = 0;
  for (size_t i = prefix.size(); i < file_name.size(); ++i) {
    if (file_name[i] < '0' || file_name[i] > '9') return 0;
    pid = pid * 10 + (file_name[i] - '0');
  }
  return pid;
}

bool is_process_gone(long pid) {
  return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) == -1 && errno == ESRCH;
}

std::string temporary_path(const std::string& path) {
  const fs::path target(path);
  // The rename that ends an atomic write replaces whatever the name stands for: never a device, a FIFO, a
  // socket or a folder (writing a profile "to /dev/null" as root would otherwise replace the device).
  std::error_code status_error;
  const auto status = fs::symlink_status(target, status_error);
  if (!status_error && fs::exists(status) && !fs::is_regular_file(status) && !fs::is_symlink(status))
    throw input_error(path, "",
                      "expected a regular file to write (servesim replaces only files), got " +
                          std::string(fs::is_directory(status) ? "a folder" : "a special file"));
  const fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  const std::string base = target.filename().string();
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (is_process_gone(temporary_owner(name, base, "tmp")) && !it->is_directory(ec)) {
      std::error_code ignored;
      fs::remove(it->path(), ignored);
    }
  }
  return path + ".tmp-" + std::to_string(::getpid());
}

void commit_file(const std::string& tmp, const std::string& path) {
  std::error_code ec;
  if (const int signal_number = interrupt_signal()) {
    fs::remove(tmp, ec);
    throw Interrupted(signal_number);
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw input_error(path, "", "cannot write file (" + ec.message() + ")");
  }
}

void write_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = temporary_path(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw input_error(path, "", "cannot write file");
    out << text;
    if (!out.flush()) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw input_error(path, "", "write failed");
    }
  }
  commit_file(tmp, path);
}

}  // namespace servesim::core
