#pragma once
// Opening the files a user names (scenario, trace, model profile, sweep file, ONNX model): one place that
// refuses what is not a readable regular file before anything blocks on it or reads it.
//
//   const auto in = servesim::core::open_input(path, "file");  // throws InputError
//   buffer << in->rdbuf();
#include <istream>
#include <memory>
#include <string>

namespace servesim::core {

// Opens `path` for reading (binary) and returns the stream. Throws InputError, always starting
// "<path>: cannot open <what>", for a path with a NUL byte (the path is shown escaped: "ok.txt\x00.csv"), a
// missing or unreadable file, and a file that is not a regular one (a directory, a FIFO, a device, a socket).
// The file is opened with O_NONBLOCK and checked on the open descriptor (fstat), so a FIFO never blocks the
// open and a file swapped between a check and the open cannot get through. The stream reads the descriptor
// through a 64 KiB buffer and closes it when destroyed; a read error throws std::ios_base::failure from the
// stream buffer (the stream sets badbit, or rethrows it when asked to with exceptions()).
std::unique_ptr<std::istream> open_input(const std::string& path, const std::string& what);

}  // namespace servesim::core
