#include "schedulers/training/planned_memory.hpp"

#include <map>
#include <mutex>
#include <tuple>

#include "schedulers/memory/remat.hpp"
#include "schedulers/memory/transformer_graph.hpp"

namespace lcperf::schedulers::training {

class StagePlanner {
 public:
  StagePlanner(const core::ModelSpec& model, const core::ParallelConfig& parallel, int pp_stage,
               std::int64_t max_tokens) {
    memory::TrainingGraphOptions options;
    options.first_stage = pp_stage == 0;
    options.last_stage = pp_stage == parallel.pp - 1;
    options.recompute = core::Recompute::none;  // the planner decides what to regenerate
    graph_ = memory::build_training_graph(model, parallel, options);
    // Token counts are multiples of the TP degree with sequence parallelism (padded).
    box_ = memory::training_box({1, max_tokens}, {1, 1});
    plan_ = memory::plan_remat(graph_, graph_.program_order(), box_);
  }

  PlannedMicroBatch plan(std::int64_t tokens, std::int64_t budget) const {
    const memory::RematRun run = memory::run_remat(plan_, memory::training_shape(tokens, 1), budget);
    return {run.peak, run.recompute_flops, static_cast<int>(run.evictions.size()), run.feasible};
  }

 private:
  memory::OpGraph graph_;
  memory::Box box_;
  memory::RematPlan plan_;
};

std::shared_ptr<const StagePlanner> stage_planner(const core::ModelSpec& model, const core::ParallelConfig& parallel,
                                                  int pp_stage, std::int64_t max_tokens) {
  // Every rank of a stage shares one plan; building it is the expensive part.
  static std::mutex mutex;
  static std::map<std::tuple<std::string, int, bool, int, int, int, std::int64_t>, std::shared_ptr<const StagePlanner>>
      cache;
  const auto key = std::make_tuple(model.id + "/" + std::to_string(model.layers), parallel.tp,
                                   parallel.sequence_parallel, parallel.pp, parallel.cp, pp_stage, max_tokens);
  std::lock_guard lock(mutex);
  auto it = cache.find(key);
  if (it == cache.end()) {
    it = cache.emplace(key, std::make_shared<const StagePlanner>(model, parallel, pp_stage, max_tokens)).first;
  }
  return it->second;
}

PlannedMicroBatch plan_micro_batch(const StagePlanner& planner, std::int64_t tokens, std::int64_t budget_bytes) {
  return planner.plan(tokens, budget_bytes);
}

core::OpPart recompute_part(const core::ModelSpec& model, const core::ParallelConfig& parallel, std::int64_t tokens,
                            std::int64_t flops) {
  const core::LocalDims d = core::local_dims(model, parallel, core::MicroBatchShape{{tokens}});
  const std::int64_t m = std::max<std::int64_t>(1, d.tokens);
  const std::int64_t n = model.hidden;
  const std::int64_t k = std::max<std::int64_t>(1, flops / (2 * m * n));
  return core::GemmShape{m, n, k, 1, model.dtype};
}

}  // namespace lcperf::schedulers::training
