#include "schedulers/memory/recompute_comparison.hpp"

namespace lcperf::schedulers::memory {

std::int64_t recompute_flops(const OpGraph& graph, const Binding& at) {
  std::int64_t total = 0;
  for (const Op& op : graph.ops()) {
    if (op.kind == "recompute") total = checked::add_or_throw(total, op.flops.evaluate(at));
  }
  return total;
}

std::vector<StrategyResult> compare_recompute_strategies(const core::ModelSpec& model,
                                                         const core::ParallelConfig& parallel,
                                                         const TrainingGraphOptions& options, const Box& box,
                                                         const Binding& at, std::int64_t limit,
                                                         const RematOptions& remat) {
  std::vector<StrategyResult> out;
  const std::pair<core::Recompute, const char*> modes[] = {{core::Recompute::none, "megatron-none"},
                                                           {core::Recompute::selective, "megatron-selective"},
                                                           {core::Recompute::full, "megatron-full"}};
  for (const auto& [mode, name] : modes) {
    TrainingGraphOptions o = options;
    o.recompute = mode;
    const OpGraph g = build_training_graph(model, parallel, o);
    StrategyResult r{name, peak_bytes(g, g.program_order(), at), recompute_flops(g, at), false};
    r.fits = r.peak <= limit;
    out.push_back(r);
  }
  TrainingGraphOptions o = options;
  o.recompute = core::Recompute::none;
  const OpGraph g = build_training_graph(model, parallel, o);
  const RematPlan plan = plan_remat(g, g.program_order(), box, remat);
  const RematRun run = run_remat(plan, at, limit);
  out.push_back({"evict", run.peak, run.recompute_flops, run.feasible && run.peak <= limit});
  return out;
}

}  // namespace lcperf::schedulers::memory
