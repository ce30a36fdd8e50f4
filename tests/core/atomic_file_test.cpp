// Atomic writes (write to PATH.tmp-PID, then rename over PATH) replace only regular files: a device, a FIFO
// or a folder at PATH is refused and left as it was (as root, renaming over /dev/null replaces the device).
#include "core/atomic_file.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/input_error.hpp"

namespace fs = std::filesystem;

namespace {

struct AtomicScratchDir {
  fs::path path = fs::temp_directory_path() / ("servesim-atomic-" + std::to_string(::getpid()));
  AtomicScratchDir() { fs::create_directories(path); }
  ~AtomicScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("core::write_file_atomic: replaces a regular file, refuses a FIFO or a folder and leaves it") {
  AtomicScratchDir dir;
  SECTION("a regular file is replaced whole") {
    const std::string file = (dir.path / "a.json").string();
    std::ofstream(file) << "old";
    servesim::core::write_file_atomic(file, "new");
    std::stringstream text;
    text << std::ifstream(file).rdbuf();
    CHECK(text.str() == "new");
  }
  SECTION("a FIFO") {
    const std::string fifo = (dir.path / "pipe").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    REQUIRE_THROWS_AS(servesim::core::write_file_atomic(fifo, "x"), servesim::InputError);
    REQUIRE_THROWS_WITH(
        servesim::core::write_file_atomic(fifo, "x"),
        fifo +
            ": expected a regular file to write (servesim replaces only files), got a special "
            "file");
    CHECK(fs::is_fifo(fifo));
  }
  SECTION("a folder") {
    const std::string folder = (dir.path / "sub").string();
    fs::create_directories(folder + "/keep");
    REQUIRE_THROWS_AS(servesim::core::write_file_atomic(folder, "x"), servesim::InputError);
    CHECK(fs::is_directory(folder + "/keep"));
  }
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) <= 1);  // no .tmp left
}
