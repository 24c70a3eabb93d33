// timeseries.csv from engine samples: every step when an instance has few, one row per
// time bucket (the bucket's last step) when it has many, rows in time order.
#include "runs/serving_timeseries.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace lcperf::runs {
namespace {

using schedulers::serving::EngineSample;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(ServingTimeseries, FewStepsGiveOneRowPerStepInTimeOrder) {
  const std::vector<EngineSample> a = {{0.5, 2, 1, 10}, {1.5, 3, 0, 12}};
  const std::vector<EngineSample> b = {{1.0, 1, 0, 4}, {1.5, 1, 0, 0}};
  const std::string csv = timeseries_csv({{0, 100, a}, {1, 50, b}});
  EXPECT_EQ(lines(csv), (std::vector<std::string>{"time_s,instance,running,waiting,kv_used_blocks,kv_total_blocks",
                                                  "0.5,0,2,1,10,100", "1,1,1,0,4,50", "1.5,0,3,0,12,100",
                                                  "1.5,1,1,0,0,50"}));
}

TEST(ServingTimeseries, ManyStepsGiveTheLastStepOfEachBucket) {
  // 1000 steps, one every 0.01 s up to 10 s, into 100 buckets of 0.1 s: ten steps each
  // (times k x 0.01 for k = 1..1000; bucket b holds (0.1 b, 0.1 (b+1)] up to rounding).
  std::vector<EngineSample> many;
  for (int k = 1; k <= 1000; ++k) many.push_back({k * 0.01, k, 0, 1000 - k});
  const std::vector<EngineSample> few = {{2.0, 1, 0, 3}};
  const std::vector<std::string> rows = lines(timeseries_csv({{0, 1000, many}, {1, 9, few}}, 100));
  int instance0 = 0;
  int last_running = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    std::istringstream in(rows[i]);
    double time = 0;
    char comma = 0;
    int instance = 0;
    int running = 0;
    in >> time >> comma >> instance >> comma >> running;
    if (instance != 0) continue;
    ++instance0;
    EXPECT_GT(running, last_running);  // one row per bucket, in time order
    last_running = running;
  }
  // Every bucket of the span [0, 10] holds steps: one row each (the few-step instance
  // keeps its single row), and the run's last state is the last row.
  EXPECT_EQ(instance0, 100);
  EXPECT_EQ(rows.size(), 1u + 100u + 1u);
  EXPECT_EQ(rows.back(), "10,0,1000,0,0,1000");
}

}  // namespace
}  // namespace lcperf::runs
