#include "runs/training_run.hpp"
#include "runs/size_admission.hpp"
#include "runs/data_parallel_fold.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <variant>

#include "core/layer_ops.hpp"
#include "core/training_memory.hpp"
#include "runs/training_metrics.hpp"
#include "cost_models/device_profile.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_models/price_cache.hpp"
#include "runs/training_strategy.hpp"
#include "schedulers/training/megatron_program.hpp"
#include "schedulers/training/training_batch.hpp"
#include "traces/length_distribution.hpp"
#include "traces/length_files.hpp"
#include "traces/length_sampling.hpp"
#include "sim/simulator.hpp"

namespace lcperf::runs {

namespace {

// GPUs beyond which "auto" folds tensor-parallel groups (see sim/README.md).
constexpr int kAutoFoldAboveGpus = 64;

core::KernelOp without_collectives(const core::KernelOp& op) {
  core::KernelOp copy = op;
  std::erase_if(copy.parts, [](const core::OpPart& p) { return std::holds_alternative<core::CollectiveShape>(p); });
  return copy;
}

core::KernelOp region(std::vector<core::OpPart> parts) {
  core::KernelOp op;
  op.parts = std::move(parts);
  return op;
}

void append(std::vector<core::OpPart>& to, const std::vector<core::OpPart>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

// Forward and backward time of one micro-batch on a pipeline stage, from the same op
// decomposition the rank program launches.
struct StageTimes {
  double forward_s = 0;
  double backward_s = 0;
};

StageTimes stage_times(const schedulers::training::MegatronPlan& plan, int stage,
                       const std::function<double(const core::KernelOp&)>& price) {
  const int layers = plan.model.layers / plan.parallel.pp;
  std::vector<core::OpPart> fwd;
  std::vector<core::OpPart> bwd;
  append(fwd, core::layer_forward_parts(plan.model, plan.parallel, plan.batch, plan.span));
  append(bwd, core::layer_backward_parts(plan.model, plan.parallel, plan.batch, plan.recompute, plan.span));
  StageTimes t{layers * price(region(fwd)), layers * price(region(bwd))};
  if (stage == 0) {
    t.forward_s += price(region(core::embedding_forward_parts(plan.model, plan.parallel, plan.batch, plan.span)));
    t.backward_s += price(region(core::embedding_backward_parts(plan.model, plan.parallel, plan.batch, plan.span)));
  }
  if (stage == plan.parallel.pp - 1) {
    t.forward_s += price(region(core::head_forward_parts(plan.model, plan.parallel, plan.batch, plan.span)));
    t.backward_s += price(region(core::head_backward_parts(plan.model, plan.parallel, plan.batch, plan.span)));
  }
  return t;
}

std::vector<reports::ComparisonRow> closed_form_comparison(const core::Scenario& s, const core::TrainingResult& r,
                                                           const std::function<double(const core::KernelOp&)>& price) {
  const core::ParallelConfig& pc = s.parallel;
  const int p = pc.pp;
  const int m = pc.num_micro_batches;
  std::vector<reports::ComparisonRow> rows;
  rows.push_back({"1F1B bubble (p-1)/(m+p-1)", r.bubble_ratio, static_cast<double>(p - 1) / (m + p - 1), "ratio"});

  std::int64_t closed_peak = 0;
  double slowest_stage_s = 0;
  for (int stage = 0; stage < p; ++stage) {
    core::RankCoord coord;
    coord.pp = stage;
    const auto plan = schedulers::training::make_megatron_plan(s, core::rank_of(pc, coord));
    closed_peak = std::max(closed_peak, core::rank_memory(plan.model, plan.parallel, plan.batch, plan.schedule,
                                                          plan.recompute, stage, plan.activations)
                                            .peak());
    const StageTimes t = stage_times(plan, stage, price);
    slowest_stage_s = std::max(slowest_stage_s, t.forward_s + t.backward_s);
  }
  rows.push_back({"peak memory: weights+grads+optimizer+activations", static_cast<double>(r.peak_memory_bytes),
                  static_cast<double>(closed_peak), "bytes"});
  rows.push_back({"pipeline critical path (m+p-1)(tf+tb), slowest stage", r.iteration_time_s,
                  (m + p - 1) * slowest_stage_s, "s"});
  return rows;
}

}  // namespace

std::vector<std::int64_t> training_sequences(const core::Scenario& s) {
  if (s.workload.kind != core::WorkloadKind::dataset) return schedulers::training::fixed_length_global_batch(s);
  const traces::LengthDistribution dist = traces::load_length_distribution(s.workload.dataset);
  return traces::sample_global_batch(dist, s.workload.global_batch, s.seed, s.workload.iteration,
                                     s.workload.context_length);
}

std::int64_t training_tokens(const core::Scenario& s) {
  std::int64_t tokens = 0;
  for (std::int64_t len : training_sequences(s)) tokens += len;
  return tokens;
}

double training_model_flops(const core::Scenario& s) {
  // The whole model on one device, no recompute, each sequence on its own (no padding,
  // no chunking, causal attention within the sequence): forward plus backward of every
  // layer and of the head. Sequences of one length are priced once. Model FLOPs are the
  // model's, not the kernels': the fused-attention count (the unfused path computes the
  // masked scores too) and no FP8 cast work (core/layer_kernels.hpp).
  core::ModelSpec model = s.model;
  model.kernels = {};
  core::ParallelConfig whole;
  std::map<std::int64_t, int> lengths;
  for (std::int64_t len : training_sequences(s)) ++lengths[len];
  double flops = 0;
  for (const auto& [len, count] : lengths) {
    const core::MicroBatchShape batch{{len}};
    double one = 0;
    for (const auto& parts : {core::layer_forward_parts(model, whole, batch),
                              core::layer_backward_parts(model, whole, batch, core::Recompute::none)}) {
      for (const core::OpPart& part : parts) one += model.layers * core::flops_of(part);
    }
    for (const auto& parts :
         {core::head_forward_parts(model, whole, batch), core::head_backward_parts(model, whole, batch)}) {
      for (const core::OpPart& part : parts) one += core::flops_of(part);
    }
    flops += one * count;
  }
  return flops;
}

core::RankProgram rank_program(const core::Scenario& s, int rank, const std::vector<std::int64_t>& sequences) {
  return training_strategy(s.strategy.name).rank_program(s, rank, sequences);
}

int tensor_parallel_fold(const core::Scenario& s) {
  const int tp = s.parallel.tp;
  if (tp <= 1 || s.cluster.gpus_per_node % tp != 0) return 1;
  switch (s.sim.fold_tensor_parallel) {
    case core::TensorParallelFolding::on:
      return tp;
    case core::TensorParallelFolding::off:
      return 1;
    case core::TensorParallelFolding::automatic:
      break;
  }
  return s.parallel.world_size() > kAutoFoldAboveGpus ? tp : 1;
}

cost::CostModel scenario_cost_model(const core::Scenario& scenario) {
  const core::ClusterSpec& cluster = scenario.cluster;
  std::string profile_id = scenario.sim.device_profile.empty() ? cluster.gpu.id : scenario.sim.device_profile;
  if (!scenario.source_path.empty() && std::filesystem::path(profile_id).is_relative()) {
    const std::filesystem::path near = std::filesystem::path(scenario.source_path).parent_path() / profile_id;
    std::error_code ec;
    if (std::filesystem::is_regular_file(near, ec)) profile_id = near.string();
  }
  const cost::DeviceProfile profile = cost::load_device_profile(profile_id);
  const double inter_per_gpu =
      cluster.gpu.nic_bandwidth_bytes_per_s * cluster.nics_per_node / std::max(1, cluster.gpus_per_node);
  return cost::CostModel(cluster.gpu, profile, inter_per_gpu);
}

TrainingRun run_training(const core::Scenario& scenario, const TrainingRunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  TrainingRun run;
  run.scenario = scenario;
  run.fold = tensor_parallel_fold(scenario);
  run.data_parallel_fold = data_parallel_fold(scenario, run.fold);
  admit_size(scenario, estimate_training_size(scenario));  // before the programs are built
  const core::ClusterSpec& cluster = scenario.cluster;

  const cost::CostModel model = scenario_cost_model(scenario);
  const bool free_comm = scenario.sim.communication == core::Communication::free;

  std::function<double(const core::KernelOp&)> price = options.kernel_time_s;
  if (!price) {
    price = [&model, free_comm](const core::KernelOp& op) {
      return free_comm ? model.time_s(without_collectives(op)) : model.time_s(op);
    };
  }

  // Every rank's program is built (and its plan validated) before the simulation
  // starts, so a bad scenario is an input error here rather than a failure in an actor.
  const std::vector<std::int64_t> sequences = training_sequences(scenario);
  std::vector<core::RankProgram> programs(static_cast<std::size_t>(scenario.parallel.world_size()));
  const std::vector<int> images = replica_images(scenario, run.data_parallel_fold);
  for (int r = 0; r < scenario.parallel.world_size(); r += run.fold) {
    if (!images.empty() && images[static_cast<std::size_t>(r)] != r) continue;  // a mirrored replica
    programs[static_cast<std::size_t>(r)] = rank_program(scenario, r, sequences);
  }

  sim::SimulationInput in;
  in.cluster = cluster;
  // SimGrid flows reach what NCCL reaches of a link, not its datasheet rate.
  const cost::CollectiveProfile& coll = model.collectives().profile();
  in.cluster.gpu.nvlink_bandwidth_bytes_per_s *= coll.nvlink_efficiency;
  in.cluster.gpu.nic_bandwidth_bytes_per_s *= coll.net_efficiency;
  in.ranks = scenario.parallel.world_size();
  in.fold = run.fold;
  in.image_of_rank = images;
  in.free_communication = free_comm;
  in.ring_step_limit = scenario.sim.ring_step_limit;
  in.engine = scenario.sim.engine;
  in.program_for = [&programs](int rank) { return programs[static_cast<std::size_t>(rank)]; };
  auto cache = std::make_shared<cost::PriceCache>(price);
  in.kernel_price = [cache](const core::KernelOp& op) { return cache->price(op); };
  const double call_overhead_s =
      coll.constants(cost::CollectiveAlgorithm::ring, cost::CollectiveProtocol::simple).base_latency_s;
  in.collective_overhead_s = [call_overhead_s](core::CollectiveKind, std::int64_t, int) { return call_overhead_s; };
  in.max_events = static_cast<std::uint64_t>(scenario.sim.max_events);
  in.max_wall_s = scenario.sim.max_wall_s;

  const auto sim_started = std::chrono::steady_clock::now();
  run.records = sim::simulate(in);
  run.simulation_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - sim_started).count();
  run.result = compute_training_result(scenario, run.records, training_model_flops(scenario),
                                             training_tokens(scenario));
  run.result.folding = {run.fold, run.data_parallel_fold};
  // The closed forms hold for the baseline on equal micro-batches.
  if (run.records.stopped_reason.empty() && scenario.strategy.name == core::Strategy::megatron && scenario.workload.kind == core::WorkloadKind::fixed_length &&
      scenario.strategy.schedule != core::PipelineSchedule::interleaved_1f1b &&
      scenario.strategy.recompute != core::RecomputePolicy::planner) {
    run.comparison = closed_form_comparison(scenario, run.result, price);
  }
  run.result.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return run;
}

}  // namespace lcperf::runs
