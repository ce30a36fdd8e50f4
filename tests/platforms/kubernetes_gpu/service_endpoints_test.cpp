// ServiceEndpoints: the Service's ready pods taken in turn. Turn orders worked by hand from round robin over
// the endpoint list, where a leaving pod's place is taken by the last endpoint.
#include "platforms/kubernetes_gpu/service_endpoints.hpp"

#include <catch2/catch.hpp>
#include <vector>

using servesim::platforms::ServiceEndpoints;

namespace {
std::vector<uint32_t> turns(ServiceEndpoints& endpoints, int count) {
  std::vector<uint32_t> out;
  for (int k = 0; k < count; ++k) out.push_back(endpoints.next());
  return out;
}
}  // namespace

TEST_CASE("platforms::ServiceEndpoints: requests go to the ready pods in turn") {
  ServiceEndpoints endpoints;
  CHECK(endpoints.empty());
  endpoints.add(4);
  endpoints.add(9);
  endpoints.add(2);
  SECTION("three pods: each gets every third request") {
    CHECK(turns(endpoints, 6) == std::vector<uint32_t>{4, 9, 2, 4, 9, 2});
  }
  SECTION("a pod that leaves is replaced in the list by the last one; the cursor carries on") {
    CHECK(turns(endpoints, 2) == std::vector<uint32_t>{4, 9});
    // List [4, 9, 2] -> 4 leaves -> [2, 9]. The cursor is at 2 of 2 endpoints: 2 % 2 = 0, so pod 2 is next.
    endpoints.remove(4);
    CHECK(endpoints.size() == 2);
    CHECK(endpoints.pods() == std::vector<uint32_t>{2, 9});
    CHECK(turns(endpoints, 3) == std::vector<uint32_t>{2, 9, 2});
  }
  SECTION("the last endpoint leaving and a pod rejoining") {
    endpoints.remove(2);
    endpoints.remove(4);
    CHECK(endpoints.pods() == std::vector<uint32_t>{9});
    endpoints.add(4);  // a pod id is reused once it is ready again
    CHECK(endpoints.pods() == std::vector<uint32_t>{9, 4});
    endpoints.remove(9);
    CHECK(endpoints.pods() == std::vector<uint32_t>{4});
  }
}
