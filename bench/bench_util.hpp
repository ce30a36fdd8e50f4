#pragma once
// Peak resident memory of this process, resettable between phases (Linux /proc/self/clear_refs).
#include <string>
#include <vector>

namespace servesim::bench {
double peak_rss_mb();    // VmHWM
void reset_peak_rss();   // VmHWM := current RSS
double median(std::vector<double> values);
}  // namespace servesim::bench
