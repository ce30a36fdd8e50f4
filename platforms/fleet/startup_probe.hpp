#pragma once
// A startup probe that gates a container's readiness (Kubernetes startupProbe, Cloud Run startup probe): the
// platform probes the container every period_s after initial_delay_s and routes it no traffic until a probe
// succeeds; after failure_threshold failed probes it kills the container. Readiness is thus rounded up to the
// probe grid, and a container slower than initial_delay_s + failure_threshold x period_s never becomes
// ready. See docs/models/kubernetes-gpu.md and gcp-cloud-run.md (startup_probe).
//   StartupProbe probe = StartupProbe::from(settings, "startup_probe", kubernetes_limits);
//   StartupProbe::Verdict v = probe.judge(23.0);  // ready 23 s after the container started
#include <cstdint>
#include <string>

#include "platforms/catalog.hpp"

namespace servesim::platforms {

struct StartupProbe {
  bool enabled = false;        // false: the container is routed traffic as soon as it is ready
  double initial_delay_s = 0;  // before the first period starts [s]
  double period_s = 10;        // between probes [s]
  double timeout_s = 1;        // a probe's own limit [s] (checked, not simulated: see judge)
  uint32_t failure_threshold = 3;

  // What a platform allows (its documented ranges).
  struct Limits {
    double initial_delay_max_s;
    double period_max_s;
    double budget_max_s;  // failure_threshold x period_s at most (0: no limit)
  };

  // The outcome for a container that is really ready (model loaded, port open) ready_after_s after it
  // started: probes run at initial_delay_s + k x period_s, k = 1, 2, ..., failure_threshold; the first at
  // or after the readiness succeeds (a ready container answers at once, one not ready refuses at once, so
  // timeout_s does not come into play). None does: killed at initial_delay_s + failure_threshold x period_s.
  struct Verdict {
    bool passes;
    double at_s;  // after the container's start: when the probe succeeds, or when the container is killed
  };
  Verdict judge(double ready_after_s) const;

  // Reads settings key `key`: null (no probe) or {"initial_delay_s", "period_s", "failure_threshold",
  // "timeout_s"} (each optional, the documented defaults above). Throws InputError naming the field.
  static StartupProbe from(const Settings& settings, const std::string& key, const Limits& limits);
};

}  // namespace servesim::platforms
