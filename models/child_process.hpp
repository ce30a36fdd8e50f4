#pragma once
// A subprocess spoken to in lines of text over its stdin/stdout (the ONNX Runtime bridge). Its stderr goes
// to a file so that error messages can quote it.
#include <sys/types.h>

#include <string>
#include <vector>

namespace servesim::models {

class ChildProcess {
 public:
  // Starts argv[0] (searched in PATH); throws std::runtime_error when it cannot be started.
  ChildProcess(const std::vector<std::string>& argv, const std::string& stderr_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void write_line(const std::string& line);
  // Throws std::runtime_error when the child closes its stdout or nothing arrives within timeout_s.
  std::string read_line(double timeout_s);
  const std::string& stderr_path() const { return stderr_path_; }
  std::string stderr_tail(std::size_t max_chars = 600) const;

 private:
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string buffer_;
  std::string stderr_path_;
};

}  // namespace servesim::models
