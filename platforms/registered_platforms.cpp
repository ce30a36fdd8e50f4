// The platforms built into servesim, one line each: PLATFORM(folder) names the function folder_platform() in
// platforms/<folder>/<folder>_platform.cpp that returns the platform's registration (platforms/README.md:
// adding a platform). The order is the order in which the advisor adds default candidates and `servesim tune
// --help` lists sweepable keys.
//
// An explicit list, not self-registering static objects: the linker drops an object file of a static library
// that nothing references, so a platform whose file held only a registrar would silently vanish from the
// binary (or need --whole-archive on every link line).
#include "platforms/registry.hpp"

#define SERVESIM_BUILTIN_PLATFORMS(PLATFORM) \
  PLATFORM(aws_lambda)                       \
  PLATFORM(gcp_cloud_run)                    \
  PLATFORM(azure_functions)                  \
  PLATFORM(fixed_pool)                       \
  PLATFORM(kubernetes_gpu)                   \
  PLATFORM(topology)                         \
  PLATFORM(azure_container_apps)             \
  PLATFORM(aws_lambda_managed_instances)

namespace servesim::platforms {

#define SERVESIM_DECLARE_PLATFORM(folder) PlatformRegistration folder##_platform();
SERVESIM_BUILTIN_PLATFORMS(SERVESIM_DECLARE_PLATFORM)
#undef SERVESIM_DECLARE_PLATFORM

std::vector<PlatformRegistration> builtin_platforms() {
#define SERVESIM_LIST_PLATFORM(folder) folder##_platform(),
  return {SERVESIM_BUILTIN_PLATFORMS(SERVESIM_LIST_PLATFORM)};
#undef SERVESIM_LIST_PLATFORM
}

}  // namespace servesim::platforms
