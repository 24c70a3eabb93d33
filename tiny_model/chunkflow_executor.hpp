#pragma once
// ChunkFlow's training step executed numerically on the tiny model, in exactly the order
// schedulers/training produces: chunks from construct_chunks (long sequences cut into
// dependent chunks of C tokens, short ones packed), units from group_into_units, and the
// step order from state_aware_1f1b_schedule on a single stage (pp = 1) with K.
//
// The executor holds ChunkFlow's state store: for every long sequence and layer, the
// post-RoPE K and the V of its forwarded chunks, and the K/V gradients later chunks
// send back. It runs each ChunkStep as the scheduler names it:
//   forward   (kept)    block forward; activations kept; own K/V written to the store.
//   forward   (dropped) the same forward, but only the K/V survive.
//   reforward           forward again from the store's prefix; activations kept. The
//                       regenerated K/V must equal the stored ones bit for bit.
//   backward            the kept activations' backward: the chunk's own K/V get the
//                       gradient later chunks stored; the prefix's K/V gradient goes
//                       into the store for the earlier chunks' backwards.
// It checks the dependencies instead of assuming them and throws core::InputError,
// naming the step, for an order that breaks one: a forward before the K/V of every
// earlier chunk of its sequence exist, a re-forward of a chunk that is held or never
// forwarded, a backward without activations, a backward of chunk i before every later
// chunk of its sequence has run its backward (its dK/dV would be incomplete), a chunk
// left without backward.
#include <cstdint>
#include <vector>

#include "tiny_model/training_step.hpp"
#include "schedulers/training/chunk_construction.hpp"
#include "schedulers/training/chunkflow_schedule.hpp"

namespace lcperf::tiny {

struct ChunkFlowTrace {
  std::vector<schedulers::training::Chunk> chunks;         // as construct_chunks made them
  std::vector<schedulers::training::ChunkStep> executed;   // steps in the order they ran
  int forwards = 0;                                        // first forwards (kept or dropped)
  int reforwards = 0;
  int backwards = 0;
  int peak_live_activation_chunks = 0;  // most chunks holding full activations at once
};

struct ChunkFlowStepResult {
  StepResult step;
  ChunkFlowTrace trace;
};

// The scheduler's chunks and order for this batch (sequence ids = batch positions).
std::vector<schedulers::training::Chunk> chunkflow_chunks(const std::vector<TokenSequence>& sequences,
                                                          std::int64_t chunk_size);
std::vector<schedulers::training::ChunkStep> chunkflow_order(const std::vector<schedulers::training::Chunk>& chunks,
                                                             int k);

// Builds chunks and order with the scheduler for (chunk_size, k), then executes them.
ChunkFlowStepResult chunkflow_step(const TinyWeights& weights, const std::vector<TokenSequence>& sequences,
                                   std::int64_t chunk_size, int k);

// Executes a given order over given chunks (the scheduler's, or a deliberately wrong
// one in tests), checking every dependency listed above.
ChunkFlowStepResult execute_chunk_steps(const TinyWeights& weights, const std::vector<TokenSequence>& sequences,
                                        const std::vector<schedulers::training::Chunk>& chunks,
                                        const std::vector<schedulers::training::ChunkStep>& steps);

}  // namespace lcperf::tiny
