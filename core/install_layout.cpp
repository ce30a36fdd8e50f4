// The installed tree's data folder, relative to the running binary (core/install_layout.hpp).
#include "core/install_layout.hpp"

#include <dlfcn.h>

#include <filesystem>
#include <system_error>

namespace servesim::core {
namespace fs = std::filesystem;

std::string binary_dir() {
  // dladdr names the object that holds this function: the Python module's .so inside python3, else the
  // executable (whose name it may give as typed, hence /proc/self/exe for it).
  Dl_info info{};
  std::error_code ec;
  if (::dladdr(reinterpret_cast<void*>(&binary_dir), &info) != 0 && info.dli_fname &&
      fs::path(info.dli_fname).is_absolute()) {
    const fs::path object = fs::canonical(info.dli_fname, ec);
    const fs::path exe = fs::canonical("/proc/self/exe", ec);
    if (!object.empty() && object != exe) return object.parent_path().string();
  }
  const fs::path exe = fs::canonical("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

std::string installed_data_dir() {
  const std::string start = binary_dir();
  if (start.empty()) return "";
  fs::path dir = start;
  std::error_code ec;
  for (int up = 0; up <= 4 && !dir.empty(); ++up, dir = dir.parent_path()) {
    const fs::path share = dir / "share" / "servesim";
    if (fs::is_directory(share / "scenarios", ec)) return share.string();
    if (dir == dir.root_path()) break;
  }
  return "";
}

}  // namespace servesim::core
