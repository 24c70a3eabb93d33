#pragma once
// Result metrics of one run. Field names follow the result.json contract in docs/contract.md.
#include <cstdint>
#include <string>
#include <vector>

#include "core/records.hpp"

namespace lcperf::core {

// Where the iteration's time goes on a rank, averaged over the ranks simulated (the
// parts add up to iteration_time_s). compute: pipeline compute ops (forward, backward,
// recompute; tensor- and context-parallel communication inside them counts here);
// fixed: the other ops of the compute stream (optimizer step, gradient clipping, loss
// unscaling); exposed communication: send and collective streams busy while the
// compute stream is not (a collective's time includes waiting for its last member; a
// p2p transfer counts on the sending side, since a posted receive mostly waits for the
// peer's compute); idle: the rest (pipeline bubbles, waits on receives and other ranks).
struct TimeBreakdown {
  double compute_s = 0;
  double fixed_s = 0;
  double exposed_communication_s = 0;
  double idle_s = 0;
};

// How much of the job was simulated (result.json "folding"): ranks of a tensor-parallel
// group run by one actor, and data-parallel replicas run by one simulated replica.
struct Folding {
  int tensor_parallel = 1;
  int data_parallel = 1;
};

struct TrainingResult {
  std::string scenario;
  std::uint64_t seed = 0;
  double iteration_time_s = 0;
  double tokens_per_s = 0;
  double mfu = 0;            // model FLOPs (6*N*tokens + attention) / (iteration * GPUs * peak)
  double bubble_ratio = 0;   // mean over ranks of idle compute time inside the pipeline span
  double dp_imbalance = 0;   // slowest DP replica's pipeline span / mean span - 1
  std::int64_t peak_memory_bytes = 0;
  std::vector<std::int64_t> peak_memory_bytes_per_rank;
  bool oom = false;
  OutOfMemory oom_detail;
  double recompute_time_s = 0;  // time of ops with category "recompute" on the slowest rank
  TimeBreakdown time_breakdown;
  std::uint64_t events_simulated = 0;
  double wall_time_s = 0;
  double simulated_time_s = 0;
  std::int64_t tokens_per_iteration = 0;
  double model_flops_per_iteration = 0;
  int world_size = 0;
  Folding folding;
  // Non-empty when the simulation budget stopped the run: why. The metrics then
  // describe the part that ran ("partial": true in result.json).
  std::string partial_reason;
};

}  // namespace lcperf::core
