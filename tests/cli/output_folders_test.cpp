// Output folders as a user relies on them: a scenario's name never leads outside out/, a folder that servesim
// did not write is never replaced without --force, concurrent runs into one folder all succeed, SIGINT and
// SIGTERM leave nothing behind, temporaries of killed runs are cleaned up, and many candidates do not need
// many open files.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>
#include <vector>

#include "support/sim_harness.hpp"

using servesim::test::count_lines;
using servesim::test::read_file;
using servesim::test::TempDir;
using servesim::test::user_stderr;
namespace fs = std::filesystem;

namespace {

std::string servesim_exe() {
  const char* bin = std::getenv("SERVESIM_BIN");
  return fs::absolute(bin ? bin : "build/cli/servesim").string();
}

struct Outcome {
  int status;
  std::string err;
};

// Runs `servesim ARGS` with `cwd` as the current folder (through sh: ARGS may hold shell syntax).
Outcome run_in(const std::string& cwd, const std::string& args, const std::string& prefix = "") {
  const std::string err = cwd + "/../stderr-" + std::to_string(::getpid()) + ".txt";
  const int rc = std::system(("cd '" + cwd + "' && " + prefix + "'" + servesim_exe() + "' " + args +
                              " >/dev/null 2>'" + err + "' </dev/null")
                                 .c_str());
  Outcome o{WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, read_file(err)};
  fs::remove(err);
  return o;
}

// Starts `servesim ARGS...` in `cwd` without waiting; stderr goes to `err_path`.
pid_t spawn_in(const std::string& cwd, const std::vector<std::string>& args, const std::string& err_path) {
  const std::string exe = servesim_exe();
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    std::FILE* err = std::freopen(err_path.c_str(), "w", stderr);
    std::FILE* out = std::freopen("/dev/null", "w", stdout);
    if (!err || !out) ::_exit(126);
    std::vector<char*> argv{const_cast<char*>(exe.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_status(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Entries of `folder` whose name holds `part` (".tmp-", ".old-", ".lock").
std::vector<std::string> entries_with(const std::string& folder, const std::string& part) {
  std::vector<std::string> found;
  if (!fs::exists(folder)) return found;
  for (const auto& e : fs::recursive_directory_iterator(folder))
    if (e.path().filename().string().find(part) != std::string::npos) found.push_back(e.path().string());
  return found;
}

// A process id that no process has: a child that has exited and been reaped.
long dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

nlohmann::json small_scenario(const std::string& name) {
  return {{"name", name},
          {"workload", {{"type", "poisson"}, {"rate_rps", 5}, {"duration_s", 120}}},
          {"service", {{"warm", {{"type", "constant"}, {"value_ms", 20}}}}},
          {"candidates", {{{"platform", "aws-lambda"}, {"memory_mb", 1024}}}}};
}

// Simulated days of traffic: many seconds of work, so that a signal arrives while it simulates.
nlohmann::json long_scenario() {
  nlohmann::json sc = small_scenario("long");
  sc["workload"] = {{"type", "poisson"}, {"rate_rps", 50}, {"duration_s", 10 * 86400}};
  return sc;
}

void write_json(const TempDir& dir, const std::string& name, const nlohmann::json& doc) {
  fs::create_directories(fs::path(dir.file(name)).parent_path());
  dir.write(name, doc.dump());
}

}  // namespace

TEST_CASE("cli::OutputDir: a scenario's name is a plain file name, so out/<name> stays inside out/") {
  TempDir dir;
  fs::create_directories(dir.file("work"));
  fs::create_directories(dir.file("victim"));
  dir.write("victim/keep.txt", "precious");
  const std::string work = dir.file("work");
  for (const std::string& bad :
       std::vector<std::string>{"../../victim", "../victim", "a/b", "..", ".", "", "-rf", "tab\there",
                                std::string("nul\0byte", 8), "back\\slash"}) {
    INFO("name: " << bad);
    write_json(dir, "work/scenario.json", small_scenario(bad));
    const auto r = run_in(work, "run scenario.json --quiet");
    CHECK(r.status == 2);
    CHECK(count_lines(r.err) == 1);
    CHECK_THAT(r.err, Catch::Contains("scenario.json: /name: expected a plain file name"));
    CHECK_FALSE(fs::exists(dir.file("work/out")));
  }
  CHECK(read_file(dir.file("victim/keep.txt")) == "precious");
  CHECK(std::vector<std::string>{"keep.txt"} ==
        std::vector<std::string>{fs::directory_iterator(dir.file("victim"))->path().filename().string()});

  SECTION("a plain name with spaces and UTF-8 runs into out/<name>") {
    write_json(dir, "work/scenario.json", small_scenario("spike review caf\xc3\xa9"));
    REQUIRE(run_in(work, "run scenario.json --quiet").status == 0);
    CHECK(fs::exists(dir.file("work/out/spike review caf\xc3\xa9/summary.json")));
  }
  SECTION("a name taken from the file name is checked too") {
    auto doc = small_scenario("x");
    doc.erase("name");
    write_json(dir, "work/-x.json", doc);
    const auto r = run_in(work, "run ./-x.json --quiet");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("got \"-x\" (from the file name: give \"name\")"));
  }
}

TEST_CASE("cli::OutputDir: a folder that servesim did not write is replaced only with --force") {
  TempDir dir;
  write_json(dir, "scenario.json", small_scenario("t"));
  fs::create_directories(dir.file("victim/sub"));
  dir.write("victim/notes.txt", "mine");
  dir.write("victim/sub/more.txt", "mine too");

  SECTION("refused, with the way to overwrite, and left as it was") {
    for (const char* command :
         {"run scenario.json", "advise scenario.json", "tune scenario.json -p aws-lambda"}) {
      INFO(command);
      const auto r = run_in(dir.path(), std::string(command) + " --out victim");
      CHECK(r.status == 2);
      CHECK(r.err ==
            "servesim: victim: expected an empty folder or an earlier servesim output (one with a "
            ".servesim-output file), got a folder holding notes.txt and 1 more (--force replaces it)\n");
      CHECK(read_file(dir.file("victim/notes.txt")) == "mine");
      CHECK(read_file(dir.file("victim/sub/more.txt")) == "mine too");
      CHECK(entries_with(dir.path(), ".tmp-").empty());
    }
  }
  SECTION("an output folder is marked, and a marked folder is replaced without --force") {
    REQUIRE(run_in(dir.path(), "run scenario.json --quiet --out o").status == 0);
    const std::string marker = read_file(dir.file("o/.servesim-output"));
    CHECK(count_lines(marker) == 1);
    CHECK_THAT(marker, Catch::Contains("servesim"));
    dir.write("o/stale.txt", "from before");
    REQUIRE(run_in(dir.path(), "run scenario.json --quiet --out o").status == 0);
    CHECK_FALSE(fs::exists(dir.file("o/stale.txt")));
    CHECK(fs::exists(dir.file("o/summary.json")));
    for (const char* command : {"advise scenario.json --out o", "tune scenario.json -p aws-lambda --out o"})
      CHECK(run_in(dir.path(), command).status < 2);
    CHECK(fs::exists(dir.file("o/tune.csv")));
  }
  SECTION("an empty folder is used as it is") {
    fs::create_directories(dir.file("empty"));
    REQUIRE(run_in(dir.path(), "run scenario.json --quiet --out empty").status == 0);
    CHECK(fs::exists(dir.file("empty/summary.json")));
  }
  SECTION("--force replaces it") {
    REQUIRE(run_in(dir.path(), "run scenario.json --quiet --out victim --force").status == 0);
    CHECK_FALSE(fs::exists(dir.file("victim/notes.txt")));
    CHECK(fs::exists(dir.file("victim/.servesim-output")));
  }
  SECTION("sweep refuses it before any point runs") {
    write_json(dir, "sweep.json",
               {{"base", "scenario.json"}, {"grid", {{"/candidates/0/memory_mb", {512, 1024}}}}});
    const auto r = run_in(dir.path(), "sweep sweep.json --out victim");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("(--force replaces it)"));
    CHECK_FALSE(fs::exists(dir.file("victim.parts")));
    CHECK(read_file(dir.file("victim/notes.txt")) == "mine");
  }
}

TEST_CASE(
    "cli::OutputDir: the current folder, a folder above it or one holding an input is refused at once") {
  TempDir dir;
  // 200 days at 50 requests/s: 864 million arrivals (under the 1e9 of --max-arrivals), minutes of simulation
  // for each of the six runs below on any machine (ten days take about 4 s here).
  nlohmann::json scenario = long_scenario();
  scenario["workload"]["duration_s"] = 200 * 86400;
  write_json(dir, "work/data/scenario.json", scenario);
  const std::string work = dir.file("work");
  const auto start = std::chrono::steady_clock::now();
  for (const char* out : {".", "..", "data", "/", "./", "data/.."}) {
    INFO("--out " << out);
    const auto r = run_in(work, std::string("run data/scenario.json --quiet --force --out ") + out);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("expected a folder of its own for the outputs, got "));
  }
  // Refused before simulating: six simulations of the scenario would take far longer than this, and six
  // refusals take a few seconds even in the sanitizer build on a loaded machine.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(60));
  CHECK(fs::exists(dir.file("work/data/scenario.json")));
  CHECK(entries_with(dir.path(), ".tmp-").empty());
}

TEST_CASE("cli::OutputDir: concurrent runs into one folder all succeed and leave nothing beside it") {
  TempDir dir;
  write_json(dir, "scenario.json", small_scenario("t"));
  for (int round = 0; round < 3; ++round) {
    std::vector<pid_t> runs;
    for (int k = 0; k < 4; ++k)
      runs.push_back(spawn_in(dir.path(), {"run", "scenario.json", "--quiet", "--out", "out/shared"},
                              dir.file("err" + std::to_string(k) + ".txt")));
    for (size_t k = 0; k < runs.size(); ++k) {
      INFO("round " << round << ", run " << k << ": "
                    << read_file(dir.file("err" + std::to_string(k) + ".txt")));
      CHECK(wait_status(runs[k]) == 0);
    }
  }
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.file("out"))) names.push_back(e.path().filename().string());
  CHECK(names == std::vector<std::string>{"shared"});  // no shared.old-PID, shared.tmp-PID or shared.lock
  CHECK_NOTHROW(nlohmann::json::parse(read_file(dir.file("out/shared/summary.json"))));
}

TEST_CASE("cli::Interrupted: SIGINT and SIGTERM stop a run, remove its temporary folder and say so") {
  for (const int signal_number : {SIGINT, SIGTERM}) {
    const std::string name = signal_number == SIGINT ? "SIGINT" : "SIGTERM";
    DYNAMIC_SECTION(name) {
      TempDir dir;
      write_json(dir, "scenario.json", long_scenario());
      fs::create_directories(dir.file("out/earlier"));
      dir.write("out/earlier/.servesim-output", "marker\n");
      dir.write("out/earlier/summary.json", "{}\n");
      const pid_t pid =
          spawn_in(dir.path(), {"run", "scenario.json", "--out", "out/earlier", "--progress=none"},
                   dir.file("err.txt"));
      // The temporary folder exists once the output folder is checked, just before the simulation starts.
      for (int i = 0; i < 300 && entries_with(dir.file("out"), ".tmp-").empty(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      REQUIRE_FALSE(entries_with(dir.file("out"), ".tmp-").empty());
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // well into the simulation
      ::kill(pid, signal_number);
      CHECK(wait_status(pid) == 128 + signal_number);
      CHECK(user_stderr(read_file(dir.file("err.txt"))) ==
            "servesim: interrupted (" + name + "): nothing was written\n");
      CHECK(entries_with(dir.path(), ".tmp-").empty());
      CHECK(read_file(dir.file("out/earlier/summary.json")) == "{}\n");  // the earlier output is untouched
    }
  }
}

TEST_CASE("cli::Interrupted: SIGINT stops a sweep's workers and keeps the points done for a rerun") {
  TempDir dir;
  write_json(dir, "base.json", long_scenario());
  write_json(dir, "sweep.json",
             {{"base", "base.json"}, {"grid", {{"/candidates/0/memory_mb", {512, 1024, 1536, 2048}}}}});
  const pid_t pid =
      spawn_in(dir.path(), {"sweep", "sweep.json", "--out", "s", "--jobs", "2"}, dir.file("err.txt"));
  for (int i = 0; i < 300 && !fs::exists(dir.file("s.parts/points")); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto signalled = std::chrono::steady_clock::now();
  ::kill(pid, SIGINT);
  CHECK(wait_status(pid) == 130);
  // The workers were stopped, not waited for: each point is ten days of traffic.
  CHECK(std::chrono::steady_clock::now() - signalled < std::chrono::seconds(10));
  CHECK_THAT(user_stderr(read_file(dir.file("err.txt"))),
             Catch::StartsWith("servesim: interrupted (SIGINT): nothing was written to s ("));
  CHECK_FALSE(fs::exists(dir.file("s")));
  CHECK(entries_with(dir.path(), ".tmp-").empty());
}

TEST_CASE("cli::OutputDir: temporaries left by a killed run are removed by the next run") {
  TempDir dir;
  write_json(dir, "scenario.json", small_scenario("t"));
  const long stale_pid = dead_pid();
  const std::string stale = "out/x.tmp-" + std::to_string(stale_pid);
  const std::string stale_old = "out/t.old-" + std::to_string(dead_pid());
  const std::string users = "out/mine.tmp-" + std::to_string(dead_pid());  // no marker: not servesim's
  const std::string live = "out/y.tmp-" + std::to_string(::getpid());      // its process still runs
  for (const auto& folder : {stale, stale_old, users, live}) fs::create_directories(dir.file(folder));
  for (const auto& folder : {stale, stale_old, live}) dir.write(folder + "/.servesim-output", "marker\n");

  const Outcome next = run_in(dir.path(), "run scenario.json --quiet");
  REQUIRE(next.status == 0);
  // Each removal is said on stderr, with the process that left it; nothing else is.
  CHECK_THAT(next.err, Catch::Contains("servesim: removed " + stale + ", left by process " +
                                       std::to_string(stale_pid) + ", which is gone\n"));
  CHECK_THAT(next.err, Catch::Contains("servesim: removed " + stale_old + ", left by process "));
  CHECK(count_lines(user_stderr(next.err)) == 2);
  CHECK_FALSE(fs::exists(dir.file(stale)));
  CHECK_FALSE(fs::exists(dir.file(stale_old)));
  CHECK(fs::exists(dir.file(users)));
  CHECK(fs::exists(dir.file(live)));

  SECTION("and a file's temporary (PATH.tmp-PID) by the next write of PATH") {
    const std::string tmp_html = "report.html.tmp-" + std::to_string(dead_pid());
    dir.write(tmp_html, "half a report");
    REQUIRE(run_in(dir.path(), "report out/t --html report.html").status == 0);
    CHECK(fs::exists(dir.file("report.html")));
    CHECK_FALSE(fs::exists(dir.file(tmp_html)));
  }
}

TEST_CASE("cli::Progress: plain lines on stderr when it is not a terminal, none with --progress=none") {
  TempDir dir;
  // Forty days of traffic (960 h simulated in all): the run outlasts the first progress line on any machine
  // (ten days took about 4 s here, so a fast machine is already past 10% at the first line, after 1 s).
  nlohmann::json scenario = long_scenario();
  scenario["workload"]["duration_s"] = 40 * 86400;
  write_json(dir, "scenario.json", scenario);
  SECTION("auto, stderr a file: a line per tenth of the simulated time, from the first second on") {
    const pid_t pid = spawn_in(dir.path(), {"run", "scenario.json"}, dir.file("err.txt"));
    for (int i = 0;
         i < 3000 && read_file(dir.file("err.txt")).find("servesim: progress ") == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ::kill(pid, SIGINT);
    CHECK(wait_status(pid) == 130);
    const std::string err = user_stderr(read_file(dir.file("err.txt")));
    CHECK_THAT(err, Catch::StartsWith("servesim: progress "));
    CHECK_THAT(err, Catch::Contains("0% (simulated "));  // whole tenths
    CHECK_THAT(err, Catch::Contains(" of 960.0 h, all candidates; "));
    CHECK_THAT(err, Catch::EndsWith("servesim: interrupted (SIGINT): nothing was written\n"));
    CHECK(err.find('\r') == std::string::npos);  // no bar drawn in place
    CHECK(entries_with(dir.path(), ".tmp-").empty());
  }
  SECTION("none: nothing but the interruption") {
    const pid_t pid = spawn_in(dir.path(), {"run", "scenario.json", "--progress=none"}, dir.file("err.txt"));
    for (int i = 0; i < 300 && entries_with(dir.file("out"), ".tmp-").empty(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // past the first second of the run
    ::kill(pid, SIGTERM);
    CHECK(wait_status(pid) == 143);
    CHECK(user_stderr(read_file(dir.file("err.txt"))) ==
          "servesim: interrupted (SIGTERM): nothing was written\n");
  }
  SECTION("a value it does not know is bad input") {
    const Outcome o = run_in(dir.path(), "run scenario.json --progress=sometimes");
    CHECK(o.status == 2);
    CHECK(o.err ==
          "servesim: command line: --progress expects auto, bar, lines or none, got 'sometimes' (see "
          "--help)\n");
  }
}

TEST_CASE("cli::TimeseriesWriter: 200 candidates run with 64 open files allowed") {
  TempDir dir;
  nlohmann::json sc = small_scenario("many");
  sc["candidates"] = nlohmann::json::array();
  for (int i = 0; i < 200; ++i)
    sc["candidates"].push_back(
        {{"name", "c" + std::to_string(i)}, {"platform", "aws-lambda"}, {"memory_mb", 512 + 8 * i}});
  write_json(dir, "scenario.json", sc);
  const auto r = run_in(dir.path(), "run scenario.json --quiet", "ulimit -n 64 && ");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const std::string csv = read_file(dir.file("out/many/timeseries.csv"));
  CHECK(count_lines(csv) == 1 + 200 * 2);  // header, then 2 one-minute intervals per candidate
  CHECK(csv.find("\nc0,") < csv.find("\nc1,"));
  CHECK(csv.find("\nc198,") < csv.find("\nc199,"));
  CHECK(entries_with(dir.path(), ".part").empty());
}
