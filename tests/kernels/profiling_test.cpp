#include <gtest/gtest.h>

#include <thread>

#include "kernels/profiling.hpp"

namespace lcperf::kernels {
namespace {

TEST(Profiling, MedianAndRotation) {
  EXPECT_EQ(median_of({5, 1, 3}), 3);
  EXPECT_EQ(median_of({4, 1, 3, 2}), 2.5);
  ProfileOptions options;
  options.cache_bytes = 1000;
  options.max_copies = 8;
  EXPECT_EQ(rotation_copies(500, options), 4);   // 2 x cache / bytes
  EXPECT_EQ(rotation_copies(5000, options), 1);  // already larger than the cache
  EXPECT_EQ(rotation_copies(10, options), 8);    // capped
}

TEST(Profiling, TimesEveryCaseAndWritesTableRows) {
  int prepared = 0, calls = 0;
  std::vector<int> copies_seen;
  ProfileCase slow;
  slow.op_class = "gemm";
  slow.shape_json = R"({"m": 64, "n": 64, "k": 64, "dtype": "fp32"})";
  slow.bytes_per_call = std::size_t{1} << 20;
  slow.prepare = [&](int copies) { prepared = copies; };
  slow.run = [&](int copy) {
    ++calls;
    copies_seen.push_back(copy);
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  };
  ProfileCase other = slow;
  other.op_class = "elementwise";
  other.shape_json = R"({"kind": "rmsnorm", "elements": 4096})";
  ProfileOptions options;
  options.warmup = 2;
  options.repetitions = 5;
  options.cache_bytes = std::size_t{2} << 20;
  auto timer = make_steady_timer();
  const auto results = profile_cases({slow, other}, options, *timer);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(prepared, 4);
  EXPECT_EQ(calls, 2 * (2 + 5));
  EXPECT_EQ(copies_seen[0], 0);
  EXPECT_EQ(copies_seen[5], 1);  // rotation wraps
  EXPECT_GE(results[0].median_s, 150e-6);
  EXPECT_LE(results[0].min_s, results[0].median_s);
  const std::string json = profile_tables_json(results);
  EXPECT_NE(json.find("\"gemm\": {\"table\": ["), std::string::npos) << json;
  EXPECT_NE(json.find("{\"shape\": {\"m\": 64, \"n\": 64, \"k\": 64, \"dtype\": \"fp32\"}, \"time_s\": "), std::string::npos) << json;
  EXPECT_NE(json.find("\"elementwise\": {\"table\": ["), std::string::npos) << json;
}

}  // namespace
}  // namespace lcperf::kernels
