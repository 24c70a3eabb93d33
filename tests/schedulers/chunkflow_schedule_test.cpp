// State-aware chunk scheduling of one long sequence: K >= N reduces to no recompute,
// re-forwards run in descending order right before their backwards, the causal
// dependencies hold, and at most min(N, K) chunks hold activations.
#include "schedulers/training/chunkflow_schedule.hpp"

#include <gtest/gtest.h>

#include <map>

#include "core/errors.hpp"

namespace lcperf::schedulers::training {
namespace {

using Kind = ChunkStep::Kind;

TEST(ChunkSchedule, HandOrders) {
  EXPECT_EQ(to_string(state_aware_chunk_schedule(3, 3)), "F0 F1 F2 B2 B1 B0");
  EXPECT_EQ(to_string(state_aware_chunk_schedule(2, 1)), "f0 F1 B1 R0 B0");  // the paper's Figure 5(a)
  EXPECT_EQ(to_string(state_aware_chunk_schedule(5, 2)), "f0 f1 f2 F3 F4 B4 B3 R2 B2 R1 B1 R0 B0");
  EXPECT_EQ(to_string(state_aware_chunk_schedule({7, 9, 4}, 1)), "f7 f9 F4 B4 R9 B9 R7 B7");
}

TEST(ChunkSchedule, KAtLeastNHasNoRecompute) {
  for (int n = 1; n <= 12; ++n) {
    for (int k = n; k <= n + 3; ++k) {
      const auto steps = state_aware_chunk_schedule(n, k);
      ASSERT_EQ(steps.size(), 2u * static_cast<std::size_t>(n));
      for (const ChunkStep& s : steps) {
        EXPECT_NE(s.kind, Kind::reforward);
        EXPECT_TRUE(s.keep_activations);
      }
      EXPECT_EQ(max_activation_chunks(steps), n);
    }
  }
}

TEST(ChunkSchedule, ReforwardsDescendAndPrecedeTheirBackward) {
  for (int n = 1; n <= 12; ++n) {
    for (int k = 1; k <= n; ++k) {
      const auto steps = state_aware_chunk_schedule(n, k);
      std::vector<int> reforwarded;
      for (std::size_t i = 0; i < steps.size(); ++i) {
        if (steps[i].kind != Kind::reforward) continue;
        reforwarded.push_back(steps[i].chunk);
        ASSERT_LT(i + 1, steps.size());
        EXPECT_EQ(steps[i + 1], ChunkStep::backward(steps[i].chunk));
      }
      std::vector<int> expect;  // exactly the dropped chunks N-K-1 .. 0, in that order
      for (int i = n - k - 1; i >= 0; --i) expect.push_back(i);
      EXPECT_EQ(reforwarded, expect) << "n=" << n << " k=" << k;
      for (const ChunkStep& s : steps) {
        if (s.kind == Kind::forward) {
          EXPECT_EQ(s.keep_activations, s.chunk >= n - k);
        }
      }
    }
  }
}

TEST(ChunkSchedule, CausalOrderAndActivationBound) {
  for (int n = 1; n <= 12; ++n) {
    for (int k = 1; k <= n + 1; ++k) {
      const auto steps = state_aware_chunk_schedule(n, k);
      std::map<int, std::size_t> fwd_at;
      std::map<int, std::size_t> bwd_at;
      for (std::size_t i = 0; i < steps.size(); ++i) {
        if (steps[i].kind == Kind::forward) {
          ASSERT_TRUE(fwd_at.emplace(steps[i].chunk, i).second);
        }
        if (steps[i].kind == Kind::backward) {
          ASSERT_TRUE(bwd_at.emplace(steps[i].chunk, i).second);
        }
      }
      ASSERT_EQ(fwd_at.size(), static_cast<std::size_t>(n));
      ASSERT_EQ(bwd_at.size(), static_cast<std::size_t>(n));
      for (int i = 1; i < n; ++i) {
        EXPECT_LT(fwd_at[i - 1], fwd_at[i]);  // forward needs earlier chunks' K/V
        EXPECT_GT(bwd_at[i - 1], bwd_at[i]);  // backward needs later chunks' dK/dV
      }
      EXPECT_LT(fwd_at[n - 1], bwd_at[n - 1]);
      EXPECT_EQ(max_activation_chunks(steps), std::min(n, k)) << "n=" << n << " k=" << k;
    }
  }
}

TEST(ChunkSchedule, RejectsBadInput) {
  EXPECT_THROW(state_aware_chunk_schedule(3, 0), core::InputError);
  EXPECT_THROW(state_aware_chunk_schedule(0, 1), core::InputError);
  EXPECT_THROW(state_aware_chunk_schedule(std::vector<int>{}, 1), core::InputError);
}

}  // namespace
}  // namespace lcperf::schedulers::training
