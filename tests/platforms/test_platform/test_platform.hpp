#pragma once
// A platform defined entirely outside platforms/ (tests/platforms/test_platform/), registered at run time
// through the registry API: the proof that adding a platform needs its folder and its registration only.
// Unlimited always-ready servers: each request is served after its warm time divided by `speedup`, and
// timed out when that exceeds `timeout_s`; each request costs price_usd_per_request x speedup.
//   test::register_test_platform();  // idempotent; then candidates may use "platform": "test-instant"
#include "platforms/registry.hpp"

namespace servesim::test {

inline constexpr const char* kTestPlatform = "test-instant";

// Registers "test-instant" with its catalogue entry tests/platforms/test_platform/test-instant.json (read
// relative to the source root, where the tests run). Registers it once however often it is called.
void register_test_platform();

}  // namespace servesim::test
