#pragma once
// ChunkFlow as a rank program (reference: chunkflow.md). The iteration's global batch is
// cut into chunks (chunk_construction.hpp), long sequences' chunks stay together as one
// unit, units go to data-parallel replicas balancing estimated cost (LPT, not tokens),
// and each stage runs the state-aware 1F1B order (state_aware_1f1b.hpp) over its
// replica's chunks with K.
//
// Per stage, the program keeps ChunkFlow's state store: the K/V of every forwarded chunk
// of a long sequence (tag kv_cache) from its forward until the sequence's last backward,
// and the accumulated K/V gradients (same size) from the sequence's first backward to
// its last. A dropped chunk keeps only its stage input (the hidden state it received)
// until its re-forward, which runs locally as "recompute" work; kept chunks hold their
// activations as Megatron would, under the scenario's recompute mode inside the chunk.
// Decisions logged: the chunk layout of the replica, its estimated cost, the schedule.
#include <cstdint>
#include <vector>

#include "core/runtime.hpp"
#include "core/scenario.hpp"
#include "schedulers/training/chunk_unit.hpp"
#include "schedulers/training/dp_assignment.hpp"
#include "schedulers/training/megatron_program.hpp"

namespace lcperf::schedulers::training {

struct ChunkFlowPlan {
  MegatronPlan base;  // model, parallel, in-chunk recompute, granularity, rank
  std::int64_t chunk_size = 0;
  int k = 1;
  std::vector<ChunkUnit> units;  // this replica's, in forward order; chunk shapes padded for SP
  double estimated_cost = 0;     // this replica's, under chunk_cost
};

// Work of one chunk for balancing: forward plus backward FLOPs of one layer on one TP
// rank, so later dependent chunks (longer key prefixes) weigh more, as their time does.
double chunk_cost(const core::ModelSpec& model, const core::ParallelConfig& parallel, const Chunk& chunk);

// Every replica's share of the iteration's chunks (index = dp coordinate): the units in
// forward order, dealt by LPT on chunk_cost; shapes are unpadded chunks. Throws
// core::InputError for what ChunkFlow does not model here (virtual stages, context
// parallelism), bad strategy parameters, or a replica left without chunks.
std::vector<DpRankShare> chunkflow_shares(const core::Scenario& scenario, const std::vector<std::int64_t>& global_batch);

// The plan of one rank: its replica's share of chunkflow_shares. Throws as it does.
ChunkFlowPlan make_chunkflow_plan(const core::Scenario& scenario, int rank,
                                  const std::vector<std::int64_t>& global_batch);

core::RankProgram make_chunkflow_rank_program(const ChunkFlowPlan& plan);

}  // namespace lcperf::schedulers::training
