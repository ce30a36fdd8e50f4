#pragma once
// Files a user reads are never left half-written: written to PATH.tmp-PID, then renamed over PATH. A
// PATH.tmp-PID left by a process that was killed (SIGKILL: nothing runs) is removed by the next write of
// PATH.
//
//   servesim::core::write_file_atomic(dir + "/summary.json", summary.dump(2) + "\n");  // throws InputError
#include <string>

namespace servesim::core {

// Writes `text` to `path` atomically; throws InputError naming the path when it cannot.
void write_file_atomic(const std::string& path, const std::string& text);
// The temporary name next to `path` that write_file_atomic uses (for writers that stream large files).
// Removes the temporaries of `path` whose process is gone.
std::string temporary_path(const std::string& path);
// Renames `tmp` over `path`; throws InputError naming the path when it cannot, Interrupted when SIGINT or
// SIGTERM asked to stop (tmp is removed then).
void commit_file(const std::string& tmp, const std::string& path);

// The process id in NAME.tmp-PID (`kind` "tmp") or NAME.old-PID, 0 when `file_name` is not BASE.KIND-PID.
long temporary_owner(const std::string& file_name, const std::string& base, const std::string& kind);
// Whether no process has the id `pid` any more (kill(pid, 0) fails with ESRCH).
bool is_process_gone(long pid);

}  // namespace servesim::core
