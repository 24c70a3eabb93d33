// The BladeDISC++ comparison on sampled long-tail training steps.
// Five activation-memory strategies run over the same micro-batches: Megatron's fixed
// recompute granularities (none / selective / full), the remat planner planned per
// micro-batch with its exact shape (an oracle), and the planner planned once over the
// whole symbolic range with only run-time eviction per micro-batch. The numbers go to
// reports/memory_study.hpp, which formats them and derives the verdicts.
//
// Choices (stated in the report): one sequence per micro-batch (B = 1, no packing, since
// the graph's attention term is B*S^2 per sequence), several micro-batches per step run one
// after another, pipeline parallelism off (one micro-batch in flight), the whole model on
// the rank unless --layers truncates it (graph and model states alike).
#include "studies/memory_study.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>
#include "core/errors.hpp"
#include "core/hardware_spec.hpp"
#include "core/scenario.hpp"
#include "core/training_memory.hpp"
#include "cost_models/device_profile.hpp"
#include "cost_models/op_cost.hpp"
#include "reports/format.hpp"
#include "schedulers/memory/op_schedule.hpp"
#include "schedulers/memory/recompute_comparison.hpp"
#include "schedulers/memory/remat.hpp"
#include "schedulers/memory/threshold.hpp"
#include "schedulers/memory/transformer_graph.hpp"
#include "traces/length_files.hpp"
#include "traces/length_sampling.hpp"
#include "core/units.hpp"

namespace lcperf::studies {

namespace {


namespace mem = schedulers::memory;
using reports::MemoryStrategy;

// Bounds on user input: the symbolic sizes are int64 polynomials with an S^2 attention
// term, so the context is capped well inside that range; the others keep runs short.
constexpr std::int64_t kMaxContext = std::int64_t{1} << 20;
constexpr int kMaxSteps = 100000;
constexpr int kMaxMicroBatches = 4096;


void validate(const MemoryStudyOptions& o, const core::ModelSpec& model) {
  const auto bad = [](const std::string& message) { throw core::InputError(message); };
  if (o.steps < 1 || o.steps > kMaxSteps) bad("--steps must be in [1, " + std::to_string(kMaxSteps) + "]");
  if (o.micro_batches < 1 || o.micro_batches > kMaxMicroBatches) {
    bad("--micro-batches must be in [1, " + std::to_string(kMaxMicroBatches) + "]");
  }
  if (o.context < 1 || o.context > kMaxContext) bad("--context must be in [1, " + std::to_string(kMaxContext) + "]");
  if (o.tp < 1) bad("--tp must be at least 1");
  if (model.heads % o.tp != 0 || model.kv_heads % o.tp != 0) {
    bad("--tp " + std::to_string(o.tp) + " must divide the model's heads (" + std::to_string(model.heads) +
        ") and KV heads (" + std::to_string(model.kv_heads) + ")");
  }
  if (o.sp && o.tp == 1) bad("--sp needs --tp > 1 (sequence parallelism splits over the TP group)");
  if (o.sp && o.context % o.tp != 0) bad("--context must be a multiple of --tp with --sp");
  if (o.layers < 0 || o.layers > model.layers) {
    bad("--layers must be in [1, " + std::to_string(model.layers) + "] (0: all)");
  }
  if (o.limit_given && !(o.limit_gib > 0 && std::isfinite(o.limit_gib))) bad("--limit-gib must be positive");
}

// The command line that reproduces the report, every option spelled out.
std::string command_text(const MemoryStudyOptions& o) {
  std::string c = "lcperf memory-study --model " + o.model + " --dataset " + o.dataset + " --device " + o.device +
                  " --steps " + std::to_string(o.steps) + " --micro-batches " + std::to_string(o.micro_batches) +
                  " --seed " + std::to_string(o.seed) + " --tp " + std::to_string(o.tp) + (o.sp ? " --sp" : "") +
                  " --context " + std::to_string(o.context);
  if (o.layers > 0) c += " --layers " + std::to_string(o.layers);
  if (o.limit_given) c += " --limit-gib " + reports::printf_string("%g", o.limit_gib);
  return c + " --out " + o.out;
}

// Prices FLOPs in seconds. Recompute and the layer's forward/backward are dominated by
// tensor-core work (projections, MLP, FlashAttention), so one rate serves both: the rate
// the cost model gives the MLP down-projection GEMM at the micro-batch's token count.
class FlopPricer {
 public:
  FlopPricer(const core::ModelSpec& model, int tp, const cost::CostModel& costs)
      : model_(model), tp_(tp), costs_(costs) {}
  double rate(std::int64_t tokens) const {
    const core::GemmShape gemm{tokens, model_.hidden, model_.ffn_hidden / tp_, 1, core::DType::bf16};
    const cost::OpCost c = costs_.cost(core::OpPart{gemm});
    return c.flops / c.time_s;
  }

 private:
  core::ModelSpec model_;
  int tp_;
  const cost::CostModel& costs_;
};

struct Outcome {
  std::int64_t peak = 0;
  std::int64_t recompute_flops = 0;
  bool oom = false;
  bool acted = false;  // planners: the run time evicted, or found no fitting eviction set
};

// Everything the study needs about one sequence length, computed once per distinct S.
struct LengthEval {
  std::array<Outcome, reports::kMemoryStrategyCount> strategies{};
  double compute_flops = 0;
  double flop_rate = 0;
  int exact_candidates = 0;  // eviction windows of the exact-shape plan
};

Outcome planner_outcome(const mem::RematRun& run, std::int64_t limit) {
  return {run.peak, run.recompute_flops, !run.feasible || run.peak > limit, !run.feasible || !run.evictions.empty()};
}

class Study {
 public:
  Study(const core::ModelSpec& model, const core::ParallelConfig& parallel, std::int64_t context, std::int64_t limit,
        const FlopPricer& pricer)
      : limit_(limit), pricer_(pricer), box_(mem::training_box({1, context}, {1, 1})) {
    const std::pair<core::Recompute, int> modes[] = {{core::Recompute::none, reports::kNoRemat},
                                                     {core::Recompute::selective, reports::kSelective},
                                                     {core::Recompute::full, reports::kFull}};
    for (const auto& [mode, index] : modes) {
      mem::TrainingGraphOptions o;
      o.recompute = mode;
      megatron_[static_cast<std::size_t>(index)] = build(model, parallel, o);
    }
    // The symbolic half: one schedule and one plan over the whole range of S.
    const mem::OpGraph& g = graph(reports::kNoRemat);
    schedule_ = mem::schedule_for_memory(g, box_);
    plan_ = mem::plan_remat(g, schedule_.order, box_);
    plan_peak_ = mem::symbolic_peak(plan_.timeline, box_);
    threshold_ = mem::symbolic_threshold(plan_peak_, box_, mem::kSeqSymbol, {{mem::kBatchSymbol, 1}}, limit);
  }

  const mem::OpGraph& graph(int index) const { return megatron_[static_cast<std::size_t>(index)]; }
  const mem::Threshold& threshold() const { return threshold_; }
  const mem::SymbolicPeak& plan_peak() const { return plan_peak_; }
  const mem::RematPlan& plan() const { return plan_; }
  const mem::ScheduleResult& schedule() const { return schedule_; }
  const mem::Box& box() const { return box_; }

  // Longest S one Megatron graph holds without eviction, from its symbolic peak.
  std::optional<std::int64_t> megatron_fit(int index) const {
    const mem::OpGraph& g = graph(index);
    const mem::SymbolicPeak peak = mem::symbolic_peak(g, g.program_order(), box_);
    return mem::symbolic_threshold(peak, box_, mem::kSeqSymbol, {{mem::kBatchSymbol, 1}}, limit_).max_fitting;
  }

  const LengthEval& at(std::int64_t seq) {
    const auto found = cache_.find(seq);
    if (found != cache_.end()) return found->second;
    return cache_.emplace(seq, evaluate(seq)).first->second;
  }

 private:
  static mem::OpGraph build(const core::ModelSpec& model, const core::ParallelConfig& parallel,
                            const mem::TrainingGraphOptions& options) {
    try {
      return mem::build_training_graph(model, parallel, options);
    } catch (const std::invalid_argument& error) {
      // Shards that do not divide (e.g. an FFN width not divisible by --tp).
      throw core::InputError(std::string("cannot build the training graph: ") + error.what());
    }
  }

  LengthEval evaluate(std::int64_t seq) const {
    const mem::Binding shape = mem::training_shape(seq, 1);
    LengthEval e;
    for (int s : {reports::kNoRemat, reports::kSelective, reports::kFull}) {
      const mem::OpGraph& g = graph(s);
      Outcome& o = e.strategies[static_cast<std::size_t>(s)];
      o.peak = mem::peak_bytes(g, g.program_order(), shape);
      o.recompute_flops = mem::recompute_flops(g, shape);
      o.oom = o.peak > limit_;
    }
    // The oracle: schedule and plan with the box collapsed to this S.
    const mem::OpGraph& g = graph(reports::kNoRemat);
    const mem::Box exact_box = mem::training_box({seq, seq}, {1, 1});
    const mem::ScheduleResult exact_schedule = mem::schedule_for_memory(g, exact_box);
    const mem::RematPlan exact_plan = mem::plan_remat(g, exact_schedule.order, exact_box);
    e.strategies[reports::kPlannerExact] = planner_outcome(mem::run_remat(exact_plan, shape, limit_), limit_);
    e.exact_candidates = static_cast<int>(exact_plan.candidates.size());
    e.strategies[reports::kPlannerSymbolic] = planner_outcome(mem::run_remat(plan_, shape, limit_), limit_);
    for (const mem::Op& op : g.ops()) e.compute_flops += static_cast<double>(op.flops.evaluate(shape));
    e.flop_rate = pricer_.rate(seq);
    return e;
  }

  std::int64_t limit_;
  const FlopPricer& pricer_;
  mem::Box box_;
  std::array<mem::OpGraph, 3> megatron_;
  mem::ScheduleResult schedule_;
  mem::RematPlan plan_;
  mem::SymbolicPeak plan_peak_;
  mem::Threshold threshold_;
  std::map<std::int64_t, LengthEval> cache_;
};

std::int64_t round_up(std::int64_t value, std::int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

// Folds one micro-batch into its step and into the planner comparison.
void add_micro_batch(std::int64_t seq, const LengthEval& e, const mem::Threshold& threshold, std::int64_t limit,
                     reports::MemoryStudyStep& step, reports::PlannerComparison& c) {
  step.longest = std::max(step.longest, seq);
  step.tokens += seq;
  step.compute_flops += e.compute_flops;
  step.compute_s += e.compute_flops / e.flop_rate;
  for (std::size_t s = 0; s < e.strategies.size(); ++s) {
    const Outcome& o = e.strategies[s];
    reports::StrategyStepResult& r = step.strategies[s];
    r.peak = std::max(r.peak, o.peak);
    r.oom_micro_batches += o.oom ? 1 : 0;
    r.recompute_flops += static_cast<double>(o.recompute_flops);
    r.recompute_s += static_cast<double>(o.recompute_flops) / e.flop_rate;
  }
  const Outcome& exact = e.strategies[reports::kPlannerExact];
  const Outcome& symbolic = e.strategies[reports::kPlannerSymbolic];
  const Outcome& none = e.strategies[reports::kNoRemat];
  const double ratio = static_cast<double>(symbolic.peak) / static_cast<double>(exact.peak);
  const bool first = c.micro_batches == 0;
  c.max_peak_ratio = first ? ratio : std::max(c.max_peak_ratio, ratio);
  c.min_peak_ratio = first ? ratio : std::min(c.min_peak_ratio, ratio);
  c.exact_candidates_min = first ? e.exact_candidates : std::min(c.exact_candidates_min, e.exact_candidates);
  c.exact_candidates_max = first ? e.exact_candidates : std::max(c.exact_candidates_max, e.exact_candidates);
  ++c.micro_batches;
  c.symbolic_higher += symbolic.peak > exact.peak ? 1 : 0;
  c.exact_higher += exact.peak > symbolic.peak ? 1 : 0;
  if (none.peak <= limit) {
    ++c.fitting_micro_batches;
    c.max_extension_overhead =
        std::max(c.max_extension_overhead, static_cast<double>(exact.peak) / static_cast<double>(none.peak) - 1.0);
    c.planner_evicted_where_none_fits += exact.acted ? 1 : 0;
  }
  const bool guard = threshold.exceeds(seq);
  step.over_threshold += guard ? 1 : 0;
  c.guard_fired += guard ? 1 : 0;
  c.symbolic_evicted += symbolic.acted ? 1 : 0;
  c.guard_disagreements += guard != symbolic.acted ? 1 : 0;
}

std::string model_text(const core::ModelSpec& model, int full_layers) {
  std::string text = model.id + ": " + std::to_string(model.layers) + " layers";
  if (model.layers != full_layers) {
    text += " (truncated from " + std::to_string(full_layers) + " by --layers; graph and model states alike)";
  }
  return text + ", hidden " + std::to_string(model.hidden) + ", " + std::to_string(model.heads) + "/" +
         std::to_string(model.kv_heads) + " heads, FFN " + std::to_string(model.ffn_hidden) + ", vocabulary " +
         std::to_string(model.vocab) + reports::printf_string(", %.2f B parameters", static_cast<double>(model.total_params()) / 1e9);
}

}  // namespace

reports::MemoryStudy run_memory_study(const MemoryStudyOptions& options) {
  core::ModelSpec model = core::load_model(options.model);
  validate(options, model);
  const int full_layers = model.layers;
  if (options.layers > 0) model.layers = options.layers;
  const traces::LengthDistribution lengths = traces::load_length_distribution(options.dataset);
  const cost::DeviceProfile profile = cost::load_device_profile(options.device);
  const core::HardwareSpec hardware = core::load_hardware(profile.hardware);
  const cost::CostModel costs(hardware, profile);

  core::ParallelConfig parallel;
  parallel.tp = options.tp;
  parallel.sequence_parallel = options.sp;
  const std::int64_t seq_multiple = options.sp ? options.tp : 1;

  // The budget for one micro-batch's activations: what the model states leave of HBM.
  const core::RankMemory states = core::rank_memory(model, parallel, core::MicroBatchShape{{seq_multiple}},
                                                    core::PipelineSchedule::one_f_one_b, core::Recompute::none, 0);
  const double state_bytes = static_cast<double>(states.model_states());
  const double limit_bytes = options.limit_given ? options.limit_gib * kGiB : hardware.hbm_bytes - state_bytes;
  if (limit_bytes < 1) {
    throw core::InputError("the model states (" + reports::gib_text(state_bytes) + " GiB) leave no room in " +
                           reports::gib_text(hardware.hbm_bytes) + " GiB of HBM: raise --tp or set --limit-gib");
  }
  const auto limit = static_cast<std::int64_t>(limit_bytes);

  const FlopPricer pricer(model, options.tp, costs);
  Study study(model, parallel, options.context, limit, pricer);

  reports::MemoryStudy out;
  reports::MemoryStudySetup& setup = out.setup;
  setup.command = command_text(options);
  setup.model = model_text(model, full_layers);
  setup.parallel = "TP " + std::to_string(options.tp) +
                   (options.sp ? " with sequence parallelism" : " without sequence parallelism") +
                   "; PP 1, CP 1 (one micro-batch in flight); FlashAttention, no dropout";
  setup.device = (hardware.name.empty() ? hardware.id : hardware.name) +
                 reports::printf_string(" (%.0f GB HBM, %.1f TFLOP/s bf16), cost-model profile `%s`",
                                        hardware.hbm_bytes / 1e9, hardware.peak_bf16_flops / 1e12, options.device.c_str());
  setup.dataset = "`" + options.dataset + "`: " + lengths.info().source +
                  reports::printf_string(" Mean %.0f tokens, median %lld, p99 %lld.", lengths.mean_length(),
                                         static_cast<long long>(lengths.quantile(0.5)),
                                         static_cast<long long>(lengths.quantile(0.99)));
  setup.steps = options.steps;
  setup.micro_batches = options.micro_batches;
  setup.seed = options.seed;
  setup.context = options.context;
  setup.seq_multiple = static_cast<int>(seq_multiple);
  setup.hbm_bytes = hardware.hbm_bytes;
  setup.model_state_bytes = state_bytes;
  setup.limit_bytes = static_cast<double>(limit);
  setup.limit_from_option = options.limit_given;
  setup.pricing = reports::printf_string(
      "FLOPs / the rate lcperf's cost model gives the MLP down-projection GEMM ([T x %lld] x [%lld x %lld], bf16) at "
      "the micro-batch's T tokens (%.0f TFLOP/s at T = %s, %.0f at T = 1,024). Recompute is tensor-core work "
      "(projections, MLP, FlashAttention), so the same rate prices it and the step's forward and backward: "
      "the overhead is the FLOP ratio, the seconds indicative.",
      static_cast<long long>(model.ffn_hidden / options.tp), static_cast<long long>(model.ffn_hidden / options.tp),
      static_cast<long long>(model.hidden), pricer.rate(options.context) / 1e12,
      reports::format_count(static_cast<std::uint64_t>(options.context)).c_str(), pricer.rate(1024) / 1e12);
  setup.planner = reports::printf_string(
      "BladeDISC's filters (recomputable producer, at least %lld bytes, at least %d ops between uses, positive "
      "net saving), one-op recompute, greedy run-time eviction by size x distance; the exact planner repeats the "
      "scheduling and planning for every distinct S.",
      static_cast<long long>(mem::RematOptions{}.min_bytes), mem::RematOptions{}.min_distance);

  for (int step = 0; step < options.steps; ++step) {
    reports::MemoryStudyStep s;
    s.step = step;
    const std::vector<std::int64_t> seqs =
        traces::sample_global_batch(lengths, options.micro_batches, options.seed, step, options.context);
    for (const std::int64_t raw : seqs) {
      const std::int64_t seq = round_up(raw, seq_multiple);
      add_micro_batch(seq, study.at(seq), study.threshold(), limit, s, out.planners);
    }
    out.steps.push_back(s);
  }

  out.thresholds.megatron_none = study.megatron_fit(reports::kNoRemat);
  out.thresholds.megatron_selective = study.megatron_fit(reports::kSelective);
  out.thresholds.megatron_full = study.megatron_fit(reports::kFull);
  out.thresholds.planner = study.threshold().max_fitting;
  out.thresholds.planner_peak = study.plan_peak().to_string();
  out.thresholds.planner_feasible_at_context =
      mem::run_remat(study.plan(), mem::training_shape(options.context, 1), limit).feasible;
  out.symbolic_candidates = static_cast<int>(study.plan().candidates.size());
  out.symbolic_schedule =
      study.schedule().accepted
          ? std::string("the list schedule was proven no worse than program order over the whole box and is used.")
          : std::string("the list schedule could not be proven no worse than program order over the whole box, so "
                        "program order is kept (both planners fall back the same way when it is not proven).");

  return out;
}

}  // namespace lcperf::studies
