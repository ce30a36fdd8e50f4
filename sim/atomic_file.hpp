#pragma once
// Files a user reads are never left half-written: written to PATH.tmp-PID, then renamed over PATH.
#include <string>

namespace servesim::sim {

// Writes `text` to `path` atomically; throws InputError naming the path when it cannot.
void write_file_atomic(const std::string& path, const std::string& text);
// The temporary name next to `path` that write_file_atomic uses (for writers that stream large files).
std::string temporary_path(const std::string& path);
// Renames `tmp` over `path`; throws InputError naming the path when it cannot (tmp is removed then).
void commit_file(const std::string& tmp, const std::string& path);

}  // namespace servesim::sim
