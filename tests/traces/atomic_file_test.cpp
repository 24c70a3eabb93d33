// write_file_atomically: content lands, replaces old content, leaves no temp file,
// creates parent directories and reports failures with the path.
#include "core/atomic_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace lcperf::core {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lcperf_atomic_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(AtomicFile, CreatesParentsAndWritesContent) {
  const fs::path path = dir_ / "a" / "b" / "result.json";
  write_file_atomically(path.string(), "hello\n");
  EXPECT_EQ(read_all(path), "hello\n");
}

TEST_F(AtomicFile, ReplacesContentAndLeavesNoTempFile) {
  const fs::path path = dir_ / "out.csv";
  write_file_atomically(path.string(), std::string(10000, 'x'));
  write_file_atomically(path.string(), "short");
  EXPECT_EQ(read_all(path), "short");
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    ++entries;
    EXPECT_EQ(entry.path().filename(), "out.csv");
  }
  EXPECT_EQ(entries, 1);
}

TEST_F(AtomicFile, WritesEmptyAndBinaryContent) {
  const fs::path path = dir_ / "bin";
  write_file_atomically(path.string(), "");
  EXPECT_EQ(read_all(path), "");
  const std::string binary("a\0b\nc", 5);
  write_file_atomically(path.string(), binary);
  EXPECT_EQ(read_all(path), binary);
}

TEST_F(AtomicFile, FailureNamesThePath) {
  // A regular file where a directory should be: the parent cannot be created.
  fs::create_directories(dir_);
  write_file_atomically((dir_ / "blocker").string(), "x");
  const std::string path = (dir_ / "blocker" / "result.json").string();
  try {
    write_file_atomically(path, "content");
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace lcperf::core
