#include "runs/sweep_pipeline_items.hpp"

#include <map>

#include "schedulers/training/chunk_construction.hpp"
#include "schedulers/training/chunkflow_program.hpp"
#include "schedulers/training/pipeline_schedule.hpp"
#include "schedulers/training/state_aware_1f1b.hpp"
#include "schedulers/training/training_batch.hpp"

namespace lcperf::runs {

namespace training = schedulers::training;

std::vector<ReplicaPipeline> megatron_replica_pipelines(const core::Scenario& s,
                                                        const std::vector<std::int64_t>& sequences) {
  std::vector<ReplicaPipeline> replicas(static_cast<std::size_t>(s.parallel.dp));
  // Steps depend only on the micro-batch count: replicas with the same count share them.
  std::map<int, std::vector<std::vector<PipelineStepRef>>> steps_for;
  for (int dp = 0; dp < s.parallel.dp; ++dp) {
    ReplicaPipeline& replica = replicas[static_cast<std::size_t>(dp)];
    for (core::MicroBatchShape& shape : training::megatron_micro_batches(s, dp, sequences)) {
      replica.items.push_back({std::move(shape)});
    }
    const int m = static_cast<int>(replica.items.size());
    auto [it, fresh] = steps_for.try_emplace(m);
    if (fresh) {
      for (int stage = 0; stage < s.parallel.pp; ++stage) {
        std::vector<PipelineStepRef>& steps = it->second.emplace_back();
        for (const training::PipelineStep& step :
             training::make_pipeline_schedule(s.strategy.schedule, s.parallel.pp, stage, m, s.parallel.virtual_stages)) {
          steps.push_back({step.kind == training::PipelineStep::Kind::forward ? PipelineStepRef::Kind::forward
                                                                              : PipelineStepRef::Kind::backward,
                           step.micro_batch, step.model_chunk});
        }
      }
    }
    replica.stages = it->second;
  }
  return replicas;
}

// Every replica's share as make_chunkflow_plan gives it (chunks of chunk_size, a long
// sequence's chunks as one unit, units dealt by LPT on the balancing cost), dealt once;
// each stage then runs the state-aware 1F1B order over its replica's units.
std::vector<ReplicaPipeline> chunkflow_replica_pipelines(const core::Scenario& s,
                                                         const std::vector<std::int64_t>& sequences) {
  const std::int64_t multiple = training::token_multiple(s.parallel);
  std::vector<ReplicaPipeline> replicas;
  for (const training::DpRankShare& share : training::chunkflow_shares(s, sequences)) {
    ReplicaPipeline& replica = replicas.emplace_back();
    std::map<int, int> item_of;  // chunk id -> item
    for (const training::ChunkUnit& unit : share.units) {
      for (const training::Chunk& c : unit.chunks) {
        item_of[c.id] = static_cast<int>(replica.items.size());
        replica.items.push_back({training::padded(training::micro_batch_shape(c), multiple)});
      }
    }
    for (int stage = 0; stage < s.parallel.pp; ++stage) {
      std::vector<PipelineStepRef>& steps = replica.stages.emplace_back();
      for (const training::ChunkStep& step :
           training::state_aware_1f1b_schedule(s.parallel.pp, stage, share.units, s.strategy.k)) {
        const PipelineStepRef::Kind kind = step.kind == training::ChunkStep::Kind::forward ? PipelineStepRef::Kind::forward
                                           : step.kind == training::ChunkStep::Kind::reforward
                                               ? PipelineStepRef::Kind::reforward
                                               : PipelineStepRef::Kind::backward;
        steps.push_back({kind, item_of.at(step.chunk), 0});
      }
    }
  }
  return replicas;
}

}  // namespace lcperf::runs
