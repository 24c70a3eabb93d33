#pragma once
// The Markdown report of `lcperf memory-study`: five activation-memory strategies
// (Megatron none / selective / full, the remat planner with exact shapes, the planner
// with symbolic shapes) run over the same sampled training steps, and the comparison
// the BladeDISC++ paper makes (symbolic planning vs exact-shape planning).
//
// This file only formats: the numbers come from the study (studies/memory_study.cpp),
// which owns the planner. Every judgement in the text ("within X %", "agrees") is
// derived here from those numbers, never written in advance, so a different setting
// produces different sentences. Fixed precision throughout: equal inputs give equal bytes.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lcperf::reports {

// Column order of every table; indices into the per-step arrays.
enum MemoryStrategy : int { kNoRemat = 0, kSelective, kFull, kPlannerExact, kPlannerSymbolic, kMemoryStrategyCount };

// Display names, in MemoryStrategy order.
const std::array<const char*, kMemoryStrategyCount>& memory_strategy_names();

struct MemoryStudySetup {
  std::string command;  // the exact command line that produced the report
  std::string model;    // e.g. "llama3-8b: 32 layers, hidden 4096, 32/8 heads"
  std::string parallel;  // e.g. "TP 2 with sequence parallelism, PP 1, one micro-batch in flight"
  std::string device;    // e.g. "NVIDIA H200 SXM (141 GB HBM, 989 TFLOP/s bf16)"
  std::string dataset;   // id and source line of the length distribution
  int steps = 0;
  int micro_batches = 0;  // sequences (= micro-batches of one sequence) per step
  std::uint64_t seed = 0;
  std::int64_t context = 0;  // lengths are clipped to this
  int seq_multiple = 1;      // lengths are padded up to a multiple of this (tp with SP)
  double hbm_bytes = 0;
  double model_state_bytes = 0;  // weights + gradients + Adam states on the rank
  double limit_bytes = 0;        // activation budget the strategies must fit
  bool limit_from_option = false;  // --limit-gib rather than HBM - model states
  std::string pricing;  // how FLOPs become seconds (one sentence)
  std::string planner;  // how the two planners were set up (one sentence)
};

// One strategy over one step (all of its micro-batches).
struct StrategyStepResult {
  std::int64_t peak = 0;         // largest peak over the step's micro-batches (bytes)
  int oom_micro_batches = 0;     // micro-batches over the limit or reported infeasible
  double recompute_flops = 0;    // summed over the micro-batches
  double recompute_s = 0;
  bool oom() const { return oom_micro_batches > 0; }
};

struct MemoryStudyStep {
  int step = 0;
  std::int64_t longest = 0;  // longest sequence of the step (tokens, after clipping and padding)
  std::int64_t tokens = 0;   // all tokens of the step
  int over_threshold = 0;    // micro-batches with S > S* (the symbolic guard fires)
  double compute_flops = 0;  // forward + backward of the step without any recompute
  double compute_s = 0;
  std::array<StrategyStepResult, kMemoryStrategyCount> strategies{};
};

// Per-micro-batch facts that are lost when a step keeps only its maximum.
struct PlannerComparison {
  int micro_batches = 0;
  double max_peak_ratio = 1;  // symbolic / exact, worst micro-batch
  double min_peak_ratio = 1;
  int symbolic_higher = 0;    // micro-batches where the symbolic peak is strictly higher
  int exact_higher = 0;
  // Micro-batches that fit without any eviction under Megatron none: how much the
  // planners' lifetime extensions (the regeneration blocks' inputs) cost there.
  int fitting_micro_batches = 0;
  double max_extension_overhead = 0;  // planner exact peak / Megatron-none peak - 1, worst case
  // Micro-batches Megatron none fits on which the exact-shape planner still evicts: its
  // extensions pushed the baseline over the limit.
  int planner_evicted_where_none_fits = 0;
  // Eviction windows the exact-shape plans kept (they vary with S: small tensors are
  // filtered at small S); the symbolic plan's count is MemoryStudy::symbolic_candidates.
  int exact_candidates_min = 0;
  int exact_candidates_max = 0;
  int guard_fired = 0;       // micro-batches with S > S*
  int symbolic_evicted = 0;  // micro-batches where the symbolic run time evicted anything
  int guard_disagreements = 0;  // micro-batches where exactly one of the two holds
};

struct MemoryThresholds {
  // Largest S (B = 1) whose peak fits the limit without any eviction, per strategy;
  // nullopt when even S = 1 does not fit. The planner entry is the symbolic plan's S*.
  std::optional<std::int64_t> megatron_none, megatron_selective, megatron_full, planner;
  std::string planner_peak;  // the symbolic peak polynomial(s) S* was solved from
  bool planner_feasible_at_context = false;  // the run-time walk fits the limit at S = context
};

struct MemoryStudy {
  MemoryStudySetup setup;
  std::vector<MemoryStudyStep> steps;
  PlannerComparison planners;
  MemoryThresholds thresholds;
  int symbolic_candidates = 0;  // eviction windows kept by the one symbolic plan
  std::string symbolic_schedule;  // what the memory-aware scheduler did over the symbolic box
};

// The whole report. `per_step_rows` caps the per-step tables (the summary covers all steps).
std::string render_memory_study(const MemoryStudy& study, int per_step_rows = 20);

}  // namespace lcperf::reports
