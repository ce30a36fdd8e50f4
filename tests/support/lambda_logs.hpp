#pragma once
// Synthetic AWS Lambda CloudWatch logs with known parameters, for the calibration tests (the same semantics
// as scripts/synth-lambda-logs, which writes the bundled example). The function behaves as ServeSim's Lambda
// model assumes (docs/models/aws-lambda.md): one request per execution environment; the most recently used
// idle environment is reused; an environment idle for longer than keep_alive_s is gone; a new one runs an
// init before the handler. Billed Duration = ceil(init + duration) ms. The REPORT record is logged, in
// milliseconds, when the invocation ends. Output: `aws logs tail --format detailed` text, START/END lines
// included.
//
//   const std::string text = test::lambda_logs({.hours = 6});
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <queue>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "sim/rng.hpp"

namespace servesim::test {

struct LambdaLogSpec {
  double hours = 6;
  uint64_t seed = 7;
  double rate_rps = 0.5;     // exponential gaps of mean 1/rate_rps ...
  double long_share = 0.02;  // ... or, with this probability, a gap uniform in (0, long_max_s)
  double long_max_s = 1500;
  double burst_every_s = 900;  // `burst` requests at once every burst_every_s
  int burst = 6;
  double warm_mean_ms = 120, warm_p99_ms = 400;   // lognormal handler Duration ...
  double warm_offset_ms = 0;                      // ... plus this
  double init_mean_ms = 900, init_p99_ms = 1800;  // lognormal Init Duration
  double keep_alive_s = 600;
  int memory_mb = 1024;
  int64_t start_ms = 1796112000000;  // the first arrival [ms since 1970]: 2026-12-01T08:00:00Z
  // Requests arriving at or after this fraction of the arrivals' span (floored to whole seconds, as
  // calibrate's split is) take slow_factor times longer: a changed function in the held-out window.
  double slow_after_fraction = 2;
  double slow_factor = 1;
  // Failed attempts, as an asynchronous invocation sees them: an attempt whose Duration would pass timeout_s
  // is stopped at it (Duration = the timeout, Status: timeout, after a "Task timed out" line); any other
  // fails with probability error_share (Status: error). A failed attempt is retried up to `retries` times
  // under the same RequestId, 60 s and then 120 s after its end (Lambda's defaults). 0: off (no Status).
  double timeout_s = 0;
  double error_share = 0;
  int retries = 2;
};

// The lognormal's sigma for a mean and a 99th percentile: mean = exp(mu + s^2/2), p99 = exp(mu + z s) with
// z = 2.3263 give s^2/2 - z s + ln(p99/mean) = 0; the smaller root.
inline double lognormal_sigma(double mean, double p99) {
  constexpr double z = 2.3263478740408408;
  return z - std::sqrt(z * z - 2 * std::log(p99 / mean));
}

inline double draw_lognormal(sim::Rng& rng, double mean, double p99) {
  const double s = lognormal_sigma(mean, p99);
  return std::exp(std::log(mean) - s * s / 2 + s * rng.normal());
}

inline std::string iso8601_ms(int64_t epoch_ms) {
  const int64_t days = epoch_ms / 86400000, in_day = epoch_ms % 86400000;
  // civil_from_days (Howard Hinnant)
  const int64_t z = days + 719468, era = z / 146097;
  const int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9,
                y = yoe + era * 400 + (m <= 2);
  char text[64];
  std::snprintf(text, sizeof text, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lld000+00:00", (long long)y,
                (long long)m, (long long)d, (long long)(in_day / 3600000), (long long)(in_day / 60000 % 60),
                (long long)(in_day / 1000 % 60), (long long)(in_day % 1000));
  return text;
}

// The arrival times [s] of a synthetic log (`spec`: a LambdaLogSpec or a RequestLogSpec): Poisson at
// rate_rps, a long_share of the gaps instead uniform up to long_max_s (idle periods), and `burst` requests at
// once every burst_every_s; drawn from `rng`, which the caller goes on using.
template <class Spec>
std::vector<double> synthetic_arrivals(const Spec& spec, sim::Rng& rng) {
  std::vector<double> arrivals;
  double t = 0, next_burst = spec.burst_every_s;
  while (t < spec.hours * 3600) {
    arrivals.push_back(t);
    if (t >= next_burst) {
      for (int i = 1; i < spec.burst; ++i) arrivals.push_back(t);
      next_burst += spec.burst_every_s;
    }
    t += rng.uniform() < spec.long_share ? rng.uniform() * spec.long_max_s
                                         : rng.exponential(1 / spec.rate_rps);
  }
  return arrivals;
}

inline std::string lambda_logs(const LambdaLogSpec& spec) {
  sim::Rng rng(spec.seed);
  std::vector<double> arrivals = synthetic_arrivals(spec, rng);
  const double slow_from_s = std::floor(spec.slow_after_fraction * arrivals.back());
  const int64_t start_ms = spec.start_ms;
  struct Line {
    int64_t ms;
    size_t request;
    int order;
    std::string text;
  };
  std::vector<Line> lines;
  std::vector<std::pair<double, int>> idle, busy;  // (idle since | free at, environment)
  int environments = 0;
  // Attempts by (time, request, attempt number): the arrivals, then the retries of failed attempts.
  using Attempt = std::tuple<double, size_t, int>;
  std::priority_queue<Attempt, std::vector<Attempt>, std::greater<>> attempts;
  for (size_t n = 0; n < arrivals.size(); ++n) attempts.emplace(arrivals[n], n, 0);
  const bool writes_status = spec.timeout_s > 0 || spec.error_share > 0;
  while (!attempts.empty()) {
    const double at = std::get<0>(attempts.top());
    const size_t n = std::get<1>(attempts.top());
    const int attempt_no = std::get<2>(attempts.top());
    attempts.pop();
    for (const auto& b : busy)
      if (b.first <= at) idle.push_back(b);
    std::erase_if(busy, [&](const auto& b) { return b.first <= at; });
    std::sort(idle.begin(), idle.end());
    std::erase_if(idle, [&](const auto& i) { return at - i.first > spec.keep_alive_s; });
    int environment;
    double init_ms = -1;
    if (!idle.empty()) {
      environment = idle.back().second;  // the most recently used
      idle.pop_back();
    } else {
      environment = environments++;
      init_ms = std::round(draw_lognormal(rng, spec.init_mean_ms, spec.init_p99_ms) * 100) / 100;
    }
    const double factor = at >= slow_from_s ? spec.slow_factor : 1.0;
    double duration_ms =
        std::round((spec.warm_offset_ms + draw_lognormal(rng, spec.warm_mean_ms, spec.warm_p99_ms)) * factor *
                   100) /
        100;
    const bool timed_out = spec.timeout_s > 0 && duration_ms > spec.timeout_s * 1000;
    if (timed_out) duration_ms = spec.timeout_s * 1000;
    const double end = at + ((init_ms > 0 ? init_ms : 0) + duration_ms) / 1000;
    busy.emplace_back(end, environment);
    char stream[64], request[48], report[320];
    std::snprintf(stream, sizeof stream, "2026/12/01/[$LATEST]%032x", environment + 1);
    std::snprintf(request, sizeof request, "00000000-0000-4000-a000-%012zx", n + 1);
    const int billed = static_cast<int>(std::ceil((init_ms > 0 ? init_ms : 0) + duration_ms));
    const int used = std::min(spec.memory_mb, 150 + static_cast<int>(40 * rng.uniform()));
    const bool failed = timed_out || (spec.error_share > 0 && rng.uniform() < spec.error_share);
    if (failed && attempt_no < spec.retries)
      attempts.emplace(end + 60.0 * (1 << attempt_no), n, attempt_no + 1);
    int written =
        std::snprintf(report, sizeof report,
                      "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d "
                      "MB\tMax Memory Used: %d MB\t",
                      request, duration_ms, billed, spec.memory_mb, used);
    if (init_ms >= 0)
      written += std::snprintf(report + written, sizeof report - static_cast<size_t>(written),
                               "Init Duration: %.2f ms\t", init_ms);
    if (writes_status)
      std::snprintf(report + written, sizeof report - static_cast<size_t>(written), "Status: %s\t",
                    timed_out ? "timeout"
                    : failed  ? "error\tError Type: Runtime.Unknown"
                              : "success");
    const auto begin_ms = static_cast<int64_t>(std::floor(at * 1000)) + start_ms;
    const auto end_ms = static_cast<int64_t>(std::floor(end * 1000)) + start_ms;
    const std::string prefix = std::string(" ") + stream + " ";
    if (init_ms >= 0)
      lines.push_back({begin_ms, n, 0, prefix + "INIT_START Runtime Version: python:3.12.v38"});
    lines.push_back({begin_ms, n, 1, prefix + "START RequestId: " + request + " Version: $LATEST"});
    if (timed_out) {
      char line[160];
      std::snprintf(line, sizeof line, "%s %s Task timed out after %.2f seconds", iso8601_ms(end_ms).c_str(),
                    request, spec.timeout_s);
      lines.push_back({end_ms, n, 2, prefix + line});
    }
    lines.push_back({end_ms, n, 3, prefix + "END RequestId: " + request});
    lines.push_back({end_ms, n, 4, prefix + report});
  }
  std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) {
    return a.ms != b.ms ? a.ms < b.ms : a.request != b.request ? a.request < b.request : a.order < b.order;
  });
  std::string text;
  for (const auto& line : lines) text += iso8601_ms(line.ms) + line.text + "\n";
  return text;
}

}  // namespace servesim::test
