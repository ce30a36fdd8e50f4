#include "reports/folder_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/input_error.hpp"

namespace servesim::reports {

FolderLock::FolderLock(const std::string& path) : lock_path_(path + ".lock") {
  for (;;) {
    fd_ = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw input_error(lock_path_, "",
                        std::string("cannot create the lock file (") + std::strerror(errno) + ")");
    int rc;
    do rc = ::flock(fd_, LOCK_EX);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      const int error = errno;
      ::close(fd_);
      throw input_error(lock_path_, "", std::string("cannot lock (") + std::strerror(error) + ")");
    }
    // The holder before us removes the file as it releases: our lock is good only on the file still there.
    struct stat held {
    }, named{};
    if (::fstat(fd_, &held) == 0 && ::stat(lock_path_.c_str(), &named) == 0 && held.st_dev == named.st_dev &&
        held.st_ino == named.st_ino)
      return;
    ::close(fd_);
  }
}

FolderLock::~FolderLock() {
  ::unlink(lock_path_.c_str());  // while still holding it: a waiter then finds its file gone and retries
  ::close(fd_);
}

}  // namespace servesim::reports
