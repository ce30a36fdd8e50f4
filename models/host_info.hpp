#pragma once
// Facts about the machine and the model file that a profile records.
#include <cstdint>
#include <string>
#include <vector>

namespace servesim::models {

std::string cpu_model_name();           // /proc/cpuinfo "model name", or "unknown"
int logical_cores();                    // std::thread::hardware_concurrency()
std::uint64_t physical_memory_bytes();  // sysconf(_SC_PHYS_PAGES) pages of _SC_PAGE_SIZE; 0 if unknown
std::string utc_now_iso8601();          // "2026-05-01T12:00:00Z"
std::string sha256_hex(const std::string& bytes);

// One NVIDIA GPU as the driver names it.
struct NvidiaGpu {
  std::string name;       // e.g. "NVIDIA H100 80GB HBM3", "Tesla T4"
  double memory_mib = 0;  // total memory [MiB]
  std::string driver;     // driver version, e.g. "550.54.15"
};
// The GPUs `nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits` lists
// (one line per GPU: "NAME, MEMORY_MIB, DRIVER"); lines of another shape are skipped.
std::vector<NvidiaGpu> parse_nvidia_smi(const std::string& csv);
// This machine's NVIDIA GPUs, from nvidia-smi; empty when it is missing or lists none, with the reason in
// `why` ("nvidia-smi not found on PATH", "nvidia-smi lists no GPU: ...").
std::vector<NvidiaGpu> nvidia_gpus(std::string& why);

}  // namespace servesim::models
