#include "runs/data_parallel_fold.hpp"

#include <map>
#include <vector>

#include "core/parallel_config.hpp"

namespace lcperf::runs {

namespace {

// GPUs beyond which "auto" folds replicas, as for tensor-parallel groups: small runs keep
// every rank in their records.
constexpr int kAutoFoldAboveGpus = 64;

bool identical_work(const core::Scenario& s) {
  return s.parallel.dp > 1 && s.parallel.cp == 1 && s.strategy.name == core::Strategy::megatron &&
         s.workload.kind == core::WorkloadKind::fixed_length;
}

int node_of(const core::Scenario& s, int rank) { return rank / s.cluster.gpus_per_node; }

int replica_rank(const core::ParallelConfig& p, int rank, int replica) {
  core::RankCoord c = core::coord_of(p, rank);
  c.dp = replica;
  return core::rank_of(p, c);
}

// Replica d's nodes map one to one onto replica 0's, preserving which ranks share a node.
bool nodes_map_onto_replica_zero(const core::Scenario& s) {
  const core::ParallelConfig& p = s.parallel;
  // Replica 0's ranks, found once: scanning the world per replica is dp x world steps,
  // which never ends for the million-GPU jobs size admission must still refuse quickly.
  std::vector<int> replica_zero;
  for (int r = 0; r < p.world_size(); ++r) {
    if (core::coord_of(p, r).dp == 0) replica_zero.push_back(r);
  }
  for (int d = 1; d < p.dp; ++d) {
    std::map<int, int> forward;
    std::map<int, int> backward;
    for (const int r : replica_zero) {
      const int from = node_of(s, r);
      const int to = node_of(s, replica_rank(p, r, d));
      if (forward.try_emplace(from, to).first->second != to) return false;
      if (backward.try_emplace(to, from).first->second != from) return false;
    }
  }
  return true;
}

bool replicas_share_a_node(const core::Scenario& s) {
  std::map<int, int> replica_on_node;
  for (int r = 0; r < s.parallel.world_size(); ++r) {
    const int d = core::coord_of(s.parallel, r).dp;
    if (replica_on_node.try_emplace(node_of(s, r), d).first->second != d) return true;
  }
  return false;
}

// Every gradient (data-parallel) group has the same number of members on each node it
// touches; with several per node over several nodes, each needs its own NIC link so that
// every member sends the same shares (sim/ring_channels.hpp).
bool uniform_rings(const core::Scenario& s, bool own_nic_links) {
  const core::ParallelConfig& p = s.parallel;
  for (int r = 0; r < p.world_size(); ++r) {
    if (core::coord_of(p, r).dp != 0) continue;
    std::map<int, int> per_node;
    for (int member : core::dp_group(p, r)) ++per_node[node_of(s, member)];
    const int first = per_node.begin()->second;
    for (const auto& [node, count] : per_node) {
      if (count != first) return false;
    }
    if (first > 1 && per_node.size() > 1 && !own_nic_links) return false;
  }
  return true;
}

}  // namespace

int data_parallel_fold(const core::Scenario& s, int tensor_parallel_fold) {
  const core::ParallelConfig& p = s.parallel;
  switch (s.sim.fold_data_parallel) {
    case core::DataParallelFolding::off:
      return 1;
    case core::DataParallelFolding::automatic:
      if (p.world_size() <= kAutoFoldAboveGpus) return 1;
      break;
    case core::DataParallelFolding::on:
      break;
  }
  const core::ClusterSpec& c = s.cluster;
  if (!identical_work(s) || c.gpus_per_node <= 0 || p.world_size() > c.world_size()) return 1;
  const int hosts_per_node = c.gpus_per_node / std::max(1, tensor_parallel_fold);
  const bool own_nic_links = c.nics_per_node >= hosts_per_node;
  const bool one_node = p.world_size() <= c.gpus_per_node;
  const bool unshared_links = one_node || (own_nic_links && c.oversubscription <= 1.0);
  if (replicas_share_a_node(s) && !unshared_links) return 1;
  if (!nodes_map_onto_replica_zero(s) || !uniform_rings(s, own_nic_links)) return 1;
  return p.dp;
}

std::vector<int> replica_images(const core::Scenario& s, int data_parallel_fold) {
  if (data_parallel_fold <= 1) return {};
  std::vector<int> images(static_cast<std::size_t>(s.parallel.world_size()));
  for (int r = 0; r < s.parallel.world_size(); ++r) images[static_cast<std::size_t>(r)] = replica_rank(s.parallel, r, 0);
  return images;
}

}  // namespace lcperf::runs
