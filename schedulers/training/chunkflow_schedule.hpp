#pragma once
// ChunkFlow's state-aware chunk scheduling (Algorithm 2) for the dependent chunks of one
// long sequence on one stage, as pure data.
//
// Causal attention fixes the order: chunk i's forward needs the K/V of chunks 0..i-1
// (forwards ascending), and its backward needs the dK/dV that chunks i+1..N-1 add to
// its K/V (backwards descending). K bounds how many of the sequence's chunks hold full
// activations at once:
//   N <= K: forward all, keeping activations; backward N-1 .. 0.
//   N >  K: forward all, keeping activations only for the last K (index >= N-K; the
//           others store only their K/V); backward the kept ones N-1 .. N-K; then for
//           i = N-K-1 down to 0: re-forward i (activations regenerated) and backward it.
// The re-forward phase must be descending: chunk i's dK/dV is complete only after every
// later chunk has run its backward (an ascending loop is wrong whenever N-K >= 2).
#include <string>
#include <vector>

namespace lcperf::schedulers::training {

struct ChunkStep {
  enum class Kind { forward, reforward, backward };
  Kind kind = Kind::forward;
  int chunk = 0;
  bool keep_activations = true;  // forward only: false = activations dropped, K/V kept

  static ChunkStep forward(int chunk, bool keep) { return {Kind::forward, chunk, keep}; }
  static ChunkStep reforward(int chunk) { return {Kind::reforward, chunk, true}; }
  static ChunkStep backward(int chunk) { return {Kind::backward, chunk, true}; }

  bool operator==(const ChunkStep&) const = default;
};

// Whether chunk `index` of a sequence of `count` chunks keeps its activations in the
// forward: only the last k do.
bool keeps_activations(int index, int count, int k);

// The order for `chunk_ids` (the sequence's chunks, index 0 first); steps name the ids.
// Throws core::InputError for k < 1 or no chunks.
std::vector<ChunkStep> state_aware_chunk_schedule(const std::vector<int>& chunk_ids, int k);
// Same with ids 0..count-1 (the chunk indices).
std::vector<ChunkStep> state_aware_chunk_schedule(int count, int k);

// Peak number of chunks whose full activations a stage holds at once: a kept forward or
// a re-forward adds its chunk, its backward removes it; a dropped forward adds nothing.
int max_activation_chunks(const std::vector<ChunkStep>& steps);

// Compact text for decision logs: "F0" kept forward, "f0" dropped forward, "R0"
// re-forward, "B0" backward: "f0 F1 B1 R0 B0".
std::string to_string(const std::vector<ChunkStep>& steps);

}  // namespace lcperf::schedulers::training
