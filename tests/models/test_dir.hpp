#pragma once
// A scratch folder per test process under the system temp dir, removed at exit.
#include <unistd.h>

#include <filesystem>
#include <string>

namespace servesim::models::test {

inline const std::filesystem::path& scratch_dir() {
  struct Dir {
    std::filesystem::path path;
    Dir()
        : path(std::filesystem::temp_directory_path() /
               ("servesim-models-test-" + std::to_string(getpid()))) {
      std::filesystem::create_directories(path);
    }
    ~Dir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static Dir dir;
  return dir.path;
}

inline std::string scratch(const std::string& name) {
  return (scratch_dir() / name).string();
}

}  // namespace servesim::models::test
