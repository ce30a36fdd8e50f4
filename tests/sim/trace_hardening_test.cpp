// Tests of the trace readers against hostile files: RFC 4180 quoting, byte order marks, counts that overflow,
// values too long to echo, paths with NUL bytes and files that are not regular files (FIFOs, directories).
#include <sys/stat.h>
#include <unistd.h>

#include <boost/iostreams/device/file.hpp>
#include <boost/iostreams/filter/bzip2.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "core/input_file.hpp"
#include "sim/arrival_source.hpp"
#include "sim/scenario.hpp"
#include "support/trace_files.hpp"

namespace fs = std::filesystem;
namespace io = boost::iostreams;
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using servesim::InputError;
using servesim::sim::count_arrivals;
using servesim::sim::make_arrival_source;
using servesim::sim::WorkloadSpec;

namespace {

// A folder for this test's trace files ("servesim-hardening-PID-N" under the temporary folder).
struct HardeningTraceDir : servesim::test::TraceDir {
  HardeningTraceDir() : TraceDir("hardening") {}
};
using servesim::test::rate_trace;
using servesim::test::request_trace;

struct KeyedArrival {
  double t_s;
  uint64_t key;
};

std::vector<KeyedArrival> keyed_arrivals(const WorkloadSpec& spec, uint64_t seed = 7) {
  auto source = make_arrival_source(spec, seed);
  std::vector<KeyedArrival> out;
  double t_s = 0;
  while (source->next(t_s)) out.push_back({t_s, source->key()});
  return out;
}

std::vector<double> times(const WorkloadSpec& spec) {
  std::vector<double> out;
  for (const KeyedArrival& a : keyed_arrivals(spec)) out.push_back(a.t_s);
  return out;
}

// The message count_arrivals throws for `spec` ("" if it throws nothing).
std::string error_of(const WorkloadSpec& spec) {
  try {
    count_arrivals(spec, 1);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("sim::RequestTraceSource: quoted fields follow RFC 4180") {
  HardeningTraceDir dir;
  SECTION("a quoted line break stays inside its field: two rows, two arrivals") {
    auto spec = request_trace(dir.write("nl.csv", "TIMESTAMP,prompt\n10,\"hello\nworld\"\n12,\"bye\"\n"));
    spec.key_column = "prompt";
    const auto got = keyed_arrivals(spec);
    REQUIRE(got.size() == 2);
    CHECK(got[0].t_s == 0.0);
    CHECK(got[1].t_s == 2.0);
    // The key is the field's whole value, line break included.
    auto same = request_trace(dir.write("plain.csv", "TIMESTAMP,prompt\n5,\"hello\nworld\"\n6,hello\n"));
    same.key_column = "prompt";
    const auto other = keyed_arrivals(same);
    REQUIRE(other.size() == 2);
    CHECK(other[0].key == got[0].key);
    CHECK(other[1].key != got[0].key);
  }
  SECTION("a doubled quote is one quote character, and quoted commas do not split") {
    auto spec = request_trace(dir.write(
        "dq.csv", "TIMESTAMP,prompt\n1,\"say \"\"hi\"\", then go\"\n2,say \"hi\", then go\n3,\"a,b\"\n"));
    spec.key_column = "prompt";
    const auto got = keyed_arrivals(spec);
    REQUIRE(got.size() == 3);
    // Row 2 writes `say "hi"` without quoting (a '"' inside an unquoted field is an ordinary character), and
    // its comma ends the field: row 1's value is `say "hi", then go`, row 2's is `say "hi"`.
    CHECK(got[0].key != got[1].key);
    auto unquoted =
        request_trace(dir.write("uq.csv", "TIMESTAMP,prompt\n1,\"say \"\"hi\"\"\"\n2,say \"hi\"\n"));
    unquoted.key_column = "prompt";
    const auto pair = keyed_arrivals(unquoted);
    REQUIRE(pair.size() == 2);
    CHECK(pair[0].key == pair[1].key);
  }
  SECTION("CRLF line ends, also inside a quoted field, give the same arrivals as LF") {
    const auto lf = times(request_trace(dir.write("lf.csv", "TIMESTAMP,note\n1,\"a\nb\"\n2.5,c\n4,\"d\"\n")));
    const auto crlf =
        times(request_trace(dir.write("crlf.csv", "TIMESTAMP,note\r\n1,\"a\r\nb\"\r\n2.5,c\r\n4,\"d\"\r\n")));
    CHECK(lf == std::vector<double>{0.0, 1.5, 3.0});
    CHECK(crlf == lf);
  }
  SECTION("errors name the physical line where the row starts") {
    const auto spec = request_trace(dir.write("lines.csv", "TIMESTAMP,note\n1,\"a\nb\nc\"\nx,y\n"));
    CHECK(error_of(spec) ==
          spec.path + ": line 5: expected a timestamp (seconds or YYYY-MM-DD HH:MM:SS.fff), got 'x'");
    const auto back = request_trace(dir.write("back.csv", "TIMESTAMP,note\n5,\"a\n\nb\"\n4,c\n"));
    CHECK(error_of(back) == back.path + ": line 5: timestamps must be non-decreasing");
  }
  SECTION("an unterminated quote is refused at the line where the field opens") {
    const auto spec = request_trace(dir.write("open.csv", "TIMESTAMP,note\n1,ok\n2,\"never closed\n3,x\n"));
    CHECK(error_of(spec) ==
          spec.path + ": line 3: unterminated quoted field: no closing '\"' before the end of the file");
    // The row starts on line 2; its second quoted field opens on line 3.
    const auto later = request_trace(dir.write("later.csv", "TIMESTAMP,a,b\n1,\"x\ny\",\"z\n"));
    CHECK(error_of(later) ==
          later.path + ": line 3: unterminated quoted field: no closing '\"' before the end of the file");
    const auto header = request_trace(dir.write("header.csv", "\"TIMESTAMP\n1\n2\n"));
    CHECK(error_of(header) ==
          header.path + ": line 1: unterminated quoted field: no closing '\"' before the end of the file");
  }
  SECTION("text after a closing quote is refused") {
    const auto spec = request_trace(dir.write("after.csv", "TIMESTAMP,note\n1,\"a\"b,c\n"));
    CHECK(error_of(spec) ==
          spec.path +
              ": line 2: column 2: expected ',' or the end of the row after a closing quote, got 'b'");
  }
  SECTION("blanks around a quoted field are not part of it") {
    auto spec = request_trace(dir.write("blanks.csv", "TIMESTAMP , id\n 1 ,  \"k\"  \n2,k\n"));
    spec.key_column = "id";
    const auto got = keyed_arrivals(spec);
    REQUIRE(got.size() == 2);
    CHECK(got[0].key == got[1].key);
  }
}

TEST_CASE("sim::RequestTraceSource: quoted fields across the 64 KiB block boundary") {
  HardeningTraceDir dir;
  // Rows whose quoted fields hold line breaks and doubled quotes, enough to cross several blocks at every
  // offset: each row must still be one arrival.
  std::string csv = "TIMESTAMP,note\n";
  const int rows = 20000;
  for (int i = 0; i < rows; ++i)
    csv += std::to_string(i) + ",\"line " + std::to_string(i) + "\n\"\"quoted\"\",\r\nmore\"\n";
  const auto spec = request_trace(dir.write("many.csv", csv));
  REQUIRE(count_arrivals(spec, 1) == static_cast<uint64_t>(rows));
  // A bad row near the end still names its own first line.
  const auto bad = request_trace(dir.write("bad.csv", csv + "oops,x\n"));
  CHECK(error_of(bad) == bad.path + ": line " + std::to_string(2 + 3 * rows) +
                             ": expected a timestamp (seconds or YYYY-MM-DD HH:MM:SS.fff), got 'oops'");
}

TEST_CASE("sim::TraceFile: a UTF-8 byte order mark is skipped in every trace format") {
  HardeningTraceDir dir;
  const std::string bom = "\xEF\xBB\xBF";
  SECTION("rate traces, plain and compressed") {
    const std::string text = "3 0 5\n2\n";
    const auto plain = times(rate_trace(dir.write("plain.txt", text)));
    REQUIRE(plain.size() == 10);
    CHECK(times(rate_trace(dir.write("bom.txt", bom + text))) == plain);
    CHECK(times(rate_trace(dir.write_compressed("bom.txt.gz", bom + text))) == plain);
    CHECK(times(rate_trace(dir.write_compressed("bom.txt.bz2", bom + text))) == plain);
  }
  SECTION("request traces, plain and compressed") {
    const std::string text = "TIMESTAMP,n\n1,a\n3,b\n";
    const auto plain = times(request_trace(dir.write("plain.csv", text)));
    REQUIRE(plain == std::vector<double>{0.0, 2.0});
    CHECK(times(request_trace(dir.write("bom.csv", bom + text))) == plain);
    CHECK(times(request_trace(dir.write_compressed("bom.csv.gz", bom + text))) == plain);
    CHECK(times(request_trace(dir.write_compressed("bom.csv.bz2", bom + text))) == plain);
  }
  SECTION("only at the start: a mark further on is a bad token") {
    const auto spec = rate_trace(dir.write("middle.txt", "3 " + bom + "4\n"));
    CHECK(error_of(spec) ==
          spec.path + ": token 2 (second 2): expected a non-negative integer, got '\\xef\\xbb\\xbf4'");
  }
  SECTION("a file that is only a mark is empty") {
    const auto spec = rate_trace(dir.write("only.txt", bom));
    CHECK(error_of(spec) == spec.path + ": the trace is empty");
  }
}

TEST_CASE("sim::RateTraceSource: a count times scale beyond what fits is refused with the numbers") {
  HardeningTraceDir dir;
  auto spec = rate_trace(dir.write("huge.txt", "0 999999999999999 7\n"));
  spec.scale = 1e9;
  // 10^24 arrivals in one second: beyond 2^64, it once wrapped to "0 arrivals".
  CHECK(error_of(spec) == spec.path +
                              ": second 2: count 999999999999999 × scale 1000000000 = 9.99999999999999e+23 "
                              "exceeds 10000000 arrivals in one second");
  spec.scale = 1;
  CHECK(error_of(spec) ==
        spec.path +
            ": second 2: count 999999999999999 × scale 1 = 999999999999999 exceeds 10000000 "
            "arrivals in one second");
  // At the limit it is accepted.
  spec.path = dir.write("edge.txt", "0 5000000\n");
  spec.scale = 2;
  CHECK(count_arrivals(spec, 1) == 10'000'000);
}

TEST_CASE("sim::ArrivalSource: error lines quote at most a short escaped excerpt of the file") {
  HardeningTraceDir dir;
  SECTION("a long bad token in a rate trace") {
    const auto spec = rate_trace(dir.write("long.txt", "1 2 " + std::string(1000, 'a') + "\n"));
    CHECK(error_of(spec) == spec.path + ": token 3 (second 3): expected a non-negative integer, got '" +
                                std::string(40, 'a') + "... (1000 bytes)'");
  }
  SECTION("a token longer than a block") {
    const auto spec = rate_trace(dir.write("block.txt", std::string(200'000, '9')));
    const std::string message = error_of(spec);
    CHECK_THAT(message, Contains("count '" + std::string(40, '9') + "... (over 65536 bytes)' is too large"));
    CHECK(message.size() < 200);
  }
  SECTION("control bytes and the start of a file that is no trace") {
    const auto spec = rate_trace(dir.write("passwd", "root:x:0:0:root:/root:/bin/bash\x1b[2J\nbin:x:1:1\n"));
    CHECK(error_of(spec) == spec.path +
                                ": token 1 (second 1): expected a non-negative integer, got "
                                "'root:x:0:0:root:/root:/bin/bash\\x1b[2J'");
  }
  SECTION("a 1 MB timestamp value in a request trace") {
    const auto spec =
        request_trace(dir.write("wide.csv", "TIMESTAMP\n1\n" + std::string(1'000'000, 'z') + "\n"));
    const std::string message = error_of(spec);
    CHECK_THAT(message, EndsWith("got '" + std::string(40, 'z') + "... (1000000 bytes)'"));
    CHECK(message.size() < 200);
  }
}

TEST_CASE("sim::RequestTraceSource: a header of 10^6 columns is read in linear time") {
  HardeningTraceDir dir;
  // Quadratic header handling took minutes here; a linear pass takes well under a second.
  const size_t columns = 1'000'000;
  std::string header;
  header.reserve(columns * 8);
  for (size_t i = 0; i + 1 < columns; ++i) header += "c" + std::to_string(i) + ",";
  std::string row(2 * (columns - 1), ',');
  for (size_t i = 0; i < row.size(); i += 2) row[i] = '0';
  const auto spec =
      request_trace(dir.write("wide.csv", header + "TIMESTAMP\n" + row + "1\n" + row + "2\n" + row + "4\n"));
  const auto start = std::chrono::steady_clock::now();
  CHECK(times(spec) == std::vector<double>{0.0, 1.0, 3.0});
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 20.0);
}

TEST_CASE("servesim::core::open_input: only regular files are opened, and nothing blocks") {
  HardeningTraceDir dir;
  SECTION("a FIFO is refused at once, without waiting for a writer") {
    const std::string fifo = (dir.path / "trace.fifo").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto result = std::async(std::launch::async, [&] { return error_of(rate_trace(fifo)); });
    const bool is_prompt = result.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    if (!is_prompt) {
      // Unblock the reader so that the test can fail instead of hanging.
      std::ofstream writer(fifo);
    }
    REQUIRE(is_prompt);
    CHECK(result.get() == fifo + ": cannot open file: a FIFO, not a regular file");
    auto csv = std::async(std::launch::async, [&] { return error_of(request_trace(fifo)); });
    REQUIRE(csv.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    CHECK(csv.get() == fifo + ": cannot open file: a FIFO, not a regular file");
  }
  SECTION("a directory and a device") {
    const std::string folder = dir.path.string();
    CHECK(error_of(rate_trace(folder)) == folder + ": cannot open file: a directory, not a regular file");
    CHECK(error_of(request_trace("/dev/null")) ==
          "/dev/null: cannot open file: a character device, not a regular file");
    REQUIRE_THROWS_WITH(servesim::sim::load_scenario(folder),
                        folder + ": cannot open file: a directory, not a regular file");
  }
  SECTION("a path with a NUL byte is refused and shown escaped") {
    dir.write("ok.txt", "1 2 3\n");
    const std::string path = (dir.path / "ok.txt").string() + std::string("\0.csv", 5);
    const std::string message = error_of(rate_trace(path));
    CHECK(message ==
          (dir.path / "ok.txt").string() + "\\x00.csv: cannot open file: the path contains a NUL byte");
    CHECK(std::strlen(message.c_str()) == message.size());  // nothing cut where the NUL was
  }
  SECTION("a missing file") {
    CHECK(error_of(rate_trace((dir.path / "nope.txt").string())) ==
          (dir.path / "nope.txt").string() + ": cannot open file");
  }
  SECTION("a regular file is read whole") {
    const auto in = servesim::core::open_input(dir.write("a.txt", "abc\ndef"), "file");
    std::string text((std::istreambuf_iterator<char>(*in)), std::istreambuf_iterator<char>());
    CHECK(text == "abc\ndef");
  }
}

TEST_CASE("sim::Scenario: a workload path with a NUL byte is refused where it enters") {
  const auto doc = nlohmann::json::parse(
      R"({"workload": {"type": "rate_trace", "path": "ok.txt\u0000.csv"},
          "service": {"warm": {"type": "constant", "value_ms": 20}},
          "candidates": [{"platform": "aws-lambda"}]})");
  REQUIRE_THROWS_WITH(
      servesim::sim::parse_scenario(doc, "s.json", "."),
      "s.json: /workload/path: expected a file path without NUL bytes, got \"ok.txt\\x00.csv\"");
}
