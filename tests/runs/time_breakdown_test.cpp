// time_breakdown against hand-built timelines: the parts add up to the iteration, and
// communication counts only where the compute stream is idle, and a posted receive
// (waiting for the peer) is idle time, not communication.
#include <gtest/gtest.h>

#include "core/runtime.hpp"
#include "runs/training_metrics.hpp"
#include "tests/support/hand_built_records.hpp"

namespace lcperf::runs {
namespace {

using lcperf::testing::compute_record;

core::TimelineRecord comm_record(int rank, int stream, double start_s, double end_s) {
  core::TimelineRecord record = compute_record(rank, "collective", start_s, end_s);
  record.stream = stream;
  return record;
}

TEST(TimeBreakdown, PartsAddUpAndHiddenCommunicationIsNotExposed) {
  core::RunRecords records;
  // Rank 0: forward 0-2, backward 2-6, a collective 4-8 (2 s hidden under the
  // backward, 2 s exposed), optimizer 8-9, idle 9-10.
  records.timeline.push_back(compute_record(0, "forward", 0, 2));
  records.timeline.push_back(compute_record(0, "backward", 2, 6));
  records.timeline.push_back(comm_record(0, core::kCollectiveStream, 4, 8));
  records.timeline.push_back(compute_record(0, "optimizer", 8, 9));
  // Rank 1: idle 0-1 (bubble), forward 1-3, a receive posted 3-5 (waiting for the
  // peer: idle) and its own send 4-6 (exposed), backward 6-10.
  records.timeline.push_back(compute_record(1, "forward", 1, 3));
  records.timeline.push_back(comm_record(1, core::kRecvStream, 3, 5));
  records.timeline.push_back(comm_record(1, core::kSendStream, 4, 6));
  records.timeline.push_back(compute_record(1, "backward", 6, 10));
  const core::TimeBreakdown b = time_breakdown(records, 10.0);
  EXPECT_DOUBLE_EQ(b.compute_s, (6.0 + 6.0) / 2);
  EXPECT_DOUBLE_EQ(b.fixed_s, (1.0 + 0.0) / 2);
  EXPECT_DOUBLE_EQ(b.exposed_communication_s, (2.0 + 2.0) / 2);
  EXPECT_DOUBLE_EQ(b.idle_s, (1.0 + 2.0) / 2);
  EXPECT_DOUBLE_EQ(b.compute_s + b.fixed_s + b.exposed_communication_s + b.idle_s, 10.0);
}

}  // namespace
}  // namespace lcperf::runs
