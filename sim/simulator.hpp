#pragma once
// Runs rank programs on a simulated cluster (SimGrid underneath; this header keeps
// SimGrid out of its users). One process runs one simulation: SimGrid cannot start a
// second engine in the same process.
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/cluster_spec.hpp"
#include "core/ops.hpp"
#include "core/records.hpp"
#include "core/scenario_options.hpp"
#include "core/runtime.hpp"
#include "cost_models/price.hpp"

namespace lcperf::sim {

// A kernel_price from a time-only function; FLOPs and bytes are counted exactly.
std::function<cost::Price(const core::KernelOp&)> priced_by(std::function<double(const core::KernelOp&)> time_s);

struct SimulationInput {
  core::ClusterSpec cluster;
  int ranks = 0;  // rank r runs on GPU r of the cluster, unless gpu_of_rank says otherwise
  // Optional placement: rank r runs on GPU gpu_of_rank[r] (several ranks may share a GPU:
  // their ops share its time, their messages take the GPU's loopback). Empty = identity.
  // With fold f, the f ranks of a group must share their group's first GPU's group.
  std::vector<int> gpu_of_rank;
  std::function<core::RankProgram(int rank)> program_for;
  // Prices a kernel op in isolation; concurrent ops on one GPU share the GPU. FLOPs and
  // bytes go to the timeline. (A cache in front of this pays off: see cost::PriceCache.)
  std::function<cost::Price(const core::KernelOp&)> kernel_price;
  // Fixed software latency of one collective call (NCCL launch + protocol), added
  // before its transfers; may be empty for none.
  std::function<double(core::CollectiveKind, std::int64_t bytes, int ranks)> collective_overhead_s;
  bool free_communication = false;  // links of infinite bandwidth and no latency
  // The engine underneath (sim/event_engine.hpp): SimGrid's, or the native one with the
  // same flow model (sim/README.md, "Engines").
  core::SimEngine engine = core::SimEngine::simgrid;
  // Most ring steps simulated per collective (0 = every step). A ring all-reduce over n
  // members takes 2(n-1) steps of n flows each, so a data-parallel ring of 128 GPUs
  // reduced in 30 buckets is ~1M SimGrid flows per iteration. Above the limit, the
  // steps are merged: `limit` steps each carrying steps/limit chunks, plus a sleep of the
  // merged steps' latency (steps - limit) x the slowest edge's latency. Bytes on every
  // link are unchanged; in isolation the time is exact whenever the same edge binds every
  // step; under contention the flows start and end in fewer, larger pieces.
  int ring_step_limit = 0;
  std::int64_t memory_capacity_bytes = 0;  // 0 = the GPU's HBM size
  // Symmetry folding: each run of `fold` consecutive ranks (a tensor-parallel group)
  // behaves identically, so one actor simulates the whole group on a device whose links
  // are `fold` times as wide, moving `fold` times the bytes of one rank. Contention on
  // shared links (node uplinks, NICs shared between GPUs) stays exact; the records hold
  // the group's first rank, and per-rank peaks are copied to every member. The rank
  // program must communicate only with ranks that are first of their group.
  int fold = 1;
  // Data-parallel folding: image_of_rank[r] is the rank whose work rank r repeats exactly
  // (r itself for a rank that is simulated); empty = every rank is simulated. Only images
  // get actors. A mirrored rank may appear only in collectives, and a group with a
  // mirrored member must have exactly one simulated member: each ring step that member
  // sends its flows to itself over the image of its successors' links (out and back over
  // its own NVLink, or its own NIC and node uplink), which by symmetry carry what the
  // successors' links carry unfolded. The caller guarantees the symmetry (identical
  // programs, placement and ring shares; runs/data_parallel_fold.hpp); a ring whose
  // members' shares differ is refused. Records hold the simulated ranks; every rank's
  // memory peaks are its image's.
  std::vector<int> image_of_rank;
  // Run-ahead: a rank program that waits on a kernel it launched on an idle stream, while
  // no other stream of its rank has work, advances its own clock by the kernel's time
  // instead of asking SimGrid to (nothing else can share or observe that GPU until the
  // rank next communicates, sleeps or queues work, when it first catches the simulated
  // clock up). Times are unchanged up to SimGrid's own rounding of activity times (its
  // precision is 1e-9 s); what changes is the order in which different ranks' records
  // are appended, so it is for callers that do not read the records' global order (a
  // serving engine's long chains of steps).
  bool run_ahead = false;
  // Most timeline records kept (0 = all); the rest are only counted (timeline_dropped).
  std::int64_t timeline_limit = 0;
  std::vector<std::string> simgrid_args;   // extra --cfg=/--log= options
  // The simulation budget (0 = unlimited): events (activities, messages and timer
  // wake-ups of the actors) and wall-clock seconds. A run that reaches either is
  // stopped, and simulate() returns the records so far with stopped_reason set.
  std::uint64_t max_events = 0;
  double max_wall_s = 0;
  // Called with the simulated clock about every progress_period_s of wall time while the
  // run goes on (a progress line); it must only read, so results do not depend on it.
  std::function<void(double simulated_s)> on_progress;
  double progress_period_s = 0.5;
};

// Thrown when rank programs wait on each other forever; names ranks and their pending ops.
class DeadlockError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

core::RunRecords simulate(const SimulationInput& input);

}  // namespace lcperf::sim
