// servesim sweep: points run in parallel processes, merged deterministically, failed points reported, resume.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "support/sim_harness.hpp"

using servesim::test::read_file;
using servesim::test::run_servesim;
using servesim::test::TempDir;
namespace fs = std::filesystem;

namespace {

int count_of(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

// A few seconds of Poisson traffic against two Lambda candidates.
nlohmann::json base_scenario() {
  return {{"name", "sweep-base"},
          {"seed", 7},
          {"workload", {{"type", "poisson"}, {"rate_rps", 20}, {"duration_s", 4}}},
          {"service", {{"warm", {{"type", "constant"}, {"value_ms", 30}}}}},
          {"candidates",
           {{{"name", "small"}, {"platform", "aws-lambda"}, {"memory_mb", 1024}},
            {{"name", "big"}, {"platform", "aws-lambda"}, {"memory_mb", 2048}}}}};
}

// Six points, the fourth one invalid (64 MB is below Lambda's minimum).
std::string write_sweep(const TempDir& dir) {
  dir.write("base.json", base_scenario().dump(2));
  const nlohmann::json sweep = {{"base", "base.json"},
                                {"points",
                                 {{{"/candidates/0/memory_mb", 512}, {"/workload/rate_rps", 10}},
                                  {{"/candidates/0/memory_mb", 1024}, {"/workload/rate_rps", 10}},
                                  {{"/candidates/0/memory_mb", 1769}, {"/workload/rate_rps", 30}},
                                  {{"/candidates/0/memory_mb", 64}, {"/workload/rate_rps", 30}},
                                  {{"/candidates/0/memory_mb", 3008}, {"/workload/rate_rps", 5}},
                                  {{"/workload/rate_rps", 40}}}}};
  return dir.write("sweep.json", sweep.dump(2));
}

}  // namespace

TEST_CASE("cli::sweep: the merged output does not depend on --jobs; a bad point is reported, not fatal") {
  TempDir dir;
  const std::string sweep = write_sweep(dir);
  const auto one = run_servesim("sweep " + sweep + " --out " + dir.file("one") + " --jobs 1", dir);
  REQUIRE(one.status == 0);
  CHECK_THAT(one.out, Catch::Contains("6 points (6 run, 0 reused, 1 failed)"));
  const auto two = run_servesim("sweep " + sweep + " --out " + dir.file("two") + " --jobs 2", dir);
  REQUIRE(two.status == 0);
  const std::string csv = read_file(dir.file("one/sweep.csv"));
  CHECK(csv == read_file(dir.file("two/sweep.csv")));
  CHECK(read_file(dir.file("one/pareto.csv")) == read_file(dir.file("two/pareto.csv")));
  CHECK_FALSE(fs::exists(dir.file("one.parts")));  // removed once merged

  // header + 5 points x 2 candidates + 1 row for the failed point
  CHECK(count_of(csv, "\n") == 12);
  CHECK_THAT(csv, Catch::StartsWith("point,/candidates/0/memory_mb,/workload/rate_rps,candidate,platform,"));
  CHECK_THAT(csv, Catch::Contains("p99_ms,cost_usd,slo_met,error\n"));
  CHECK_THAT(csv, Catch::Contains("\n3,64,30,,,"));
  CHECK_THAT(csv, Catch::Contains("/candidates/0/memory_mb"));
  for (const char* row : {"\n0,512,10,small,", "\n0,512,10,big,", "\n2,1769,30,small,", "\n5,,40,big,"})
    CHECK_THAT(csv, Catch::Contains(row));
  const std::string pareto = read_file(dir.file("one/pareto.csv"));
  CHECK(count_of(pareto, "\n") >= 2);
  CHECK(pareto.find("\n3,") == std::string::npos);  // no failed point on the front
}

#ifdef SERVESIM_MPIEXEC
TEST_CASE("cli::sweep: under mpirun -np 2 the merged output is byte-identical to the local run") {
  TempDir dir;
  const std::string sweep = write_sweep(dir);
  const auto local = run_servesim("sweep " + sweep + " --out " + dir.file("local") + " --jobs 2", dir);
  REQUIRE(local.status == 0);
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  const char* bin = std::getenv("SERVESIM_BIN");
  const std::string cmd = std::string(SERVESIM_MPIEXEC) + " -np 2 --oversubscribe " +
                          (bin ? bin : "build/cli/servesim") + " sweep " + sweep + " --out " +
                          dir.file("mpi") + " --verbose >" + dir.file("mpi-out.txt") + " 2>" +
                          dir.file("mpi-err.txt") + " </dev/null";
  const int rc = std::system(cmd.c_str());
  INFO(read_file(dir.file("mpi-err.txt")));
  REQUIRE(rc == 0);
  CHECK(count_of(read_file(dir.file("mpi-err.txt")), "sweep: running point") == 6);
  CHECK_THAT(read_file(dir.file("mpi-out.txt")), Catch::Contains("6 points (6 run, 0 reused, 1 failed)"));
  CHECK(read_file(dir.file("mpi/sweep.csv")) == read_file(dir.file("local/sweep.csv")));
  CHECK(read_file(dir.file("mpi/pareto.csv")) == read_file(dir.file("local/pareto.csv")));
  CHECK_FALSE(fs::exists(dir.file("mpi.parts")));
}
#endif

TEST_CASE("cli::sweep: an interrupted sweep reruns only the points without a result") {
  TempDir dir;
  const std::string sweep = write_sweep(dir);
  const std::string out = dir.file("out");
  const auto first =
      run_servesim("sweep " + sweep + " --out " + out + " --jobs 2 --keep-parts --verbose", dir);
  REQUIRE(first.status == 0);
  CHECK(count_of(first.err, "sweep: running point") == 6);
  const std::string csv = read_file(out + "/sweep.csv");
  REQUIRE(fs::exists(out + ".parts/points/1.json"));
  fs::remove(out + ".parts/points/1.json");
  fs::remove(out + ".parts/points/4.json");
  const auto again = run_servesim("sweep " + sweep + " --out " + out + " --jobs 2 --verbose", dir);
  REQUIRE(again.status == 0);
  CHECK(count_of(again.err, "sweep: running point") == 2);
  CHECK_THAT(again.err, Catch::Contains("running point 1 of 6"));
  CHECK_THAT(again.err, Catch::Contains("running point 4 of 6"));
  CHECK_THAT(again.out, Catch::Contains("(2 run, 4 reused, 1 failed)"));
  CHECK(read_file(out + "/sweep.csv") == csv);
  CHECK_FALSE(fs::exists(out + ".parts"));
}

TEST_CASE("cli::sweep: a resumed sweep reruns the points whose trace changed since they ran") {
  TempDir dir;
  nlohmann::json base = base_scenario();
  base["workload"] = {{"type", "rate_trace"}, {"path", "trace.txt"}};
  dir.write("trace.txt", "3 4 5 6");
  dir.write("base.json", base.dump(2));
  const std::string sweep =
      dir.write("sweep.json", R"({"base": "base.json", "points": [{"/seed": 1}, {"/seed": 2}]})");
  const std::string out = dir.file("out");
  const auto first = run_servesim("sweep " + sweep + " --out " + out + " --jobs 1 --keep-parts", dir);
  REQUIRE(first.status == 0);
  CHECK_THAT(read_file(out + "/sweep.csv"), Catch::Contains(",small,aws-lambda,18,"));
  SECTION("the same inputs: every point is reused") {
    const auto again = run_servesim("sweep " + sweep + " --out " + out + " --jobs 1 --keep-parts", dir);
    CHECK_THAT(again.out, Catch::Contains("(0 run, 2 reused, 0 failed)"));
  }
  SECTION("the trace changed: every point runs again on the new trace") {
    dir.write("trace.txt", "300 400 500 600");
    const auto again = run_servesim("sweep " + sweep + " --out " + out + " --jobs 1", dir);
    REQUIRE(again.status == 0);
    CHECK_THAT(again.out, Catch::Contains("(2 run, 0 reused, 0 failed)"));
    const std::string csv = read_file(out + "/sweep.csv");
    CHECK(count_of(csv, ",aws-lambda,1800,") == 4);
    CHECK(count_of(csv, ",aws-lambda,18,") == 0);
  }
}

TEST_CASE("cli::sweep: the points beyond --max-arrivals are reported as failed, the others run") {
  TempDir dir;
  const std::string sweep = write_sweep(dir);
  const auto r =
      run_servesim("sweep " + sweep + " --out " + dir.file("o") + " --jobs 1 --max-arrivals 100", dir);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("(6 run, 0 reused, 3 failed)"));
  CHECK_THAT(read_file(dir.file("o/sweep.csv")), Catch::Contains("more than --max-arrivals 100"));
}

TEST_CASE("cli::sweep: a grid is the cross product, last pointer fastest") {
  TempDir dir;
  dir.write("base.json", base_scenario().dump(2));
  const std::string sweep = dir.write(
      "grid.json",
      R"({"base": "base.json", "grid": {"/workload/rate_rps": [5, 10], "/candidates/1/memory_mb": [512, 1024, 2048]}})");
  const auto r = run_servesim("sweep " + sweep + " --out " + dir.file("g") + " --jobs 2", dir);
  REQUIRE(r.status == 0);
  const std::string csv = read_file(dir.file("g/sweep.csv"));
  CHECK(count_of(csv, "\n") == 13);
  CHECK_THAT(csv, Catch::StartsWith("point,/workload/rate_rps,/candidates/1/memory_mb,"));
  CHECK_THAT(csv, Catch::Contains("\n1,5,1024,small,"));
  CHECK_THAT(csv, Catch::Contains("\n3,10,512,big,"));
}

TEST_CASE("cli::sweep: a bad sweep file gives one line and exit status 2") {
  TempDir dir;
  dir.write("base.json", base_scenario().dump(2));
  auto expect_bad = [&](const std::string& text, const std::string& message) {
    const std::string path = dir.write("bad-sweep.json", text);
    const auto r = run_servesim("sweep " + path + " --out " + dir.file("bad"), dir);
    CHECK(r.status == 2);
    CHECK(count_of(r.err, "\n") == 1);
    CHECK_THAT(r.err, Catch::Contains("bad-sweep.json"));
    CHECK_THAT(r.err, Catch::Contains(message));
    CHECK_FALSE(fs::exists(dir.file("bad")));
  };
  expect_bad(R"({"base": "base.json", "grdi": {}})", "/grdi: unknown key");
  expect_bad(R"({"base": "base.json", "grid": {"/workload/rate": [1, 2]}})", "\"/workload/rate\"");
  expect_bad(R"({"base": "base.json", "points": [{"/candidates/5/memory_mb": 1}]})",
             "/candidates/5/memory_mb");
  expect_bad(R"({"base": "base.json", "grid": {"/workload/rate_rps": []}})", "non-empty list");
  expect_bad(R"({"base": "base.json"})", "exactly one of");
  expect_bad(R"({"base": "nowhere.json", "grid": {"/seed": [1]}})", "nowhere.json: cannot open");
  expect_bad("{\"base\": ", "not valid JSON");
  expect_bad(R"({"base": "base.json", "base": "base.json", "points": [{"/seed": 1}]})",
             "bad-sweep.json: /base: duplicate key (the object has it twice)");
  expect_bad(std::string(100000, '['), "nested deeper than 256 arrays and objects");
  dir.write("deep-base.json", "{\"seed\": " + std::string(300, '[') + std::string(300, ']') + "}");
  expect_bad(R"({"base": "deep-base.json", "points": [{"/seed": 1}]})",
             "deep-base.json: line 1, column 265: nested deeper than 256");
}
