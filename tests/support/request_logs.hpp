#pragma once
// Synthetic per-request logs of instance-based platforms with known parameters, for the calibration tests:
// Cloud Run request logs as `gcloud logging read --format=json` writes them (a JSON array, newest first, or
// JSON Lines) and Application Insights request rows as Log Analytics exports them (CSV with a header, or a
// JSON array). The fields follow the documented formats (docs/calibrate.md, Inputs); the values are made up.
//
// The service behaves as the fit assumes: an instance serves up to `concurrency` requests at once, each in
// its own service time (no slowdown from sharing); a request goes to the most recently used instance with a
// free slot that is alive; an instance with nothing in progress for longer than keep_alive_s is gone; else a
// new instance starts and its first request waits for a startup (lognormal) before its service. A request's
// latency is startup (first request only) + service; its timestamp is its arrival. Traffic as
// tests/support/lambda_logs.hpp (exponential gaps, occasional long ones, bursts).
//
//   const test::GeneratedRequests run = test::generate_requests({.hours = 6});
//   const std::string json = test::cloud_run_json(run);
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "sim/rng.hpp"
#include "support/lambda_logs.hpp"

namespace servesim::test {

struct RequestLogSpec {
  double hours = 6;
  uint64_t seed = 11;
  double rate_rps = 0.5;
  double long_share = 0.02;
  double long_max_s = 1500;
  double burst_every_s = 900;
  int burst = 6;
  double warm_mean_ms = 120, warm_p99_ms = 400;   // lognormal service time
  double cold_mean_ms = 900, cold_p99_ms = 1800;  // lognormal startup before a new instance's first request
  double keep_alive_s = 600;
  int concurrency = 1;
  // 0: no limit. Else at most this many instances: a request that finds them all full waits for the first
  // slot to free up to queue_timeout_s, first come first served, and is refused (HTTP 429, no instance,
  // logged with that wait as its latency) when none frees in time, as docs/models/gcp-cloud-run.md states
  // Cloud Run does at max instances.
  int max_instances = 0;
  double queue_timeout_s = 10;
};

struct GeneratedRequest {
  double arrival_s = 0;  // from the start
  double latency_ms = 0;
  int instance = 0;  // -1: none (a Cloud Run request refused before an instance took it)
  bool cold = false;
  int status = 200;  // HTTP status as logged
};

struct GeneratedRequests {
  std::vector<GeneratedRequest> requests;  // in arrival order
  int instances = 0;
};

inline GeneratedRequests generate_requests(const RequestLogSpec& spec) {
  sim::Rng rng(spec.seed);
  std::vector<double> arrivals = synthetic_arrivals(spec, rng);
  struct Instance {
    std::vector<double> ends;  // of the requests in progress
    double last_end = 0;       // the latest end so far
    double last_used = 0;      // the latest arrival routed to it
    bool alive = true;
  };
  std::vector<Instance> pool;
  GeneratedRequests out;
  for (const double at : arrivals) {
    int chosen = -1;
    for (size_t i = 0; i < pool.size(); ++i) {
      Instance& in = pool[i];
      if (!in.alive) continue;
      std::erase_if(in.ends, [&](double end) { return end <= at; });
      if (in.ends.empty() && at - in.last_end > spec.keep_alive_s) {
        in.alive = false;
        continue;
      }
      if (static_cast<int>(in.ends.size()) < spec.concurrency &&
          (chosen < 0 || in.last_used > pool[static_cast<size_t>(chosen)].last_used))
        chosen = static_cast<int>(i);
    }
    GeneratedRequest r;
    r.arrival_s = at;
    double startup_ms = 0, wait_s = 0;
    const auto alive = std::count_if(pool.begin(), pool.end(), [](const Instance& in) { return in.alive; });
    if (chosen < 0 && spec.max_instances > 0 && alive >= spec.max_instances) {
      // The slot that frees first: the earliest end on an alive instance (all are full).
      double free_at = HUGE_VAL;
      for (size_t i = 0; i < pool.size(); ++i)
        if (pool[i].alive && !pool[i].ends.empty()) {
          const double end = *std::min_element(pool[i].ends.begin(), pool[i].ends.end());
          if (end < free_at) free_at = end, chosen = static_cast<int>(i);
        }
      if (free_at > at + spec.queue_timeout_s) {
        r.instance = -1;
        r.status = 429;
        r.latency_ms = spec.queue_timeout_s * 1000;
        out.requests.push_back(r);
        continue;
      }
      // The slot is handed to this request: its old end leaves the instance's list.
      auto& ends = pool[static_cast<size_t>(chosen)].ends;
      ends.erase(std::min_element(ends.begin(), ends.end()));
      wait_s = free_at - at;
    }
    if (chosen < 0) {
      chosen = static_cast<int>(pool.size());
      pool.push_back({});
      r.cold = true;
      startup_ms = draw_lognormal(rng, spec.cold_mean_ms, spec.cold_p99_ms);
    }
    // Logged to the microsecond, as Cloud Run's "0.123456s" latencies are.
    r.latency_ms =
        std::round((wait_s * 1000 + startup_ms + draw_lognormal(rng, spec.warm_mean_ms, spec.warm_p99_ms)) *
                   1000) /
        1000;
    r.instance = chosen;
    Instance& in = pool[static_cast<size_t>(chosen)];
    const double end = at + r.latency_ms / 1000;
    in.ends.push_back(end);
    in.last_end = std::max(in.last_end, end);
    in.last_used = at;
    out.requests.push_back(r);
  }
  out.instances = static_cast<int>(pool.size());
  return out;
}

// RFC 3339 with `digits` decimals of the second (6: Cloud Logging's microseconds, 7: Log Analytics').
inline std::string rfc3339(double seconds_from_start, int digits) {
  constexpr int64_t kStartS = 1796112000;  // 2026-12-01T08:00:00Z
  const double scale = std::pow(10.0, digits);
  const auto ticks = static_cast<int64_t>(std::llround(seconds_from_start * scale));
  const auto per_s = static_cast<int64_t>(scale);
  const int64_t whole = kStartS + ticks / per_s;
  std::string text = iso8601_ms(whole * 1000).substr(0, 19);  // YYYY-MM-DDTHH:MM:SS
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%0*lld", digits, static_cast<long long>(ticks % per_s));
  return text + fraction + "Z";
}

inline std::string cloud_run_instance_id(int instance) {
  char id[96];
  std::snprintf(id, sizeof id, "0069c7a988%030x%016x", instance + 1, (instance + 1) * 2654435761u);
  return id;
}

// One Cloud Logging entry per request and one "Starting new instance" system entry per instance (logged at
// its first request's arrival), newest first as gcloud logging read lists them. `json_lines`: one compact
// entry per line instead of the indented array.
inline std::string cloud_run_json(const GeneratedRequests& run, bool json_lines = false,
                                  bool startup_entries = true, bool stamp_at_end = false) {
  struct Entry {
    double at;
    int order;
    std::string text;
  };
  std::vector<Entry> entries;
  const std::string resource =
      R"("resource": {"labels": {"configuration_name": "classifier", "location": "us-central1", )"
      R"("project_id": "demo-project", "revision_name": "classifier-00007-xuz", "service_name": "classifier"}, )"
      R"("type": "cloud_run_revision"})";
  for (size_t n = 0; n < run.requests.size(); ++n) {
    const GeneratedRequest& r = run.requests[n];
    const std::string stamp = rfc3339(r.arrival_s, 6);
    // The entry's timestamp: the arrival, or (stamp_at_end) the response, arrival + latency.
    const std::string entry_stamp = stamp_at_end ? rfc3339(r.arrival_s + r.latency_ms / 1000, 6) : stamp;
    const std::string instance = r.instance < 0 ? "" : cloud_run_instance_id(r.instance);
    const std::string labels =
        r.instance < 0 ? std::string() : R"("labels": {"instanceId": ")" + instance + R"("}, )";
    char http[512], entry[1600];
    std::snprintf(
        http, sizeof http,
        R"({"latency": "%.6fs", "protocol": "HTTP/1.1", "remoteIp": "203.0.113.%d", )"
        R"("requestMethod": "POST", "requestSize": "1433", )"
        R"("requestUrl": "https://classifier-5kq3h2x7ba-uc.a.run.app/predict", "responseSize": "312", )"
        R"("serverIp": "216.239.32.53", "status": %d, "userAgent": "python-requests/2.32.3"})",
        r.latency_ms / 1000, static_cast<int>(n % 200) + 1, r.status);
    std::snprintf(entry, sizeof entry,
                  R"({"httpRequest": %s, "insertId": "6755a1f2000%07zx", %s)"
                  R"("logName": "projects/demo-project/logs/run.googleapis.com%%2Frequests", )"
                  R"("receiveTimestamp": "%s", %s, "severity": "INFO", "timestamp": "%s", )"
                  R"("trace": "projects/demo-project/traces/%032zx"})",
                  http, n + 1, labels.c_str(), rfc3339(r.arrival_s + r.latency_ms / 1000 + 0.05, 6).c_str(),
                  resource.c_str(), entry_stamp.c_str(), n + 1);
    entries.push_back({r.arrival_s, 1, entry});
    if (r.cold && startup_entries) {
      std::snprintf(entry, sizeof entry,
                    R"({"insertId": "1bqk0a8f%08x", "labels": {"instanceId": "%s"}, )"
                    R"("logName": "projects/demo-project/logs/run.googleapis.com%%2Fvarlog%%2Fsystem", )"
                    R"(%s, "severity": "INFO", )"
                    R"("textPayload": "Starting new instance. Reason: AUTOSCALING - Instance started due to )"
                    R"(configured scaling factors or no existing capacity for current traffic.", )"
                    R"("timestamp": "%s"})",
                    static_cast<unsigned>(r.instance + 1), instance.c_str(), resource.c_str(), stamp.c_str());
      entries.push_back({r.arrival_s, 0, entry});
    }
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.at != b.at ? a.at > b.at : a.order > b.order;
  });
  std::string text = json_lines ? "" : "[\n";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (json_lines)
      text += entries[i].text + "\n";
    else
      text += "  " + entries[i].text + (i + 1 < entries.size() ? ",\n" : "\n");
  }
  return json_lines ? text : text + "]\n";
}

inline std::string azure_instance(int instance) {
  char id[80];
  std::snprintf(id, sizeof id, "%016x%048x", (instance + 1) * 2246822519u, instance + 1);
  return id;
}

// Application Insights `requests` rows as Log Analytics exports them: CSV (with the " [UTC]" its export puts
// on datetime columns) or a JSON array of row objects. Rows in arrival order.
inline std::string app_insights_csv(const GeneratedRequests& run) {
  std::string text =
      "timestamp [UTC],id,name,url,success,resultCode,duration,performanceBucket,itemCount,operation_Id,"
      "operation_Name,cloud_RoleName,cloud_RoleInstance\n";
  for (size_t n = 0; n < run.requests.size(); ++n) {
    const GeneratedRequest& r = run.requests[n];
    const char* bucket = r.latency_ms < 250    ? "<250ms"
                         : r.latency_ms < 500  ? "250ms-500ms"
                         : r.latency_ms < 1000 ? "500ms-1sec"
                                               : "1sec-3sec";
    char row[512];
    std::snprintf(row, sizeof row,
                  "%s,%016zx,Predict,https://classify-fn.azurewebsites.net/api/predict,%s,%d,%.4f,%s,1,"
                  "%032zx,Predict,classify-fn,%s\n",
                  rfc3339(r.arrival_s, 7).c_str(), n + 1, r.status < 400 ? "True" : "False", r.status,
                  r.latency_ms, bucket, n + 1, azure_instance(std::max(r.instance, 0)).c_str());
    text += row;
  }
  return text;
}

inline std::string app_insights_json(const GeneratedRequests& run) {
  std::string text = "[\n";
  for (size_t n = 0; n < run.requests.size(); ++n) {
    const GeneratedRequest& r = run.requests[n];
    char row[512];
    std::snprintf(row, sizeof row,
                  R"(  {"timestamp": "%s", "id": "%016zx", "name": "Predict", "success": true, )"
                  R"("resultCode": "200", "duration": %.4f, "itemCount": 1, "operation_Id": "%032zx", )"
                  R"("cloud_RoleName": "classify-fn", "cloud_RoleInstance": "%s"}%s)",
                  rfc3339(r.arrival_s, 7).c_str(), n + 1, r.latency_ms, n + 1,
                  azure_instance(r.instance).c_str(), n + 1 < run.requests.size() ? ",\n" : "\n");
    text += row;
  }
  return text + "]\n";
}

}  // namespace servesim::test
