// memory.csv: header plus one line per event, sorted by time then rank, totals intact.
#include "traces/memory_csv.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace lcperf::traces {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

core::RunRecords memory_records() {
  core::RunRecords records;
  // Deliberately out of order across ranks; rank 1's two events at t=0.5 keep theirs.
  records.memory.push_back({0.5, 1, core::MemoryTag::activations, 300, 1300});
  records.memory.push_back({0.5, 1, core::MemoryTag::activations, -100, 1200});
  records.memory.push_back({0.0, 1, core::MemoryTag::weights, 1000, 1000});
  records.memory.push_back({0.5, 0, core::MemoryTag::kv_cache, 1LL << 40, (1LL << 40) + 5});
  records.memory.push_back({0.0, 0, core::MemoryTag::weights, 5, 5});
  return records;
}

TEST(MemoryCsv, HeaderAndOneLinePerEvent) {
  const core::RunRecords records = memory_records();
  const auto lines = lines_of(memory_csv(records));
  ASSERT_EQ(lines.size(), records.memory.size() + 1);
  EXPECT_EQ(lines[0], "time_s,rank,tag,delta_bytes,total_bytes");
}

TEST(MemoryCsv, SortedByTimeThenRankWithTotalsIntact) {
  const auto lines = lines_of(memory_csv(memory_records()));
  const std::vector<std::string> expected = {
      "time_s,rank,tag,delta_bytes,total_bytes",
      "0.000000000,0,weights,5,5",
      "0.000000000,1,weights,1000,1000",
      "0.500000000,0,kv_cache,1099511627776,1099511627781",
      "0.500000000,1,activations,300,1300",
      "0.500000000,1,activations,-100,1200",
  };
  EXPECT_EQ(lines, expected);
}

TEST(MemoryCsv, TotalsAreTheRunningSumOfDeltasPerRank) {
  const auto lines = lines_of(memory_csv(memory_records()));
  std::map<int, long long> running;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::istringstream in(lines[i]);
    std::string time, rank, tag, delta, total;
    std::getline(in, time, ',');
    std::getline(in, rank, ',');
    std::getline(in, tag, ',');
    std::getline(in, delta, ',');
    std::getline(in, total, ',');
    running[std::stoi(rank)] += std::stoll(delta);
    EXPECT_EQ(running[std::stoi(rank)], std::stoll(total)) << lines[i];
  }
}

TEST(MemoryCsv, Deterministic) {
  EXPECT_EQ(memory_csv(memory_records()), memory_csv(memory_records()));
  EXPECT_EQ(memory_csv(core::RunRecords{}), "time_s,rank,tag,delta_bytes,total_bytes\n");
}

}  // namespace
}  // namespace lcperf::traces
