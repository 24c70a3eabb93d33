// Output sets (core/output_set.hpp): a run's files appear together or not at all, the
// previous set survives an uncommitted (failed, killed) run, files the set does not
// write are kept, and what dead processes left behind is cleaned up.
#include <gtest/gtest.h>

#include <unistd.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "core/errors.hpp"
#include "core/output_set.hpp"

namespace lcperf::core {
namespace {

namespace fs = std::filesystem;

struct Scratch {
  fs::path root = fs::temp_directory_path() / ("lcperf_output_set_" + std::to_string(::getpid()) + "_" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  Scratch() { fs::remove_all(root); fs::create_directories(root); }
  ~Scratch() { fs::remove_all(root); }
};

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
std::string read(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}
std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

// A pid that ran and is gone: a child that exited and was reaped.
long dead_pid() {
  const pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

TEST(OutputSet, NothingAppearsBeforeTheCommitAndEverythingAfter) {
  const Scratch s;
  const fs::path dir = s.root / "run";
  OutputSet set(dir);
  write(set.staged("result.json"), "{\"a\":1}");
  write(set.staged("memory.csv"), "t,bytes\n");
  EXPECT_FALSE(fs::exists(dir));
  set.commit();
  EXPECT_EQ(read(dir / "result.json"), "{\"a\":1}");
  EXPECT_EQ(read(dir / "memory.csv"), "t,bytes\n");
  EXPECT_EQ(set.published("result.json"), fs::absolute(dir / "result.json").lexically_normal());
}

TEST(OutputSet, ANewSetReplacesTheOldOneWholeAndKeepsFilesItDoesNotWrite) {
  const Scratch s;
  const fs::path dir = s.root / "run";
  fs::create_directories(dir / "plots");
  write(dir / "result.json", "old result");
  write(dir / "timeline.json", "old timeline");
  write(dir / "notes.txt", "mine");
  write(dir / "plots" / "a.svg", "<svg/>");
  {
    OutputSet set(dir);
    write(set.staged("result.json"), "new result");
    write(set.staged("timeline.json"), "new timeline");
    set.commit();
  }
  EXPECT_EQ(read(dir / "result.json"), "new result");
  EXPECT_EQ(read(dir / "timeline.json"), "new timeline");
  EXPECT_EQ(read(dir / "notes.txt"), "mine");
  EXPECT_EQ(read(dir / "plots" / "a.svg"), "<svg/>");
  EXPECT_EQ(entries(s.root), 1u) << "the previous set and the staging folder are gone";
}

TEST(OutputSet, AnUncommittedSetLeavesThePreviousOutputsUntouched) {
  const Scratch s;
  const fs::path dir = s.root / "run";
  fs::create_directories(dir);
  write(dir / "result.json", "old result");
  {
    OutputSet set(dir);
    write(set.staged("result.json"), "half a new res");
  }  // the run failed before committing
  EXPECT_EQ(read(dir / "result.json"), "old result");
  EXPECT_EQ(entries(dir), 1u);
  EXPECT_EQ(entries(s.root), 1u);
}

TEST(OutputSet, WhatDeadProcessesLeftIsRemovedAndALiveWritersIsNot) {
  const Scratch s;
  const fs::path dir = s.root / "run";
  fs::create_directories(dir);
  write(dir / "result.json", "old");
  const std::string dead = std::to_string(dead_pid());
  fs::create_directories(s.root / (".run.partial." + dead));
  write(s.root / (".run.partial." + dead) / "timeline.json", "half");
  write(dir / ("timeline.json.tmp." + dead), "half");
  const std::string alive = std::to_string(::getppid());
  write(dir / ("memory.csv.tmp." + alive), "being written");
  OutputSet set(dir);
  EXPECT_FALSE(fs::exists(s.root / (".run.partial." + dead)));
  EXPECT_FALSE(fs::exists(dir / ("timeline.json.tmp." + dead)));
  EXPECT_TRUE(fs::exists(dir / ("memory.csv.tmp." + alive)));
  EXPECT_EQ(read(dir / "result.json"), "old");
}

TEST(OutputSet, AFileInThePlaceOfTheFolderIsABadInput) {
  const Scratch s;
  write(s.root / "run", "a file");
  EXPECT_THROW(OutputSet(s.root / "run"), InputError);
}

}  // namespace
}  // namespace lcperf::core
