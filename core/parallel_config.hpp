#pragma once
// How a model is split over GPUs, and where each rank sits in the process grid.
//
// Rank order follows Megatron-LM's default (tp fastest, then cp, then dp, then pp), so
// a TP group sits inside one node whenever tp divides the GPUs per node.
#include <string>
#include <vector>

namespace lcperf::core {

struct ModelSpec;
struct ClusterSpec;

struct ParallelConfig {
  int tp = 1;
  bool sequence_parallel = false;
  int pp = 1;
  int virtual_stages = 1;  // interleaved 1F1B: model chunks per pipeline rank
  int dp = 1;
  int cp = 1;
  int micro_batch_size = 1;
  int num_micro_batches = 1;  // per DP rank per iteration
  bool distributed_optimizer = false;

  int world_size() const { return tp * pp * dp * cp; }
};

struct RankCoord {
  int tp = 0;
  int cp = 0;
  int dp = 0;
  int pp = 0;
};

RankCoord coord_of(const ParallelConfig& config, int rank);
int rank_of(const ParallelConfig& config, const RankCoord& coord);
// Ranks of the group that `rank` belongs to along one dimension, in order.
std::vector<int> tp_group(const ParallelConfig& config, int rank);
std::vector<int> cp_group(const ParallelConfig& config, int rank);
std::vector<int> dp_group(const ParallelConfig& config, int rank);
std::vector<int> pp_group(const ParallelConfig& config, int rank);

// Throws InputError naming the rule broken (TP must divide heads and KV heads, PP times
// virtual stages must divide layers, the cluster must hold TP*PP*DP*CP GPUs, ...).
// `where` prefixes messages (e.g. the scenario file and "parallel").
void validate_parallel_config(const ParallelConfig& config, const ModelSpec& model, const ClusterSpec& cluster,
                              const std::string& where);

}  // namespace lcperf::core
