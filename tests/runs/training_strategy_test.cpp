// The training strategy registry: the strategy a scenario names decides its rank
// programs, its layout check and its memory bound, looked up in one place.
#include "runs/training_strategy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/scenario.hpp"
#include "runs/sweep_memory_bound.hpp"
#include "runs/training_run.hpp"

namespace lcperf::runs {
namespace {

const std::string kChunkflow = LCPERF_SOURCE_DIR "/scenarios/chunkflow/qwen2.5-7b-32k-chunkflow.json";

TEST(TrainingStrategy, OnlyChunkFlowReadsTheChunkParameters) {
  EXPECT_FALSE(training_strategy(core::Strategy::megatron).reads_chunk_parameters);
  EXPECT_TRUE(training_strategy(core::Strategy::chunkflow).reads_chunk_parameters);
}

TEST(TrainingStrategy, ChunkFlowRejectsAReplicaWithoutChunksBeforeAnyRun) {
  // Eight short sequences pack into fewer chunks than the eight replicas.
  const core::Scenario s = core::load_scenario(kChunkflow, {{"workload.global_batch", "8"}});
  const std::vector<std::int64_t> sequences = training_sequences(s);
  EXPECT_THROW(training_strategy(core::Strategy::chunkflow).check_layout(s, sequences), core::InputError);
  EXPECT_NO_THROW(training_strategy(core::Strategy::megatron).check_layout(s, sequences));
}

TEST(TrainingStrategy, TheMemoryBoundIsTheNamedStrategys) {
  const core::Scenario chunkflow = core::load_scenario(kChunkflow);
  core::Scenario megatron = chunkflow;
  megatron.strategy.name = core::Strategy::megatron;
  const std::vector<std::int64_t> sequences = training_sequences(chunkflow);
  const std::int64_t longest = *std::max_element(sequences.begin(), sequences.end());
  EXPECT_EQ(peak_memory_lower_bound(chunkflow, sequences),
            chunkflow_stage_memory_bound(chunkflow, 0, longest, core::Recompute::selective));
  EXPECT_EQ(peak_memory_lower_bound(megatron, sequences),
            megatron_stage_memory_bound(megatron, 0, longest, core::Recompute::selective));
  EXPECT_NE(peak_memory_lower_bound(chunkflow, sequences), peak_memory_lower_bound(megatron, sequences));
}

}  // namespace
}  // namespace lcperf::runs
