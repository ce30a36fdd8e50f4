// open_input: open(2) with O_NONBLOCK, fstat(2) on the descriptor, then a buffered stream over it.
#include "core/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ios>
#include <streambuf>
#include <vector>

#include "core/input_error.hpp"

namespace servesim::core {

namespace {

constexpr size_t kMaxPathBytes = 4096;  // PATH_MAX: a longer "path" is not one, and is cut in the message

// The path as an error line shows it: as it is (UTF-8 names stay readable), unless it holds control bytes or
// is longer than any path can be; then as a short escaped excerpt.
std::string shown_path(const std::string& path) {
  const bool is_plain = path.size() <= kMaxPathBytes && std::none_of(path.begin(), path.end(), [](char c) {
                          return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                        });
  return is_plain ? path : excerpt(path, 256);
}

// What a file that is not a regular one is, for the message.
std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "an unknown kind of file";
}

// Reads an open descriptor through a buffer; owns the descriptor (closes it when destroyed).
class DescriptorBuffer : public std::streambuf {
 public:
  explicit DescriptorBuffer(int fd) : fd_(fd), buffer_(kBufferBytes) {}
  DescriptorBuffer(const DescriptorBuffer&) = delete;
  DescriptorBuffer& operator=(const DescriptorBuffer&) = delete;
  ~DescriptorBuffer() override { ::close(fd_); }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    ssize_t got_bytes = 0;
    do {
      got_bytes = ::read(fd_, buffer_.data(), buffer_.size());
    } while (got_bytes < 0 && errno == EINTR);
    if (got_bytes < 0) throw std::ios_base::failure(std::string("read failed: ") + std::strerror(errno));
    if (got_bytes == 0) return traits_type::eof();
    setg(buffer_.data(), buffer_.data(), buffer_.data() + got_bytes);
    return traits_type::to_int_type(*gptr());
  }

 private:
  static constexpr size_t kBufferBytes = 64 * 1024;
  int fd_;
  std::vector<char> buffer_;
};

// An input stream that owns its DescriptorBuffer.
class DescriptorStream : public std::istream {
 public:
  explicit DescriptorStream(int fd) : std::istream(nullptr), buffer_(fd) { rdbuf(&buffer_); }

 private:
  DescriptorBuffer buffer_;
};

}  // namespace

std::unique_ptr<std::istream> open_input(const std::string& path, const std::string& what) {
  const std::string shown = shown_path(path);
  if (path.find('\0') != std::string::npos)
    throw input_error(shown, "", "cannot open " + what + ": the path contains a NUL byte");
  auto refuse_unless_regular = [&](const struct stat& info, int fd) {
    if (S_ISREG(info.st_mode)) return;
    if (fd >= 0) ::close(fd);
    throw input_error(shown, "",
                      "cannot open " + what + ": " + kind_of(info.st_mode) + ", not a regular file");
  };
  // stat first: opening some devices has effects (a tape rewinds, a watchdog arms), so they are never opened.
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw input_error(shown, "", "cannot open " + what);
  refuse_unless_regular(info, -1);
  // The path may have changed since: open without blocking (a FIFO would wait for a writer) and check the
  // descriptor itself.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw input_error(shown, "", "cannot open " + what);
  if (::fstat(fd, &info) != 0) info.st_mode = 0;
  refuse_unless_regular(info, fd);
  ::fcntl(fd, F_SETFL, 0);  // back to blocking reads (O_NONBLOCK was the only status flag set)
  return std::make_unique<DescriptorStream>(fd);
}

}  // namespace servesim::core
