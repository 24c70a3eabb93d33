#pragma once
// Helpers for the length-distribution tests: shipped data paths and scratch files.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/errors.hpp"

namespace lcperf::traces::testing {

inline std::string shipped(const std::string& file) { return std::string(LCPERF_SOURCE_DIR) + "/traces/data/" + file; }

// A folder of this process's own, so concurrent test runs never share scratch files.
inline std::string scratch_dir() {
  const std::string dir = ::testing::TempDir() + "lcperf_lengths_" + std::to_string(::getpid()) + "/";
  std::filesystem::create_directories(dir);
  return dir;
}

// Writes `content` to scratch_dir()/name and returns the path.
inline std::string scratch_file(const std::string& name, const std::string& content) {
  const std::string path = scratch_dir() + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// The InputError message `action` throws; fails the test when it throws nothing.
template <typename Action>
std::string input_error_of(Action&& action) {
  try {
    action();
  } catch (const core::InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected core::InputError";
  return "";
}

}  // namespace lcperf::traces::testing
