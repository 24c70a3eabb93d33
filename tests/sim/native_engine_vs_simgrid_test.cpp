// The same actor programs run by SimGrid itself (S4U, the simulator's CM02 options) and
// by the native engine, each in a child process with its own copy of the platform
// (engine_crosscheck.hpp): every recorded date must agree to SimGrid's own precision
// (1e-9 s).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>

#include "sim/engine_crosscheck.hpp"
#include "sim_test_support.hpp"

namespace lcperf::sim {
namespace {

constexpr std::size_t kMaxDates = 256;

// A CrossCheckRun flattened for the pipe from the child.
struct Dates {
  std::array<double, kMaxDates> dates;
  std::size_t count;
  std::uint64_t steps_done;
};

Dates flatten(const CrossCheckRun& run) {
  Dates out{};
  out.count = std::min(run.dates.size(), kMaxDates);
  std::copy_n(run.dates.begin(), out.count, out.dates.begin());
  out.steps_done = run.steps_done;
  return out;
}

void expect_same_dates(const std::function<CrossCheckRun(CrossCheckEngine)>& run, std::uint64_t steps) {
  const Dates reference = testing::in_child<Dates>([&run] { return flatten(run(CrossCheckEngine::simgrid)); });
  const Dates native = testing::in_child<Dates>([&run] { return flatten(run(CrossCheckEngine::native)); });
  ASSERT_EQ(reference.steps_done, steps) << "the SimGrid run did not finish";
  ASSERT_EQ(native.steps_done, steps) << "the native run did not finish";
  ASSERT_EQ(native.count, reference.count);
  ASSERT_EQ(reference.count, 2 * steps);
  for (std::size_t i = 0; i < reference.count; ++i) {
    EXPECT_NEAR(native.dates[i], reference.dates[i], 1e-9) << "record " << i << (i % 2 == 0 ? " (work)" : " (exchange)");
  }
  // Not trivial: it runs for a while.
  EXPECT_GT(*std::max_element(reference.dates.begin(), reference.dates.begin() + static_cast<std::ptrdiff_t>(reference.count)),
            1e-3);
}

TEST(NativeEngineVsSimGrid, TransfersExecutionsAndSleepsOnUnevenLinks) {
  expect_same_dates([](CrossCheckEngine engine) { return run_uneven_ring(engine, 12); }, 6 * 12);
}

TEST(NativeEngineVsSimGrid, RanksOnTheClusterPlatformWithPermanentReceivers) {
  expect_same_dates([](CrossCheckEngine engine) { return run_cluster_ring(engine, testing::round_cluster(2, 4), 12); },
                    8 * 12);
}

}  // namespace
}  // namespace lcperf::sim
