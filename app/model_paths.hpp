#pragma once
// File paths in a scenario's "model" section (app/scenario_model.hpp, app/gpu_profile.hpp): resolved against
// the scenario's folder, checked to exist, and errors of the file they name re-raised under the section's
// key.
#include <filesystem>
#include <string>

#include "core/input_error.hpp"
#include "core/json_fields.hpp"

namespace servesim::app {

// A path from the section, resolved against the scenario's folder.
inline std::string section_path(core::JsonFields& f, const std::string& key, const std::string& base_dir) {
  const std::string given = f.required_text(key);
  if (given.empty()) throw f.error(key, "expected a file path, got \"\"");
  std::filesystem::path path(given);
  if (path.is_relative()) path = std::filesystem::path(base_dir) / path;
  return path.lexically_normal().string();
}

inline void require_file(const core::JsonFields& f, const std::string& key, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw f.error(key, "cannot open '" + path + "' (relative paths start at the scenario's folder)");
}

// Re-raises a profiler or profile-reader error under the scenario's pointer, so that the user sees which
// scenario and which key led to the bad file.
template <typename F>
auto under_pointer(const std::string& file, const std::string& pointer, F&& body) {
  try {
    return body();
  } catch (const InputError& e) {
    throw input_error(file, pointer, e.what());
  }
}

}  // namespace servesim::app
