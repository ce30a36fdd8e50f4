// docs/errors.md is a catalogue of bad inputs with the exact message servesim prints for each. This test
// walks its ```errcase blocks, so that the document cannot drift from the program: for every case it writes
// the files the block gives into a fresh folder, runs the command there, and checks exit status 2, exactly
// one line on stderr equal to the documented one, and that nothing was written (no output folder, no
// temporary).
//
// Block format (one case per block; the "### " heading above it is its title):
//   --- NAME        starts a file called NAME; the lines up to the next "--- " or "$ " line are its contents
//                   (each ended by a newline; no lines = an empty file). NAME may name a folder too
//                   (notes/a.txt): the folder is made.
//   $ servesim ARGS the command, run in the case's folder
//   LINE            the one line expected on stderr (the last line of the block)
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "support/sim_harness.hpp"

using servesim::test::read_file;
using servesim::test::TempDir;
namespace fs = std::filesystem;

namespace {

struct ErrorCase {
  std::string title;
  int line = 0;  // of the opening fence in docs/errors.md
  std::vector<std::pair<std::string, std::string>> files;
  std::string args;
  std::string expected_stderr;
};

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// The cases of the catalogue, in order. Fails the test (with the line) on a malformed block.
std::vector<ErrorCase> read_catalog(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::vector<ErrorCase> cases;
  std::string title, text;
  int line_number = 0;
  while (std::getline(in, text)) {
    ++line_number;
    if (starts_with(text, "### ")) title = text.substr(4);
    if (text != "```errcase") continue;
    ErrorCase c{title, line_number, {}, {}, {}};
    bool has_command = false, has_stderr = false, is_closed = false;
    while (std::getline(in, text)) {
      ++line_number;
      INFO(path << ":" << line_number << ": " << text);
      if (text == "```") {
        is_closed = true;
        break;
      }
      REQUIRE_FALSE(has_stderr);  // the expected line must be the block's last
      if (has_command) {
        c.expected_stderr = text;
        has_stderr = true;
      } else if (starts_with(text, "$ servesim")) {
        c.args = text.substr(10);
        has_command = true;
      } else if (starts_with(text, "--- ")) {
        c.files.emplace_back(text.substr(4), "");
      } else {
        REQUIRE_FALSE(c.files.empty());  // contents before any "--- NAME" line
        c.files.back().second += text + "\n";
      }
    }
    INFO(path << ":" << c.line << ": " << c.title);
    REQUIRE(is_closed);
    REQUIRE(has_command);
    REQUIRE(has_stderr);
    cases.push_back(std::move(c));
  }
  return cases;
}

std::set<std::string> names_in(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename().string());
  return names;
}

}  // namespace

TEST_CASE("cli::errors_catalog: every documented bad input gives its documented line and exit status 2") {
  const char* bin = std::getenv("SERVESIM_BIN");
  const std::string exe = fs::absolute(bin ? bin : "build/cli/servesim").string();
  const auto cases = read_catalog("docs/errors.md");
  CHECK(cases.size() >= 20);
  for (const auto& c : cases) {
#ifndef SERVESIM_HAVE_MODELS
    // Built without the model tests (the sanitizer build, SERVESIM_TEST_MODELS=OFF): the model commands are
    // not checked here (their inputs are fuzzed there; the normal build checks these cases).
    if (c.args.rfind(" models ", 0) == 0 || c.args.rfind(" inspect ", 0) == 0 ||
        c.args.rfind(" profile ", 0) == 0) {
      WARN("docs/errors.md:" << c.line << " needs models/ (ONNX), which this build leaves out");
      continue;
    }
#endif
    DYNAMIC_SECTION("docs/errors.md:" << c.line << ": " << c.title) {
      TempDir dir, capture;  // outputs captured outside the case's folder, so that it must stay as written
      std::set<std::string> written;
      for (const auto& [name, contents] : c.files) {
        fs::create_directories(fs::path(dir.file(name)).parent_path());
        dir.write(name, contents);
        written.insert(fs::path(name).begin()->string());
      }
      const std::string out = capture.file("stdout.txt"), err = capture.file("stderr.txt");
      const int rc = std::system(
          ("cd '" + dir.path() + "' && '" + exe + "'" + c.args + " >'" + out + "' 2>'" + err + "' </dev/null")
              .c_str());
      INFO("servesim" << c.args);
      CHECK((WIFEXITED(rc) ? WEXITSTATUS(rc) : -1) == 2);
      // A case that fails inside a simulation (a trace row read during the replay) ends SimGrid actors, whose
      // stack unwinding a sanitizer build notes on stderr: not part of the message.
      CHECK(servesim::test::user_stderr(read_file(err)) == c.expected_stderr + "\n");
      CHECK(names_in(dir.path()) == written);
    }
  }
}
