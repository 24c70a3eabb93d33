// The bounded reader (core/input_file.hpp) and the JSON reader's refusals that come with
// it: size limits checked before and while reading, folders and devices refused, numbers
// beyond a double and duplicate keys placed at their line and column.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/input_file.hpp"
#include "core/strict_json.hpp"

namespace lcperf::core {
namespace {

namespace fs = std::filesystem;

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

class InputFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lcperf_input_file_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(InputFile, ReadsAFileUpToTheLimitAndRefusesOneByteMore) {
  const fs::path file = dir_ / "f.txt";
  std::ofstream(file) << std::string(1000, 'a');
  EXPECT_EQ(read_input_file(file.string(), 1000).size(), 1000u);
  EXPECT_NE(error_of([&] { read_input_file(file.string(), 999); }).find("over the input limit"), std::string::npos);
}

TEST_F(InputFile, APipeIsReadUnderTheSameLimit) {
  const fs::path fifo = dir_ / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream(fifo) << std::string(5000, 'b'); });
  const std::string message = error_of([&] { read_input_file(fifo.string(), 4096); });
  writer.join();
  EXPECT_NE(message.find("longer than the input limit"), std::string::npos) << message;
  std::thread small_writer([&] { std::ofstream(fifo) << "{}"; });
  EXPECT_EQ(read_input_file(fifo.string(), 4096), "{}");
  small_writer.join();
}

TEST_F(InputFile, FoldersDevicesAndMissingFilesAreNamed) {
  EXPECT_EQ(error_of([&] { read_input_file(dir_.string(), 100); }), dir_.string() + ": is a folder, not a file");
  EXPECT_NE(error_of([] { read_input_file("/dev/zero", 100); }).find("/dev/zero: is a device"), std::string::npos);
  const std::string missing = (dir_ / "none.json").string();
  EXPECT_NE(error_of([&] { read_input_file(missing, 100); }).find(missing + ": cannot read file"), std::string::npos);
  const std::string long_name = (dir_ / std::string(5000, 'n')).string();
  const std::string message = error_of([&] { read_input_file(long_name, 100); });
  EXPECT_NE(message.find("characters): cannot read file (File name too long)"), std::string::npos) << message;
  EXPECT_LT(message.size(), 400u);
}

TEST(StrictJsonInput, NumbersBeyondADoubleArePlaced) {
  EXPECT_EQ(error_of([] { parse_json("{\n \"a\": [1, -1e309]}", "f.json"); }),
            "f.json:2:11: number '-1e309' is out of range (JSON numbers must fit a double, |x| < 1.8e308)");
  // The largest double still parses.
  EXPECT_EQ(parse_json("1.7976931348623157e308", "f.json").get<double>(), 1.7976931348623157e308);
}

TEST(StrictJsonInput, DuplicateKeysAreRefusedAtAnyDepthWithBothPlaces) {
  EXPECT_EQ(error_of([] { parse_json("{\"a\": 1, \"a\": 2}", "f.json"); }),
            "f.json:1:10: $: duplicate key 'a' (first at 1:2); each key may appear once");
  EXPECT_EQ(error_of([] { parse_json("{\"x\": [{}, {\"b\": {\"c\": 1, \"c\": 1}}]}", "f.json"); }),
            "f.json:1:27: $.x[1].b: duplicate key 'c' (first at 1:19); each key may appear once");
  // The same key in sibling objects is no duplicate.
  EXPECT_NO_THROW(parse_json("{\"x\": [{\"a\": 1}, {\"a\": 2}], \"y\": {\"a\": 3}}", "f.json"));
}

TEST(StrictJsonInput, RangeBelowExcludesItsMaximum) {
  const Range share = Range::non_negative().below(1.0);
  EXPECT_EQ(share.violation(0.999), std::nullopt);
  EXPECT_EQ(share.violation(0.0), std::nullopt);
  EXPECT_EQ(share.violation(1.0), "must be less than 1");
}

}  // namespace
}  // namespace lcperf::core
