// State-aware 1F1B: equals 1F1B on standalone chunks, keeps the K bound, never
// deadlocks on randomised chunk sets (checked by a dependency-driven executor), and
// gives the hand-computed makespans of the paper's toy setting.
#include "schedulers/training/state_aware_1f1b.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "chunkflow_test_support.hpp"
#include "core/errors.hpp"
#include "schedulers/training/pipeline_schedule.hpp"

namespace lcperf::schedulers::training {
namespace {

using Kind = ChunkStep::Kind;

std::vector<std::vector<ChunkStep>> all_stages(int p, const std::vector<ChunkUnit>& units, int k) {
  std::vector<std::vector<ChunkStep>> stages;
  for (int s = 0; s < p; ++s) stages.push_back(state_aware_1f1b_schedule(p, s, units, k));
  return stages;
}

// Step time proportional to the chunk's tokens: forward and re-forward `tf` per token,
// backward `tb` per token (the paper's toy "Units").
double run_makespan(int p, const std::vector<ChunkUnit>& units, int k, double tf, double tb) {
  std::map<int, std::int64_t> tokens;
  for (const ChunkUnit& u : units) {
    for (const Chunk& c : u.chunks) tokens[c.id] = c.tokens();
  }
  const auto result = test::execute(all_stages(p, units, k), [&](const ChunkStep& st) {
    return static_cast<double>(tokens.at(st.chunk)) * (st.kind == Kind::backward ? tb : tf);
  });
  EXPECT_TRUE(result.completed);
  return result.makespan;
}

std::vector<PipelineStep> as_pipeline_steps(const std::vector<ChunkStep>& steps) {
  std::vector<PipelineStep> out;
  for (const ChunkStep& s : steps) {
    EXPECT_NE(s.kind, Kind::reforward);
    EXPECT_TRUE(s.keep_activations);
    out.push_back({s.kind == Kind::forward ? PipelineStep::Kind::forward : PipelineStep::Kind::backward, s.chunk});
  }
  return out;
}

TEST(StateAware1F1B, StandaloneChunksGiveOneFOneB) {
  for (int p = 1; p <= 8; ++p) {
    for (int m = 1; m <= 16; ++m) {
      for (int s = 0; s < p; ++s) {
        for (int k : {1, 3}) {
          const auto steps = state_aware_1f1b_schedule(p, s, test::equal_standalone_units(m, 4), k);
          EXPECT_EQ(as_pipeline_steps(steps), one_f_one_b_schedule(p, s, m)) << "p=" << p << " s=" << s << " m=" << m;
        }
      }
    }
  }
}

TEST(StateAware1F1B, SingleLongSequenceHoldsMinOfNAndK) {
  for (int n = 2; n <= 10; ++n) {
    const auto units = group_into_units(construct_chunks({{0, 3 * n}}, 3));
    ASSERT_EQ(units.size(), 1u);
    for (int k = 1; k <= n + 1; ++k) {
      for (int p = 1; p <= 6; ++p) {
        for (int s = 0; s < p; ++s) {
          const auto steps = state_aware_1f1b_schedule(p, s, units, k);
          // One group: no backward is eligible before its last forward, so every stage
          // runs Algorithm 2's order unchanged.
          EXPECT_EQ(steps, state_aware_chunk_schedule(n, k));
          EXPECT_EQ(max_activation_chunks(steps), std::min(n, k));
        }
      }
    }
  }
}

// The paper's toy batch: sequences of 1, 1, 2 and 4 units, ChunkSize 2 units. Chunks:
// 0 = {2} (seq 2), 1 = {1,1} (seqs 0, 1), then seq 3 as dependent chunks 2 and 3.
std::vector<ChunkUnit> toy_units() {
  return group_into_units(construct_chunks({{0, 1}, {1, 1}, {2, 2}, {3, 4}}, 2));
}

TEST(StateAware1F1B, ToyScheduleWithKOne) {
  const auto units = toy_units();
  ASSERT_EQ(units.size(), 3u);
  // Stage 3 (no warm-up) cannot backward chunk 3 right after forwarding chunk 2, so its
  // credit carries over and is paid after F3.
  const char* expect[] = {
      "F0 F1 f2 F3 B0 B1 B3 R2 B2",
      "F0 F1 f2 B0 F3 B1 B3 R2 B2",
      "F0 F1 B0 f2 B1 F3 B3 R2 B2",
      "F0 B0 F1 B1 f2 F3 B3 R2 B2",
  };
  for (int s = 0; s < 4; ++s) EXPECT_EQ(to_string(state_aware_1f1b_schedule(4, s, units, 1)), expect[s]);
}

TEST(StateAware1F1B, EqualChunksMakespanIsClosedForm) {
  for (int p = 1; p <= 8; p *= 2) {
    for (int m : {1, 2, 4, 8, 13}) {
      for (auto [tf, tb] : {std::pair{1.0, 1.0}, std::pair{1.0, 2.0}}) {
        EXPECT_DOUBLE_EQ(run_makespan(p, test::equal_standalone_units(m, 1), 1, tf, tb), (m + p - 1) * (tf + tb))
            << "p=" << p << " m=" << m;
      }
    }
  }
  // The paper's Figure 2 reference: p = 4, m = 4 equal micro-batches, bubble 3/7.
  const double total = run_makespan(4, test::equal_standalone_units(4, 1), 1, 1.0, 1.0);
  EXPECT_NEAR(1.0 - 4 * 2.0 / total, 3.0 / 7.0, 1e-12);
}

TEST(StateAware1F1B, VariableLengthMakespansByHand) {
  // p = 4; forward 1 and backward 2 per unit of length.
  //
  // (a) Plain 1F1B with the four sequences (1, 1, 2, 4 units) as micro-batches 0..3:
  //     F = 1 1 2 4, B = 2 2 4 8; stage orders are one_f_one_b_schedule's.
  //   s0: F0 0-1  F1 1-2  F2 2-4  F3 4-8
  //   s1: F0 1-2  F1 2-3  F2 4-6
  //   s2: F0 2-3  F1 3-4
  //   s3: F0 3-4  B0 4-6  F1 6-7  B1 7-9
  //   s2: B0 6-8  F2 8-10 B1 10-12
  //   s3: F2 10-12 B2 12-16
  //   s1: B0 8-10 F3 10-14 B1 14-16
  //   s2: F3 14-18 B2 18-22
  //   s3: F3 18-22 B3 22-30
  //   s2: B3 30-38;  s1: B2 22-26  B3 38-46
  //   s0: B0 10-12  B1 16-18  B2 26-30  B3 46-54
  //   makespan 54, each stage busy 24: bubble 30/54 = 5/9.
  std::vector<ChunkUnit> sequences;
  const std::int64_t lengths[] = {1, 1, 2, 4};
  for (int j = 0; j < 4; ++j) {
    Chunk c;
    c.id = j;
    c.seq_lens = {lengths[j]};
    c.seq_ids = {j};
    c.chunk_size = 4;
    sequences.push_back({{c}});
  }
  EXPECT_DOUBLE_EQ(run_makespan(4, sequences, 1, 1.0, 2.0), 54.0);

  // (b) ChunkFlow, ChunkSize 2, K = 2: four chunks of 2 units (F = 2, B = 4), nothing
  //     recomputed. Equal standalone chunks would give 1F1B's (4 + 3) * (2 + 4) = 42, but
  //     chunks 2 and 3 are dependent: backward order 0 1 3 2, and B3 is not eligible
  //     right after F2, so stage 3 runs F2 F3 back to back:
  //     s0 F0 F1 F2 F3 B0 B1 B3 B2 | s1 F0 F1 F2 B0 F3 B1 B3 B2
  //     s2 F0 F1 B0 F2 B1 F3 B3 B2 | s3 F0 B0 F1 B1 F2 F3 B3 B2
  //   s0: F0 0-2  F1 2-4  F2 4-6  F3 6-8
  //   s1: F0 2-4  F1 4-6  F2 6-8
  //   s2: F0 4-6  F1 6-8
  //   s3: F0 6-8  B0 8-12  F1 12-14  B1 14-18  F2 18-20
  //   s2: B0 12-16  F2 16-18  B1 18-22  F3 22-24
  //   s1: B0 16-20  F3 20-22  B1 22-26
  //   s3: F3 24-26  B3 26-30  B2 30-34
  //   s2: B3 30-34  B2 34-38;  s1: B3 34-38  B2 38-42
  //   s0: B0 20-24  B1 26-30  B3 38-42  B2 42-46
  //   makespan 46 (bubble 1 - 24/46 = 11/23).
  EXPECT_DOUBLE_EQ(run_makespan(4, toy_units(), 2, 1.0, 2.0), 46.0);
  EXPECT_DOUBLE_EQ(run_makespan(4, test::equal_standalone_units(4, 2), 1, 1.0, 2.0), 42.0);

  // (c) ChunkSize 2, K = 1: chunk 2 is dropped and re-forwarded (2 more per stage).
  //     F = R = 2, B = 4 per chunk; stage orders from ToyScheduleWithKOne.
  //   s0: F0 0-2  F1 2-4  f2 4-6  F3 6-8
  //   s1: F0 2-4  F1 4-6  f2 6-8
  //   s2: F0 4-6  F1 6-8
  //   s3: F0 6-8  B0 8-12  F1 12-14  B1 14-18  f2 18-20
  //   s2: B0 12-16  f2 16-18  B1 18-22  F3 22-24
  //   s1: B0 16-20  F3 20-22  B1 22-26
  //   s3: F3 24-26  B3 26-30  R2 30-32  B2 32-36
  //   s2: B3 30-34  R2 34-36  B2 36-40
  //   s1: B3 34-38  R2 38-40  B2 40-44
  //   s0: B0 20-24  B1 26-30  B3 38-42  R2 42-44  B2 44-48
  //   makespan 48: the re-forward costs 2 over K = 2, still below plain 1F1B's 54.
  EXPECT_DOUBLE_EQ(run_makespan(4, toy_units(), 1, 1.0, 2.0), 48.0);
}

// Per-stage checks of one schedule against its units: every chunk forwarded once (kept
// iff among its group's last K), dropped chunks re-forwarded once right before their
// backward, backwards once, group order causal (forwards ascending, backwards
// descending), and forward/backward orders identical across stages.
void check_stage(const std::vector<ChunkStep>& steps, const std::vector<ChunkUnit>& units, int k,
                 const std::vector<int>& forward_order) {
  std::vector<int> forwards;
  std::map<int, std::size_t> bwd_at;
  std::set<int> reforwarded;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const ChunkStep& st = steps[i];
    if (st.kind == Kind::forward) forwards.push_back(st.chunk);
    if (st.kind == Kind::backward) {
      ASSERT_TRUE(bwd_at.emplace(st.chunk, i).second);
    }
    if (st.kind == Kind::reforward) {
      ASSERT_TRUE(reforwarded.insert(st.chunk).second);
      ASSERT_LT(i + 1, steps.size());
      EXPECT_EQ(steps[i + 1], ChunkStep::backward(st.chunk));
    }
  }
  EXPECT_EQ(forwards, forward_order);
  for (const ChunkUnit& u : units) {
    const int n = static_cast<int>(u.chunks.size());
    for (int i = 0; i < n; ++i) {
      const Chunk& c = u.chunks[static_cast<std::size_t>(i)];
      ASSERT_TRUE(bwd_at.count(c.id));
      const bool kept = keeps_activations(i, n, k);
      EXPECT_EQ(reforwarded.count(c.id) == 0, kept);
      for (const ChunkStep& st : steps) {
        if (st.kind == Kind::forward && st.chunk == c.id) {
          EXPECT_EQ(st.keep_activations, kept);
        }
      }
      if (i > 0) {
        EXPECT_LT(bwd_at[c.id], bwd_at[u.chunks[static_cast<std::size_t>(i - 1)].id]);
      }
    }
  }
}

TEST(StateAware1F1B, RandomisedChunkSetsCompleteWithinBounds) {
  std::mt19937 rng(7);
  int with_recompute = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const int p = test::draw(rng, 1, 8);
    const std::int64_t chunk_size = test::draw(rng, 1, 16);
    std::vector<Sequence> batch;
    for (int i = 0, n = test::draw(rng, 1, 10); i < n; ++i) batch.push_back({i, test::draw(rng, 1, 80)});
    auto units = group_into_units(construct_chunks(batch, chunk_size));
    for (std::size_t i = units.size(); i > 1; --i) {  // any unit order must work
      std::swap(units[i - 1], units[static_cast<std::size_t>(test::draw(rng, 0, static_cast<int>(i) - 1))]);
    }
    int longest = 1;
    std::vector<int> forward_order;
    std::map<int, std::int64_t> tokens;
    for (const ChunkUnit& u : units) {
      longest = std::max(longest, static_cast<int>(u.chunks.size()));
      for (const Chunk& c : u.chunks) {
        forward_order.push_back(c.id);
        tokens[c.id] = c.tokens();
      }
    }
    const int k = test::draw(rng, 1, longest);
    const int f = static_cast<int>(forward_order.size());
    if (k < longest) ++with_recompute;
    SCOPED_TRACE("trial " + std::to_string(trial) + ": p=" + std::to_string(p) + " k=" + std::to_string(k) +
                 " chunks=" + std::to_string(f));

    const auto stages = all_stages(p, units, k);
    double busy = 0.0;
    for (int s = 0; s < p; ++s) {
      const auto& steps = stages[static_cast<std::size_t>(s)];
      check_stage(steps, units, k, forward_order);
      // The bound: the 1F1B in-flight count, or one group's K kept chunks.
      EXPECT_LE(max_activation_chunks(steps), std::max(std::min(p - s, f), k)) << "stage " << s;
    }
    const auto result = test::execute(stages, [&](const ChunkStep& st) {
      const double t = static_cast<double>(tokens.at(st.chunk));
      return st.kind == Kind::backward ? 2 * t : t;
    });
    ASSERT_TRUE(result.completed) << "deadlock";
    for (const auto& steps : stages) {
      double stage_busy = 0.0;
      for (const ChunkStep& st : steps) {
        const double t = static_cast<double>(tokens.at(st.chunk));
        stage_busy += st.kind == Kind::backward ? 2 * t : t;
      }
      busy = std::max(busy, stage_busy);
    }
    EXPECT_GE(result.makespan, busy);
  }
  EXPECT_GT(with_recompute, 50);  // the cases exercise re-forwards, not only K >= N
}

TEST(StateAware1F1B, BoundIsReachedByTheKeptChunks) {
  // Two standalone chunks, then a group of 6 chunks; p = 2. Stage 1's 1F1B bound is
  // min(p - s, F) = 1, but with K = 4 it holds the group's 4 kept chunks at once after the
  // group's last forward. With K = 1 the bounds are 1 on stage 1 and 2 on stage 0.
  std::vector<ChunkUnit> units = test::equal_standalone_units(2, 6);
  for (const ChunkUnit& u : group_into_units(construct_chunks({{9, 36}}, 6))) {
    ChunkUnit shifted = u;
    for (Chunk& c : shifted.chunks) c.id += 2;
    units.push_back(shifted);
  }
  EXPECT_EQ(max_activation_chunks(state_aware_1f1b_schedule(2, 1, units, 4)), 4);
  EXPECT_EQ(max_activation_chunks(state_aware_1f1b_schedule(2, 1, units, 1)), 1);
  EXPECT_EQ(max_activation_chunks(state_aware_1f1b_schedule(2, 0, units, 1)), 2);
}

TEST(StateAware1F1B, RejectsBadInput) {
  const auto units = test::equal_standalone_units(3, 4);
  EXPECT_THROW(state_aware_1f1b_schedule(0, 0, units, 1), core::InputError);
  EXPECT_THROW(state_aware_1f1b_schedule(2, 2, units, 1), core::InputError);
  EXPECT_THROW(state_aware_1f1b_schedule(2, 0, units, 0), core::InputError);
  EXPECT_THROW(state_aware_1f1b_schedule(2, 0, {}, 1), core::InputError);
  EXPECT_THROW(state_aware_1f1b_schedule(2, 0, {ChunkUnit{}}, 1), core::InputError);
  auto repeated = units;
  repeated[1].chunks[0].id = 0;
  EXPECT_THROW(state_aware_1f1b_schedule(2, 0, repeated, 1), core::InputError);
}

}  // namespace
}  // namespace lcperf::schedulers::training
