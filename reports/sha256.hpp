#pragma once
// SHA-256 (FIPS 180-4) of a byte string or a file, as lowercase hex: fingerprints the scenario in reports.
#include <string>

namespace servesim::reports {

std::string sha256_hex(const std::string& bytes);
// Streams the file; throws InputError if it cannot be read.
std::string sha256_file_hex(const std::string& path);

}  // namespace servesim::reports
