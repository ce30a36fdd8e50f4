#pragma once
// Trace files written by a test (plain, .gz or .bz2) in a folder removed afterwards, and the workload specs
// that read them.
//
//   TraceDir dir("arrivals");
//   auto spec = request_trace(dir.write("t.csv", "TIMESTAMP\n1\n2\n"));
#include <unistd.h>

#include <boost/iostreams/device/file.hpp>
#include <boost/iostreams/filter/bzip2.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "sim/workload.hpp"

namespace servesim::test {

// Bundled real traces the tests replay (from the source root, where CTest runs them).
inline constexpr const char* kTwitterTrace = "scenarios/traces/twitter-2021-rps.txt.bz2";
inline constexpr const char* kAzureCodeTrace = "scenarios/traces/azure-llm-code-2023.csv";

// A fresh folder for the files one test writes; removed afterwards.
struct TraceDir {
  std::filesystem::path path;
  explicit TraceDir(const std::string& prefix) {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("servesim-" + prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  ~TraceDir() {
    std::error_code error;
    std::filesystem::remove_all(path, error);
  }
  TraceDir(const TraceDir&) = delete;
  TraceDir& operator=(const TraceDir&) = delete;
  std::string write(const std::string& name, const std::string& text) const {
    const std::string file = (path / name).string();
    std::ofstream out(file, std::ios::binary);
    out << text;
    return file;
  }
  // Writes `text` through a boost compressor chosen by the name's extension (.gz or .bz2).
  std::string write_compressed(const std::string& name, const std::string& text) const {
    namespace io = boost::iostreams;
    const std::string file = (path / name).string();
    io::filtering_ostream out;
    if (name.ends_with(".gz")) out.push(io::gzip_compressor());
    if (name.ends_with(".bz2")) out.push(io::bzip2_compressor());
    out.push(io::file_sink(file, std::ios::binary));
    out << text;
    return file;
  }
};

inline sim::WorkloadSpec rate_trace(const std::string& path) {
  sim::WorkloadSpec spec;
  spec.kind = sim::WorkloadSpec::Kind::rate_trace;
  spec.path = path;
  return spec;
}

inline sim::WorkloadSpec request_trace(const std::string& path) {
  sim::WorkloadSpec spec = rate_trace(path);
  spec.kind = sim::WorkloadSpec::Kind::request_trace;
  return spec;
}

}  // namespace servesim::test
