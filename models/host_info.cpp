#include "models/host_info.hpp"

#include <openssl/evp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/text.hpp"

namespace servesim::models {

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  return "unknown";
}

int logical_cores() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

std::uint64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_bytes = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page_bytes > 0
             ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_bytes)
             : 0;
}

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string text;
  for (unsigned int i = 0; i < length; ++i) text += {hex[digest[i] >> 4], hex[digest[i] & 15]};
  return text;
}

std::vector<NvidiaGpu> parse_nvidia_smi(const std::string& csv) {
  std::vector<NvidiaGpu> gpus;
  std::istringstream lines(csv);
  std::string line;
  while (std::getline(lines, line)) {
    // The name may hold no comma; memory and driver are the last two fields.
    const auto last = line.rfind(',');
    if (last == std::string::npos || last == 0) continue;
    const auto middle = line.rfind(',', last - 1);
    if (middle == std::string::npos) continue;
    const std::string_view row(line);
    NvidiaGpu gpu{std::string(core::trimmed(row.substr(0, middle))), 0,
                  std::string(core::trimmed(row.substr(last + 1)))};
    const std::string memory(core::trimmed(row.substr(middle + 1, last - middle - 1)));
    char* end = nullptr;
    gpu.memory_mib = std::strtod(memory.c_str(), &end);
    if (gpu.name.empty() || memory.empty() || *end != '\0' || !(gpu.memory_mib > 0)) continue;
    gpus.push_back(gpu);
  }
  return gpus;
}

std::vector<NvidiaGpu> nvidia_gpus(std::string& why) {
  FILE* pipe = popen(
      "nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits 2>&1", "r");
  if (!pipe) {
    why = "could not start nvidia-smi";
    return {};
  }
  std::string out;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
  const int status = pclose(pipe);
  // The shell's 127: no such program.
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    why = "nvidia-smi not found on PATH: no NVIDIA driver is installed";
    return {};
  }
  std::vector<NvidiaGpu> gpus = parse_nvidia_smi(out);
  if (gpus.empty())
    why = "nvidia-smi lists no GPU: " +
          std::string(core::trimmed(std::string_view(out).substr(0, out.find('\n'))));
  return gpus;
}

}  // namespace servesim::models
