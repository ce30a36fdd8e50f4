#pragma once
// Facts about the machine and the model file that a profile records.
#include <cstdint>
#include <string>

namespace servesim::models {

std::string cpu_model_name();           // /proc/cpuinfo "model name", or "unknown"
int logical_cores();                    // std::thread::hardware_concurrency()
std::uint64_t physical_memory_bytes();  // sysconf(_SC_PHYS_PAGES) pages of _SC_PAGE_SIZE; 0 if unknown
std::string utc_now_iso8601();          // "2026-05-01T12:00:00Z"
std::string sha256_hex(const std::string& bytes);

}  // namespace servesim::models
