#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

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
  options.min_cpu_share = 0;  // the stand-in kernel sleeps: keep every sample
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

// A timer that replays scripted (seconds, CPU share) samples.
class ScriptedTimer final : public IntervalTimer {
 public:
  explicit ScriptedTimer(std::vector<std::pair<double, double>> script) : script_(std::move(script)) {}
  void start() override {}
  double stop_seconds() override {
    const auto& [seconds, share] = script_.at(next_++);
    share_ = share;
    return seconds;
  }
  double last_cpu_share() const override { return share_; }
  std::size_t used() const { return next_; }

 private:
  std::vector<std::pair<double, double>> script_;
  std::size_t next_ = 0;
  double share_ = 1;
};

ProfileCase counting_case(int& calls) {
  ProfileCase c;
  c.op_class = "gemm";
  c.shape_json = "{}";
  c.run = [&calls](int) { ++calls; };
  return c;
}

// Samples during which the timing thread lost its core are set aside and taken again;
// the median comes from the unpreempted ones only.
TEST(Profiling, PreemptedSamplesAreTakenAgain) {
  ProfileOptions options;
  options.warmup = 0;
  options.repetitions = 3;
  options.min_cpu_share = 0.9;
  options.max_attempts = 4;
  ScriptedTimer timer({{1.0, 1.0}, {9.0, 0.4}, {2.0, 0.95}, {8.0, 0.5}, {3.0, 1.0}, {99.0, 1.0}});
  int calls = 0;
  const ProfileResult r = profile_cases({counting_case(calls)}, options, timer).front();
  EXPECT_EQ(calls, 5);  // three good samples needed five calls
  EXPECT_EQ(timer.used(), 5u);
  EXPECT_EQ(r.repetitions, 3);
  EXPECT_EQ(r.preempted, 2);
  EXPECT_FALSE(r.all_preempted);
  EXPECT_EQ(r.median_s, 2.0);
  EXPECT_EQ(r.min_s, 1.0);
  EXPECT_EQ(r.max_s, 3.0);
}

// With no unpreempted sample within repetitions x max_attempts calls, the row is made
// of the preempted samples and says so.
TEST(Profiling, AllPreemptedRowsAreMarked) {
  ProfileOptions options;
  options.warmup = 0;
  options.repetitions = 2;
  options.max_attempts = 2;
  ScriptedTimer timer({{5.0, 0.1}, {6.0, 0.2}, {7.0, 0.3}, {8.0, 0.4}});
  int calls = 0;
  const ProfileResult r = profile_cases({counting_case(calls)}, options, timer).front();
  EXPECT_EQ(calls, 4);
  EXPECT_TRUE(r.all_preempted);
  EXPECT_EQ(r.preempted, 4);
  EXPECT_EQ(r.repetitions, 4);
  EXPECT_EQ(r.median_s, 6.5);
}

// The steady timer's CPU share: near 1 for a spinning kernel, near 0 for a sleeping one
// (the thread is off its core, as when another process holds it).
TEST(Profiling, SteadyTimerSeesWhenTheThreadIsOffItsCore) {
  auto timer = make_steady_timer();
  timer->start();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_GT(timer->stop_seconds(), 0.015);
  EXPECT_LT(timer->last_cpu_share(), 0.5);
  // Spinning, the share is the thread's CPU time over the wall time the timer measured,
  // whatever the host's load gives the thread: checked against the thread CPU clock read
  // around the timed window (the window's own CPU time is at most that, and only the
  // clock reads themselves lie between), not against a share the host may not grant.
  const double cpu_before = thread_cpu_seconds();
  timer->start();
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  volatile std::uint64_t spins = 0;
  while (std::chrono::steady_clock::now() < until) spins = spins + 1;
  const double wall = timer->stop_seconds();
  const double cpu_around = thread_cpu_seconds() - cpu_before;
  ASSERT_GT(wall, 0.015);
  EXPECT_LE(timer->last_cpu_share(), cpu_around / wall + 1e-3);
  EXPECT_GE(timer->last_cpu_share(), cpu_around / wall - 0.05);
}

}  // namespace
}  // namespace lcperf::kernels
