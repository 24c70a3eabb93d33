// The data root (core/data_root.hpp): LCPERF_HOME when it holds data, else next to the
// program (here a test binary inside the build folder, so the source tree above it).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/data_root.hpp"
#include "core/scenario.hpp"

namespace lcperf::core {
namespace {

namespace fs = std::filesystem;

class DataRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("LCPERF_HOME");
    unsetenv("LCPERF_DATA_DIR");
    root_ = fs::temp_directory_path() / ("lcperf_data_root_test_" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override {
    unsetenv("LCPERF_HOME");
    fs::remove_all(root_);
  }
  fs::path root_;
};

TEST_F(DataRootTest, WithoutTheVariableTheSourceTreeAboveTheBuildFolderIsFound) {
  EXPECT_EQ(fs::canonical(data_root()), fs::canonical(LCPERF_SOURCE_DIR));
  EXPECT_EQ(fs::canonical(data_dir()), fs::canonical(fs::path(LCPERF_SOURCE_DIR) / "scenarios"));
}

TEST_F(DataRootTest, TheVariableWinsWhenItHoldsData) {
  fs::create_directories(root_ / "scenarios" / "models");
  fs::create_directories(root_ / "scenarios" / "hardware");
  setenv("LCPERF_HOME", root_.c_str(), 1);
  EXPECT_EQ(data_root(), root_.string());
  EXPECT_EQ(fs::path(data_dir()), root_ / "scenarios");
  unsetenv("LCPERF_HOME");  // read on every call, so unsetting it takes effect at once
  EXPECT_EQ(fs::canonical(data_root()), fs::canonical(LCPERF_SOURCE_DIR));
}

TEST_F(DataRootTest, AVariableNamingAFolderWithoutDataIsPassedOver) {
  fs::create_directories(root_ / "scenarios" / "models");  // no hardware/
  setenv("LCPERF_HOME", root_.c_str(), 1);
  EXPECT_EQ(fs::canonical(data_root()), fs::canonical(LCPERF_SOURCE_DIR));
}

TEST_F(DataRootTest, AnInstallPrefixNextToTheProgramComesBeforeTheCompiledInPlaces) {
  const std::vector<std::string> candidates = data_root_candidates();
  const fs::path program = fs::read_symlink("/proc/self/exe");
  const auto at = [&](const fs::path& p) { return std::find(candidates.begin(), candidates.end(), p.string()); };
  const auto beside = at(program.parent_path().parent_path() / "share" / "lcperf");  // PREFIX/bin/x -> PREFIX/share/lcperf
  ASSERT_NE(beside, candidates.end());
  ASSERT_GE(candidates.size(), 2U);
  EXPECT_EQ(candidates.back(), LCPERF_SOURCE_DIR);  // the source tree is the last resort
  EXPECT_LT(beside, candidates.end() - 2);          // and the install prefix the one before
}

}  // namespace
}  // namespace lcperf::core
