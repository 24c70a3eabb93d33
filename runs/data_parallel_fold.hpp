#pragma once
// Data-parallel folding of a training scenario (sim.fold_data_parallel): when every
// data-parallel replica runs the same work on places that are images of each other, the
// simulator runs one replica and mirrors the others in the gradient collectives
// (sim::SimulationInput::image_of_rank). The result is the same as simulating every
// replica; only what is recorded shrinks (one replica's timeline and decisions; memory
// peaks are copied to every rank).
#include <vector>

#include "core/scenario.hpp"

namespace lcperf::runs {

// Replicas simulated by one (parallel.dp when folded, else 1), given the tensor-parallel
// fold the simulation uses. Folds only when the result is exact:
// - the work is identical: the Megatron baseline on fixed-length batches (sampled
//   lengths and ChunkFlow give replicas different work), no context parallelism (its
//   gradient group mixes simulated and mirrored members);
// - the places are symmetric: replica d's ranks sit on nodes that map one to one onto
//   replica 0's, with the same ranks sharing a node; replicas that share a node share
//   no link that can bind (every GPU host has its own NIC link and the fabric is not
//   oversubscribed, or the job fits one node);
// - every gradient ring is uniform: each node holds the same number of a group's
//   members, and with several members per node over several nodes each has its own NIC.
int data_parallel_fold(const core::Scenario& scenario, int tensor_parallel_fold);

// image_of_rank for the simulator: every rank's replica-0 counterpart (empty when fold
// is 1).
std::vector<int> replica_images(const core::Scenario& scenario, int data_parallel_fold);

}  // namespace lcperf::runs
