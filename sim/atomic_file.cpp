#include "sim/atomic_file.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sim/input_error.hpp"

namespace servesim::sim {
namespace fs = std::filesystem;

std::string temporary_path(const std::string& path) {
  return path + ".tmp-" + std::to_string(::getpid());
}

void commit_file(const std::string& tmp, const std::string& path) {
  std::error_code ec;
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

}  // namespace servesim::sim
