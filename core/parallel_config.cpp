#include "core/parallel_config.hpp"

#include "core/cluster_spec.hpp"
#include "core/errors.hpp"
#include "core/model_spec.hpp"

namespace lcperf::core {

RankCoord coord_of(const ParallelConfig& c, int rank) {
  RankCoord coord;
  coord.tp = rank % c.tp;
  rank /= c.tp;
  coord.cp = rank % c.cp;
  rank /= c.cp;
  coord.dp = rank % c.dp;
  rank /= c.dp;
  coord.pp = rank;
  return coord;
}

int rank_of(const ParallelConfig& c, const RankCoord& coord) {
  return ((coord.pp * c.dp + coord.dp) * c.cp + coord.cp) * c.tp + coord.tp;
}

namespace {

template <typename Setter>
std::vector<int> group_along(const ParallelConfig& c, int rank, int size, Setter set) {
  std::vector<int> ranks;
  ranks.reserve(static_cast<std::size_t>(size));
  for (int i = 0; i < size; ++i) {
    RankCoord coord = coord_of(c, rank);
    set(coord, i);
    ranks.push_back(rank_of(c, coord));
  }
  return ranks;
}

void fail(const std::string& where, const std::string& rule) { throw InputError(where + ": " + rule); }

}  // namespace

std::vector<int> tp_group(const ParallelConfig& c, int rank) {
  return group_along(c, rank, c.tp, [](RankCoord& x, int i) { x.tp = i; });
}
std::vector<int> cp_group(const ParallelConfig& c, int rank) {
  return group_along(c, rank, c.cp, [](RankCoord& x, int i) { x.cp = i; });
}
std::vector<int> dp_group(const ParallelConfig& c, int rank) {
  return group_along(c, rank, c.dp, [](RankCoord& x, int i) { x.dp = i; });
}
std::vector<int> pp_group(const ParallelConfig& c, int rank) {
  return group_along(c, rank, c.pp, [](RankCoord& x, int i) { x.pp = i; });
}

void validate_parallel_config(const ParallelConfig& c, const ModelSpec& model, const ClusterSpec& cluster,
                              const std::string& where) {
  auto positive = [&](int value, const char* name) {
    if (value < 1) fail(where, std::string(name) + " must be at least 1 (got " + std::to_string(value) + ")");
  };
  positive(c.tp, "tp");
  positive(c.pp, "pp");
  positive(c.virtual_stages, "virtual_stages");
  positive(c.dp, "dp");
  positive(c.cp, "cp");
  positive(c.micro_batch_size, "micro_batch_size");
  positive(c.num_micro_batches, "num_micro_batches");
  if (model.heads % c.tp != 0) {
    fail(where, "tp=" + std::to_string(c.tp) + " does not divide the attention heads of " + model.id + " (" +
                    std::to_string(model.heads) + ")");
  }
  if (model.kv_heads % c.tp != 0 && c.tp % model.kv_heads != 0) {
    fail(where, "tp=" + std::to_string(c.tp) + " does not divide the KV heads of " + model.id + " (" +
                    std::to_string(model.kv_heads) + ") and is not a multiple of them");
  }
  if (model.layers % (c.pp * c.virtual_stages) != 0) {
    fail(where, "pp*virtual_stages=" + std::to_string(c.pp * c.virtual_stages) + " does not divide the " +
                    std::to_string(model.layers) + " layers of " + model.id);
  }
  if (c.virtual_stages > 1 && c.num_micro_batches % c.pp != 0) {
    fail(where, "interleaved 1F1B needs num_micro_batches (" + std::to_string(c.num_micro_batches) +
                    ") to be a multiple of pp (" + std::to_string(c.pp) + ")");
  }
  if (c.pp > 1 && c.num_micro_batches < 1) fail(where, "pipeline needs at least one micro-batch");
  if (c.world_size() > cluster.world_size()) {
    fail(where, "tp*pp*dp*cp=" + std::to_string(c.world_size()) + " GPUs do not fit the cluster's " +
                    std::to_string(cluster.world_size()) + " (" + std::to_string(cluster.nodes) + " nodes x " +
                    std::to_string(cluster.gpus_per_node) + " GPUs)");
  }
  if (c.tp > cluster.gpus_per_node) {
    fail(where, "tp=" + std::to_string(c.tp) + " spans more than one node (" + std::to_string(cluster.gpus_per_node) +
                    " GPUs per node); tensor parallelism needs the intra-node fabric");
  }
}

}  // namespace lcperf::core
