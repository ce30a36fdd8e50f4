// ProcessorSharing: one instance's processor shared exactly between its requests. Every figure is worked by
// hand from egalitarian processor sharing on one core (rate[n] = 1/n: n requests each progress at 1/n of the
// speed of a request alone), where the work done is conserved: the last request finishes at the total work.
#include "platforms/fleet/processor_sharing.hpp"

#include <catch2/catch.hpp>
#include <vector>

using servesim::platforms::ProcessorSharing;

namespace {
// One core shared by n requests: each runs at 1/n of its speed alone.
double one_core(unsigned n) {
  return 1.0 / n;
}
}  // namespace

TEST_CASE("platforms::ProcessorSharing: requests on one core finish when processor sharing says") {
  ProcessorSharing cpu;
  cpu.restart(0.0);

  SECTION("two requests of 1 s of work started together both finish at 2 s") {
    // Each gets half the core: 1 s of work at rate 1/2 takes 2 s; the first to leave leaves nothing to the
    // second.
    cpu.add(1.0, 0, 0);
    cpu.add(1.0, 1, 0);
    CHECK(cpu.next_finish_s(one_core(2)) == Approx(2.0).epsilon(1e-12));
    cpu.advance(2.0, one_core(2));
    cpu.pop_finished();
    REQUIRE_FALSE(cpu.empty());
    CHECK(cpu.next_finish_s(one_core(1)) == Approx(2.0).epsilon(1e-12));
    cpu.advance(2.0, one_core(1));
    cpu.pop_finished();
    CHECK(cpu.empty());
  }
  SECTION("a second request arriving halfway moves the first one's finish from 1 s to 1.5 s") {
    // A (1 s of work) runs alone from 0 to 0.5 s: 0.5 s done. B (1 s) arrives; both run at 1/2, so A's last
    // 0.5 s takes 1 s: A finishes at 1.5 s, when B has done 0.5 s. B's last 0.5 s alone: B finishes at 2.0 s
    // (2 s of work on one core, no idle time: the last finish is at 2 s).
    cpu.add(1.0, /*request=*/10, 0);
    CHECK(cpu.next_finish_s(one_core(1)) == Approx(1.0).epsilon(1e-12));
    cpu.advance(0.5, one_core(1));
    cpu.add(1.0, /*request=*/11, 0);
    CHECK(cpu.next_finish_s(one_core(2)) == Approx(1.5).epsilon(1e-12));
    cpu.advance(1.5, one_core(2));
    CHECK(cpu.pop_finished() == 10);
    CHECK(cpu.next_finish_s(one_core(1)) == Approx(2.0).epsilon(1e-12));
    cpu.advance(2.0, one_core(1));
    CHECK(cpu.pop_finished() == 11);
  }
  SECTION("three requests of 1, 2 and 3 s started together finish at 3, 5 and 6 s") {
    // All three at 1/3 until the 1 s one is done: 3 s. The other two have 1 and 2 s left and run at 1/2:
    // the 2 s one is done after 2 more seconds (5 s). The 3 s one has 1 s left alone: 6 s.
    cpu.add(3.0, 2, 0);
    cpu.add(1.0, 0, 0);
    cpu.add(2.0, 1, 0);
    const std::vector<double> expected_s = {3.0, 5.0, 6.0};
    for (unsigned k = 0; k < 3; ++k) {
      const unsigned n = 3 - k;
      const double t_s = cpu.next_finish_s(one_core(n));
      CHECK(t_s == Approx(expected_s[k]).epsilon(1e-12));
      cpu.advance(t_s, one_core(n));
      CHECK(cpu.pop_finished() == k);
    }
    CHECK(cpu.empty());
  }
  SECTION("while the instance does not run its requests (rate 0) their work stands still") {
    // 1 s of work, paused from 0 to 4 s, then run alone: it finishes at 5 s.
    cpu.add(1.0, 0, 0);
    cpu.advance(4.0, 0.0);
    CHECK(cpu.virtual_s() == 0.0);
    CHECK(cpu.next_finish_s(one_core(1)) == Approx(5.0).epsilon(1e-12));
  }
  SECTION("a request stopped early leaves a stale entry that drop_stale removes") {
    // Request 5 (0.5 s) is stopped at its deadline: the owner bumps its generation. The next to finish is
    // request 6 (1 s alone: at 1 s).
    cpu.add(0.5, 5, 0);
    cpu.add(1.0, 6, 0);
    const std::vector<unsigned> generation = {0, 0, 0, 0, 0, 1, 0};
    cpu.drop_stale([&](const ProcessorSharing::Entry& e) { return e.generation == generation[e.request]; });
    CHECK(cpu.top().request == 6);
    CHECK(cpu.entries().size() == 1);
    CHECK(cpu.next_finish_s(one_core(1)) == Approx(1.0).epsilon(1e-12));
    cpu.clear(true);
    CHECK(cpu.empty());
    CHECK(cpu.virtual_s() == 0.0);
  }
}
