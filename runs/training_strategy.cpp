#include "runs/training_strategy.hpp"

#include <stdexcept>
#include <string>

#include "core/parallel_config.hpp"
#include "runs/sweep_memory_bound.hpp"
#include "schedulers/training/chunkflow_program.hpp"
#include "schedulers/training/megatron_program.hpp"

namespace lcperf::runs {

namespace {

namespace training = schedulers::training;

core::RankProgram megatron_rank_program(const core::Scenario& s, int rank, const std::vector<std::int64_t>& sequences) {
  return training::make_megatron_rank_program(s, rank, sequences);
}

// The baseline's plan needs nothing the loader has not checked to be well-formed;
// what it does not model (the planner with context parallelism, say) fails when the
// run builds its programs.
void megatron_check_layout(const core::Scenario&, const std::vector<std::int64_t>&) {}

core::RankProgram chunkflow_rank_program(const core::Scenario& s, int rank, const std::vector<std::int64_t>& sequences) {
  return training::make_chunkflow_rank_program(training::make_chunkflow_plan(s, rank, sequences));
}

// ChunkFlow rejects some layouts only when it plans (a replica left without chunks,
// context parallelism); dealing the chunks to every replica once finds them.
void chunkflow_check_layout(const core::Scenario& s, const std::vector<std::int64_t>& sequences) {
  (void)training::chunkflow_shares(s, sequences);
}

constexpr TrainingStrategy kMegatron{megatron_rank_program, megatron_check_layout, megatron_stage_memory_bound,
                                     megatron_replica_pipelines,
                                     /*reads_chunk_parameters=*/false};
constexpr TrainingStrategy kChunkflow{chunkflow_rank_program, chunkflow_check_layout, chunkflow_stage_memory_bound,
                                      chunkflow_replica_pipelines,
                                      /*reads_chunk_parameters=*/true};

}  // namespace

const TrainingStrategy& training_strategy(core::Strategy strategy) {
  switch (strategy) {
    case core::Strategy::megatron:
      return kMegatron;
    case core::Strategy::chunkflow:
      return kChunkflow;
  }
  throw std::logic_error("no training strategy numbered " + std::to_string(static_cast<int>(strategy)));
}

}  // namespace lcperf::runs
