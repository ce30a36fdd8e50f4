// open_input's stream: a file read whole through its buffer, refusals named by the path.
#include "core/input_file.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "core/input_error.hpp"

namespace fs = std::filesystem;

namespace {

// A folder of its own under the system's temporary folder, removed with everything in it.
struct ScratchDir {
  fs::path path = fs::temp_directory_path() / ("servesim_core_test_" + std::to_string(::getpid()));
  ScratchDir() { fs::create_directories(path); }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

std::string read_all(std::istream& in) {
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("core::open_input: a regular file is read whole, also across buffer refills") {
  ScratchDir dir;
  SECTION("an empty file") {
    const auto in = servesim::core::open_input(dir.write("empty.txt", ""), "file");
    CHECK(in->peek() == std::char_traits<char>::eof());
    CHECK(in->eof());
  }
  SECTION("a file of 1 MB plus a few bytes, with NUL bytes and lines") {
    std::string text;
    for (size_t i = 0; text.size() < (1u << 20) + 7; ++i) text += std::to_string(i) + '\0' + "\n";
    const auto in = servesim::core::open_input(dir.write("big.bin", text), "file");
    CHECK(read_all(*in) == text);
  }
  SECTION("getline and read() see the same bytes") {
    const auto in = servesim::core::open_input(dir.write("lines.txt", "first\nsecond\nthird"), "file");
    std::string line;
    REQUIRE(std::getline(*in, line));
    CHECK(line == "first");
    char rest[32] = {};
    in->read(rest, sizeof rest);
    CHECK(std::string(rest, static_cast<size_t>(in->gcount())) == "second\nthird");
  }
}

TEST_CASE("core::open_input: what is not a readable regular file is refused, naming the path") {
  ScratchDir dir;
  const std::string folder = dir.path.string();
  CHECK_THROWS_AS(servesim::core::open_input(folder, "the trace"), servesim::InputError);
  CHECK_THROWS_WITH(servesim::core::open_input(folder, "the trace"),
                    folder + ": cannot open the trace: a directory, not a regular file");
  CHECK_THROWS_WITH(servesim::core::open_input(folder + "/missing.txt", "file"),
                    folder + "/missing.txt: cannot open file");
}
