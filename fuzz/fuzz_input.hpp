#pragma once
// Shared by the fuzz targets: the fuzz input as a file on disk (the readers take paths, and the trace readers
// stream from files), and a few option bits taken from the input's first byte.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/input_error.hpp"
#include "sim/arrival_source.hpp"

namespace servesim::fuzz {

// A folder of this process under the temporary directory, removed at exit; each target writes its input
// there under a fixed name (so that a relative path inside the input can name the file itself).
class ScratchDir {
 public:
  ScratchDir() {
    path_ = std::filesystem::temp_directory_path() / ("servesim-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
  }
  // Writes `size` bytes to <dir>/<name> and returns its path.
  std::string write(const std::string& name, const uint8_t* data, size_t size) const {
    const std::string file = (path_ / name).string();
    std::ofstream(file, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return file;
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline const ScratchDir& scratch() {
  static const ScratchDir dir;
  return dir;
}

// Streams at most max_arrivals arrivals of a trace workload (bounding the time per input); InputError is an
// expected outcome. Arrival times that go backwards are a finding: the process traps.
inline void stream_arrivals(const sim::WorkloadSpec& spec, uint64_t max_arrivals) {
  try {
    auto source = sim::make_arrival_source(spec, 7);
    double previous_s = 0, t_s = 0;
    for (uint64_t i = 0; i < max_arrivals && source->next(t_s); ++i) {
      if (!(t_s >= previous_s)) __builtin_trap();  // arrival times must be non-decreasing
      previous_s = t_s;
      if (spec.key_column.empty() != (source->key() == sim::kNoKey))
        __builtin_trap();  // keys iff a key column
      const sim::RequestTokens tokens = source->tokens();
      if (tokens.input > sim::kMaxRequestTokens || tokens.output > sim::kMaxRequestTokens)
        __builtin_trap();  // token counts within the documented range
      if (spec.input_tokens_column.empty() && tokens.known()) __builtin_trap();  // tokens only from columns
    }
  } catch (const InputError&) {
  }
}

}  // namespace servesim::fuzz
