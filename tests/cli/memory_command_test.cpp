// `lcperf memory-study` through the real binary: the report's shape, the invariant that
// every reported peak fits the limit unless flagged OOM, determinism, and exit code 2 on
// bad input. Small settings (2 layers, a few steps, short context) keep each run well
// under a second.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli::testing {
namespace {

const char* const kStrategies[] = {"Megatron none", "Megatron selective", "Megatron full", "Planner, exact shapes",
                                   "Planner, symbolic shapes"};

// 3.8 GiB sits between the planners' floor and Megatron none's peak at 8K tokens for two
// llama3-8b layers on TP 2 + SP, so the limit binds: some cells are OOM, planners evict.
std::vector<std::string> small_args(const fs::path& out) {
  return {"memory-study", "--model",   "llama3-8b", "--dataset", "longalpaca-like", "--steps",      "6",
          "--micro-batches", "3",      "--layers",  "2",         "--tp",            "2",            "--sp",
          "--context",    "8192",      "--limit-gib", "3.8",     "--seed",          "7",            "--out",
          out.string()};
}

std::vector<std::string> split_cells(const std::string& row) {
  std::vector<std::string> cells;
  std::string cell;
  for (std::size_t i = 1; i < row.size(); ++i) {  // row starts with '|'
    if (row[i] == '|') {
      const auto b = cell.find_first_not_of(' ');
      const auto e = cell.find_last_not_of(' ');
      cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
      cell.clear();
    } else {
      cell += row[i];
    }
  }
  return cells;
}

// The data rows of the first Markdown table after `heading`.
std::vector<std::vector<std::string>> table_after(const std::string& text, const std::string& heading) {
  std::vector<std::vector<std::string>> rows;
  const auto at = text.find(heading);
  if (at == std::string::npos) return rows;
  std::istringstream in(text.substr(at));
  std::string line;
  bool in_table = false;
  int seen = 0;
  while (std::getline(in, line)) {
    if (line.rfind("|", 0) == 0) {
      in_table = true;
      if (++seen > 2) rows.push_back(split_cells(line));  // skip header and rule
    } else if (in_table) {
      break;
    }
  }
  return rows;
}

double limit_gib(const std::string& report) {
  for (const auto& row : table_after(report, "## Setup")) {
    if (row.size() == 2 && row[0] == "Activation limit") return std::strtod(row[1].c_str(), nullptr);
  }
  ADD_FAILURE() << "no Activation limit row";
  return 0;
}

TEST(MemoryStudy, WritesReportWithAllFiveStrategies) {
  const ScratchDir dir;
  const Invocation run = run_lcperf(small_args(dir / "study.md"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string report = read_file(dir / "study.md");
  for (const char* heading : {"# BladeDISC++ reproduction", "## Setup", "## Summary over all steps",
                              "## Symbolic vs exact-shape planning", "## Symbolic threshold S*", "## Per step",
                              "## What agrees and what disagrees"}) {
    EXPECT_NE(report.find(heading), std::string::npos) << heading;
  }
  EXPECT_NE(report.find("lcperf memory-study --model llama3-8b"), std::string::npos) << "the command is at the top";
  const auto summary = table_after(report, "## Summary over all steps");
  ASSERT_EQ(summary.size(), 5u);
  for (std::size_t i = 0; i < summary.size(); ++i) EXPECT_EQ(summary[i][0], kStrategies[i]);
  const auto steps = table_after(report, "## Per step");
  EXPECT_EQ(steps.size(), 6u);
}

TEST(MemoryStudy, EveryPeakFitsTheLimitOrIsFlaggedOom) {
  const ScratchDir dir;
  const Invocation run = run_lcperf(small_args(dir / "study.md"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string report = read_file(dir / "study.md");
  const double limit = limit_gib(report);
  ASSERT_GT(limit, 0);
  // Rounding to two decimals is monotone, so a peak <= limit prints <= the printed limit.
  int oom = 0;
  int planner_fits = 0;
  for (const auto& row : table_after(report, "## Per step")) {
    ASSERT_EQ(row.size(), 9u);
    for (std::size_t c = 4; c < row.size(); ++c) {
      const bool flagged = row[c].find("OOM") != std::string::npos;
      oom += flagged ? 1 : 0;
      if (!flagged) {
        EXPECT_LE(std::strtod(row[c].c_str(), nullptr), limit) << "step " << row[0] << " column " << c;
      }
      if (!flagged && c >= 7) ++planner_fits;
    }
  }
  EXPECT_GT(oom, 0) << "the limit should bind in this setting, else the check is empty";
  EXPECT_GT(planner_fits, 0) << "the planners should fit some steps by evicting";
}

TEST(MemoryStudy, SameSeedGivesIdenticalReports) {
  const ScratchDir dir;
  const fs::path out = dir / "study.md";
  ASSERT_EQ(run_lcperf(small_args(out)).exit_code, 0);
  const std::string first = read_file(out);
  ASSERT_EQ(run_lcperf(small_args(out)).exit_code, 0);
  EXPECT_EQ(read_file(out), first);
}

TEST(MemoryStudy, BadInputExitsTwoAndWritesNothing) {
  const ScratchDir dir;
  const fs::path out = dir / "study.md";
  const std::vector<std::vector<std::string>> bad = {
      {"--model", "no-such-model"}, {"--dataset", "no-such-dataset"}, {"--steps", "0"}, {"--steps", "-3"},
      {"--micro-batches", "0"},     {"--tp", "3"},                     {"--limit-gib", "-1"}};
  for (const auto& change : bad) {
    std::vector<std::string> args = small_args(out);
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == change[0]) args[i + 1] = change[1];
    }
    const Invocation run = run_lcperf(args);
    EXPECT_EQ(run.exit_code, 2) << change[0] << " " << change[1] << ": " << run.err;
    EXPECT_NE(run.err.find("lcperf: error:"), std::string::npos) << run.err;
    EXPECT_FALSE(fs::exists(out)) << change[0] << " " << change[1];
  }
}

TEST(MemoryStudy, HelpNamesTheStrategiesOptions) {
  const Invocation run = run_lcperf({"memory-study", "--help"});
  EXPECT_EQ(run.exit_code, 0);
  for (const char* word : {"--model", "--dataset", "--steps", "--seed", "--tp", "--sp", "--limit-gib", "--layers",
                           "--out", "Example"}) {
    EXPECT_NE(run.out.find(word), std::string::npos) << word;
  }
}

}  // namespace
}  // namespace lcperf::cli::testing
