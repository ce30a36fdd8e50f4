#pragma once
// An exclusive lock on a path, held through PATH.lock beside it (flock(2)): processes that replace the same
// output folder take it in turn. The lock file is removed on release; a process that finds the file it locked
// already removed or replaced by another one locks again, so two holders are never possible.
//
//   { FolderLock lock("out/run"); /* rename out/run.tmp-PID over out/run */ }
#include <string>

namespace servesim::reports {

class FolderLock {
 public:
  // Waits until the lock is free. Throws InputError naming PATH.lock when it cannot be created.
  explicit FolderLock(const std::string& path);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  std::string lock_path_;
  int fd_ = -1;
};

}  // namespace servesim::reports
