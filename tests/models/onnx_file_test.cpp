// read_onnx on hostile files: external data must resolve inside the model's folder and be a regular file, and
// every tensor's declared size must match the data the file holds for it, before anything is allocated.
#include "models/onnx_file.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "core/input_error.hpp"
#include "models/graph_builder.hpp"
#include "models/weight_quantizer.hpp"
#include "test_dir.hpp"

using namespace servesim::models;
namespace fs = std::filesystem;

namespace {

// A folder of its own per case: <scratch>/<name>/, emptied first.
fs::path case_dir(const std::string& name) {
  const fs::path dir = servesim::models::test::scratch_dir() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// y = x * w with w float32[16] (64 bytes). `edit` changes w before the model is written to dir/m.onnx.
template <class Edit>
std::string mul_model(const fs::path& dir, Edit edit) {
  GraphBuilder b("mul", 3, true);
  b.add_input("x", onnx::TensorProto::FLOAT, {16});
  const std::string w = b.weight("w", {16}, 1.0f);
  b.node("Mul", {"x", w});
  b.last_node().set_output(0, "y");
  b.add_output("y", onnx::TensorProto::FLOAT, {16});
  onnx::ModelProto model = b.finish(13, "mul");
  model.mutable_graph()->mutable_initializer(0)->set_name("w");
  model.mutable_graph()->mutable_node(0)->set_input(1, "w");
  edit(*model.mutable_graph()->mutable_initializer(0));
  const std::string path = (dir / "m.onnx").string();
  write_onnx(model, path);
  return path;
}

// Moves w's 64 bytes to external data at `location` (relative to the model's folder), written to `file`.
auto external_at(const std::string& location, const fs::path& file) {
  return [=](onnx::TensorProto& w) {
    if (!file.empty()) std::ofstream(file, std::ios::binary) << w.raw_data();
    w.clear_raw_data();
    w.set_data_location(onnx::TensorProto::EXTERNAL);
    auto* entry = w.add_external_data();
    entry->set_key("location");
    entry->set_value(location);
  };
}

void check_refused(const std::string& path, const std::string& message) {
  CHECK_THROWS_AS(read_onnx(path), servesim::InputError);
  CHECK_THROWS_WITH(read_onnx(path), path + ": " + message);
}

}  // namespace

TEST_CASE("models::OnnxFile: external data must resolve inside the model's folder") {
  SECTION("a file in the folder or a subfolder, directly or through a symbolic link inside, is read") {
    const fs::path dir = case_dir("inside");
    fs::create_directories(dir / "weights");
    const std::string path = mul_model(dir, external_at("weights/w.bin", dir / "weights" / "w.bin"));
    CHECK(read_onnx(path, ExternalData::kLoad).model.graph().initializer(0).raw_data().size() == 64);
    fs::create_symlink("weights/w.bin", dir / "link.bin");
    const std::string linked = mul_model(dir, external_at("link.bin", ""));
    CHECK(read_onnx(linked).external_data_bytes == 64);
  }
  SECTION("an absolute location") {
    const fs::path dir = case_dir("absolute");
    check_refused(mul_model(dir, external_at("/etc/passwd", "")),
                  "initializer \"w\": external data location \"/etc/passwd\" is outside the model's folder");
  }
  SECTION("a location with ..") {
    const fs::path dir = case_dir("dotdot");
    // the file exists beside the folder: the location is refused by its form, before it is looked up
    std::ofstream(dir.parent_path() / "outside.bin", std::ios::binary) << std::string(64, 'x');
    check_refused(
        mul_model(dir, external_at("../outside.bin", "")),
        "initializer \"w\": external data location \"../outside.bin\" is outside the model's folder");
    check_refused(
        mul_model(dir, external_at("sub/../../outside.bin", "")),
        "initializer \"w\": external data location \"sub/../../outside.bin\" is outside the model's "
        "folder");
  }
  SECTION("a symbolic link in the folder that leads outside it") {
    const fs::path dir = case_dir("symlink");
    const fs::path target = dir.parent_path() / "secret.bin";
    std::ofstream(target, std::ios::binary) << std::string(64, 's');
    fs::create_symlink(target, dir / "w.bin");
    const std::string path = mul_model(dir, external_at("w.bin", ""));
    check_refused(path, "initializer \"w\": external data location \"w.bin\" resolves to \"" +
                            servesim::excerpt(fs::canonical(target).string()) +
                            "\", outside the model's folder");
    // a folder that is a link leading out is refused the same way
    fs::create_directory_symlink(dir.parent_path(), dir / "up");
    const std::string through_folder = mul_model(dir, external_at("up/secret.bin", ""));
    CHECK_THROWS_WITH(read_onnx(through_folder), Catch::Contains("outside the model's folder"));
  }
  SECTION("a FIFO, which would block the reader, and a folder") {
    const fs::path dir = case_dir("fifo");
    REQUIRE(mkfifo((dir / "w.bin").c_str(), 0600) == 0);
    check_refused(mul_model(dir, external_at("w.bin", "")),
                  "initializer \"w\": external data location \"w.bin\" is not a regular file");
    fs::create_directory(dir / "folder");
    check_refused(mul_model(dir, external_at("folder", "")),
                  "initializer \"w\": external data location \"folder\" is not a regular file");
  }
  SECTION("missing, empty or odd locations") {
    const fs::path dir = case_dir("missing");
    check_refused(mul_model(dir, external_at("w.bin", "")),
                  "initializer \"w\": external data location \"w.bin\" does not exist in the model's folder");
    check_refused(mul_model(dir, external_at("", "")), "initializer \"w\": external data has no location");
    check_refused(mul_model(dir, external_at(std::string("w\0.bin", 6), "")),
                  "initializer \"w\": external data location \"w\\x00.bin\" is not a file name");
  }
}

TEST_CASE("models::OnnxFile: declared tensor sizes must match the data in the file") {
  const fs::path dir = case_dir("sizes");
  SECTION("100 GiB declared, no data") {
    const std::string path = mul_model(dir, [](onnx::TensorProto& w) {
      w.clear_raw_data();
      w.clear_dims();
      for (const std::int64_t d : {1024, 1024, 25600}) w.add_dims(d);
    });
    check_refused(path,
                  "initializer \"w\": dims [1024, 1024, 25600] declare 26843545600 float32 elements "
                  "(107374182400 bytes), but the file holds no data for it");
  }
  SECTION("raw data shorter than declared") {
    const std::string path =
        mul_model(dir, [](onnx::TensorProto& w) { w.set_raw_data(std::string(60, '\0')); });
    check_refused(
        path,
        "initializer \"w\": dims [16] declare 16 float32 elements (64 bytes), but its raw data is 60 "
        "bytes");
  }
  SECTION("typed data of another length") {
    const std::string path = mul_model(dir, [](onnx::TensorProto& w) {
      w.clear_raw_data();
      for (int i = 0; i < 3; ++i) w.add_float_data(1.0f);
    });
    check_refused(
        path,
        "initializer \"w\": dims [16] declare 16 float32 elements (64 bytes), but it has 3 float_data "
        "values");
  }
  SECTION("typed data of the declared length is read") {
    const std::string path = mul_model(dir, [](onnx::TensorProto& w) {
      w.clear_raw_data();
      for (int i = 0; i < 16; ++i) w.add_float_data(1.0f);
    });
    CHECK_NOTHROW(read_onnx(path));
  }
  SECTION("negative and overflowing dims, unknown data type") {
    check_refused(mul_model(dir, [](onnx::TensorProto& w) { w.set_dims(0, -16); }),
                  "initializer \"w\": dims [-16] have a negative dim");
    check_refused(mul_model(dir,
                            [](onnx::TensorProto& w) {
                              w.clear_dims();
                              for (const std::int64_t d : {1ll << 32, 1ll << 32, 16ll}) w.add_dims(d);
                            }),
                  "initializer \"w\": dims [4294967296, 4294967296, 16] declare more than 2^64 - 1 bytes of "
                  "float32");
    check_refused(mul_model(dir, [](onnx::TensorProto& w) { w.set_data_type(0); }),
                  "initializer \"w\": unknown data type 0");
  }
  SECTION("external data of another length than declared") {
    const std::string path = mul_model(dir, [&](onnx::TensorProto& w) {
      external_at("w.bin", dir / "w.bin")(w);
      w.set_dims(0, 1 << 20);  // 4 MiB declared, 64 bytes in the file
    });
    check_refused(
        path,
        "initializer \"w\": dims [1048576] declare 4194304 bytes of float32, but its external data is "
        "64 bytes");
  }
  SECTION("an external range past the end of the file") {
    const std::string path = mul_model(dir, [&](onnx::TensorProto& w) {
      external_at("w.bin", dir / "w.bin")(w);
      auto* length = w.add_external_data();
      length->set_key("length");
      length->set_value("100000000000");
    });
    check_refused(
        path,
        "initializer \"w\": external data offset 0 + length 100000000000 pass the end of \"w.bin\" (64 "
        "bytes)");
  }
  SECTION("a Constant node's tensor is checked too") {
    GraphBuilder b("constant", 1, true);
    b.node("Constant", {});
    b.last_node().set_output(0, "y");
    auto* value = b.last_node().add_attribute();
    value->set_name("value");
    value->set_type(onnx::AttributeProto::TENSOR);
    value->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
    for (const std::int64_t d : {100000, 100000}) value->mutable_t()->add_dims(d);
    b.add_output("y", onnx::TensorProto::FLOAT, {100000, 100000});
    onnx::ModelProto model = b.finish(13, "constant");
    const std::string path = (dir / "constant.onnx").string();
    write_onnx(model, path);
    check_refused(
        path,
        "node \"Constant_0\" (Constant) attribute \"value\": dims [100000, 100000] declare 10000000000 "
        "float32 elements (40000000000 bytes), but the file holds no data for it");
  }
}

TEST_CASE("models::OnnxFile: external data loaded stays within the memory budget") {
  const fs::path dir = case_dir("budget");
  const std::string path = mul_model(dir, external_at("w.bin", dir / "w.bin"));
  CHECK(read_onnx(path, ExternalData::kLoad, 64).model.graph().initializer(0).raw_data().size() == 64);
  CHECK_THROWS_WITH(
      read_onnx(path, ExternalData::kLoad, 63),
      path +
          ": initializer \"w\": its 64 bytes of external data would bring the weights loaded to 64 "
          "bytes, above the memory budget of 63 bytes");
  CHECK_NOTHROW(read_onnx(path, ExternalData::kCheck, 63));  // checking reads no weights
}
