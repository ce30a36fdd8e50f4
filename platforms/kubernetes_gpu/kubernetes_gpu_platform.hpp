#pragma once
// The name of the kubernetes-gpu platform, for the layers that must name it: `servesim calibrate` reads this
// platform's metrics (vLLM on Kubernetes, scraped by Prometheus) and writes candidates of it.
//   if (platform == platforms::kKubernetesGpuPlatform) ...
namespace servesim::platforms {

inline constexpr const char* kKubernetesGpuPlatform = "kubernetes-gpu";

}  // namespace servesim::platforms
