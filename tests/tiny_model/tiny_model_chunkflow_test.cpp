// ChunkFlow executed numerically in the scheduler's order gives the unchunked step's
// loss and gradients, for K below, equal to and above the number of chunks N; the
// executed order, re-forward count and activation peak are the scheduler's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "tiny_model/chunkflow_executor.hpp"
#include "core/errors.hpp"
#include "schedulers/training/chunk_unit.hpp"
#include "schedulers/training/chunkflow_schedule.hpp"
#include "schedulers/training/state_aware_1f1b.hpp"
#include "tiny_model_test_util.hpp"

namespace lcperf::tiny {
namespace {

using schedulers::training::Chunk;
using schedulers::training::ChunkStep;

// Gradient tolerance: every tensor's max |chunked - unchunked| <= this times the
// unchunked gradient's L2 norm. fp32 sums in a different order differ by ~1e-7 relative.
constexpr double kGradTolerance = 1e-5;
constexpr double kLossTolerance = 1e-6;  // relative

const TinyConfig kConfig;

void expect_same_step(const StepResult& chunked, const StepResult& whole, const std::string& what) {
  EXPECT_NEAR(chunked.loss, whole.loss, kLossTolerance * whole.loss) << what;
  const double worst = test::worst_relative_tensor_diff(chunked.grads, whole.grads);
  std::printf("%s: loss %.9f vs %.9f, worst tensor max|diff|/||g|| = %.3e\n", what.c_str(), chunked.loss, whole.loss,
              worst);
  EXPECT_LE(worst, kGradTolerance) << what;
  const auto a = chunked.grads.tensors();
  const auto b = whole.grads.tensors();
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_LE(test::max_abs_diff(*a[i].values, *b[i].values), kGradTolerance * test::l2_norm(*b[i].values))
        << what << ": " << a[i].name;
  }
}

TEST(TinyModelChunkFlow, OneLongSequenceMatchesTheUnchunkedStepForEveryK) {
  const TinyWeights w = random_weights(kConfig, 21);
  const auto batch = random_sequences({30}, kConfig.vocab, 4);  // C = 8: N = 4 chunks, the last of 6 tokens
  const StepResult whole = unchunked_step(w, batch);
  for (int k : {1, 2, 4, 6}) {
    const ChunkFlowStepResult chunked = chunkflow_step(w, batch, 8, k);
    expect_same_step(chunked.step, whole, "N=4 K=" + std::to_string(k));
    EXPECT_EQ(chunked.trace.reforwards, std::max(0, 4 - k)) << k;  // the first N-K chunks run forward twice
    EXPECT_EQ(chunked.trace.peak_live_activation_chunks, std::min(k, 4)) << k;
    EXPECT_EQ(chunked.trace.forwards, 4);
    EXPECT_EQ(chunked.trace.backwards, 4);
  }
}

TEST(TinyModelChunkFlow, ExecutedOrderIsTheSchedulersStateAwareOrder) {
  const TinyWeights w = random_weights(kConfig, 2);
  const auto batch = random_sequences({32}, kConfig.vocab, 9);
  // Hand-written Algorithm 2 for N = 4 (f: dropped forward, F: kept, R: re-forward).
  const std::vector<std::pair<int, std::string>> expected = {
      {1, "f0 f1 f2 F3 B3 R2 B2 R1 B1 R0 B0"},
      {2, "f0 f1 F2 F3 B3 B2 R1 B1 R0 B0"},
      {4, "F0 F1 F2 F3 B3 B2 B1 B0"},
  };
  for (const auto& [k, text] : expected) {
    const ChunkFlowStepResult r = chunkflow_step(w, batch, 8, k);
    EXPECT_EQ(schedulers::training::to_string(r.trace.executed), text) << k;
    EXPECT_EQ(r.trace.executed, schedulers::training::state_aware_chunk_schedule(4, k)) << k;
    EXPECT_EQ(r.trace.peak_live_activation_chunks, schedulers::training::max_activation_chunks(r.trace.executed));
  }
}

TEST(TinyModelChunkFlow, MixedBatchOfPackedAndDependentChunksMatchesTheUnchunkedStep) {
  const TinyWeights w = random_weights(kConfig, 5);
  // C = 8: the 30-token sequence is N = 4 dependent chunks, the 13-token one N = 2; the
  // six short ones (8 counts as short) are packed into standalone chunks.
  const std::vector<std::int64_t> lengths = {5, 30, 3, 8, 13, 2, 6, 1};
  const auto batch = random_sequences(lengths, kConfig.vocab, 17);
  const StepResult whole = unchunked_step(w, batch);
  const std::vector<Chunk> chunks = chunkflow_chunks(batch, 8);
  const auto standalone = std::count_if(chunks.begin(), chunks.end(), [](const Chunk& c) { return c.kind == Chunk::Kind::standalone; });
  EXPECT_EQ(standalone, 4);  // 25 short tokens need ceil(25 / 8) = 4 chunks
  EXPECT_TRUE(std::any_of(chunks.begin(), chunks.end(), [](const Chunk& c) { return c.seq_ids.size() > 1; }));
  for (int k : {1, 2, 3, 4}) {
    const ChunkFlowStepResult r = chunkflow_step(w, batch, 8, k);
    expect_same_step(r.step, whole, "mixed K=" + std::to_string(k));
    const std::vector<ChunkStep> order =
        schedulers::training::state_aware_1f1b_schedule(1, 0, schedulers::training::group_into_units(chunks), k);
    EXPECT_EQ(r.trace.executed, order) << k;
    const auto scheduled_reforwards =
        std::count_if(order.begin(), order.end(), [](const ChunkStep& s) { return s.kind == ChunkStep::Kind::reforward; });
    EXPECT_EQ(r.trace.reforwards, scheduled_reforwards) << k;
    EXPECT_EQ(r.trace.reforwards, std::max(0, 4 - k) + std::max(0, 2 - k)) << k;
    EXPECT_EQ(r.trace.peak_live_activation_chunks, schedulers::training::max_activation_chunks(order)) << k;
    EXPECT_EQ(r.trace.peak_live_activation_chunks, std::min(k, 4)) << k;  // one stage: 1F1B holds one standalone
  }
}

TEST(TinyModelChunkFlow, ToleranceDetectsAMissingKvPrefix) {
  // The same 32 tokens as four independent 8-token sequences (no attention across chunk
  // boundaries, positions restart) must fail the tolerance the chunked step passes.
  const TinyWeights w = random_weights(kConfig, 21);
  const auto batch = random_sequences({32}, kConfig.vocab, 4);
  std::vector<TokenSequence> cut;
  for (int i = 0; i < 4; ++i) {
    TokenSequence s;
    s.tokens.assign(batch[0].tokens.begin() + 8 * i, batch[0].tokens.begin() + 8 * (i + 1));
    s.labels.assign(batch[0].labels.begin() + 8 * i, batch[0].labels.begin() + 8 * (i + 1));
    cut.push_back(std::move(s));
  }
  const StepResult whole = unchunked_step(w, batch);
  EXPECT_GT(test::worst_relative_tensor_diff(unchunked_step(w, cut).grads, whole.grads), 100 * kGradTolerance);
  EXPECT_LE(test::worst_relative_tensor_diff(chunkflow_step(w, batch, 8, 1).step.grads, whole.grads), kGradTolerance);
}

TEST(TinyModelChunkFlow, AscendingReforwardsAreRejectedAsIncompleteKvGradients) {
  // The order secondary transcriptions of the paper give (re-forwards ascending) runs
  // chunk 0's backward before chunk 1's, whose dK/dV it needs.
  const TinyWeights w = random_weights(kConfig, 2);
  const auto batch = random_sequences({32}, kConfig.vocab, 9);
  const std::vector<Chunk> chunks = chunkflow_chunks(batch, 8);
  const std::vector<ChunkStep> ascending = {
      ChunkStep::forward(0, false), ChunkStep::forward(1, false), ChunkStep::forward(2, false),
      ChunkStep::forward(3, true),  ChunkStep::backward(3),       ChunkStep::reforward(0),
      ChunkStep::backward(0),       ChunkStep::reforward(1),      ChunkStep::backward(1),
      ChunkStep::reforward(2),      ChunkStep::backward(2)};
  try {
    execute_chunk_steps(w, batch, chunks, ascending);
    FAIL() << "ascending re-forwards were accepted";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("incomplete"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("step 6"), std::string::npos) << e.what();
  }
}

TEST(TinyModelChunkFlow, RejectsForwardsOutOfOrderAndBackwardsWithoutActivations) {
  const TinyWeights w = random_weights(kConfig, 2);
  const auto batch = random_sequences({16}, kConfig.vocab, 9);
  const std::vector<Chunk> chunks = chunkflow_chunks(batch, 8);
  EXPECT_THROW(execute_chunk_steps(w, batch, chunks, {ChunkStep::forward(1, true)}), core::InputError);
  EXPECT_THROW(execute_chunk_steps(w, batch, chunks,
                                   {ChunkStep::forward(0, false), ChunkStep::forward(1, true), ChunkStep::backward(1),
                                    ChunkStep::backward(0)}),
               core::InputError);
  EXPECT_THROW(execute_chunk_steps(w, batch, chunks, {ChunkStep::forward(0, true), ChunkStep::forward(1, true),
                                                      ChunkStep::backward(1)}),
               core::InputError);  // chunk 0 never runs its backward
}

}  // namespace
}  // namespace lcperf::tiny
