#pragma once
// The sweep's analytic tier: an estimate of a configuration's iteration from closed
// forms over the same cost model the simulator prices ops with, fast enough to rank
// every surviving configuration of a sweep before the simulator judges the best ones
// (sweeps/README.md, "Two tiers"). It also owns the pruning's memory bound: the
// estimate's memory is runs/sweep_memory_bound.hpp's lower bound, one computation for
// both uses.
//
// Per data-parallel replica, the items (micro-batches or chunks) and the order each
// pipeline rank runs their steps in come from the strategy's own planning and schedule
// (runs/sweep_pipeline_items.hpp). Every step is priced from the op parts the rank
// programs launch (the stage's layers, plus the embedding on the first virtual stage and
// the head on the last; a re-forward costs a forward), and the replica's pipeline time is
// the critical path of the schedule: a step starts when its rank's previous step has
// ended and, for a forward (backward), when the same item's forward (backward) on the
// previous (next) virtual stage has ended and its boundary tensor has crossed
// (pipeline_makespan_s). With m equal items this is the closed form
// (m + (p-1)/v)(f + b): 1F1B's bubble fraction (p-1)/(m+p-1), interleaved 1F1B's
// (p-1)/(v*m) of the ideal time (pipeline_time_s, pipeline_bubble_fraction).
//
// The iteration adds, after the slowest replica, the step: the gradient reduction that
// is not overlapped (all of it without overlap_grad_reduce, one bucket with it), the
// parameter all-gather of the distributed optimizer (unless overlapped), and the
// optimizer, on the stage holding the most parameters. Collectives are priced by the
// cost model's collective model. What it leaves out (and the simulation has):
// contention between concurrent flows on shared links, the memory traffic of
// overlapping streams, clipping and loss-scale work.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/scenario.hpp"
#include "cost_models/op_cost.hpp"
#include "runs/sweep_pipeline_items.hpp"

namespace lcperf::runs {

// Pipeline time of a replica whose slowest stage works `stage_work_s` in total, with
// mean item time `item_s` on one stage, over p stages of v virtual stages each:
// stage_work_s + (p-1)/v * item_s.
double pipeline_time_s(double stage_work_s, double item_s, int pp, int virtual_stages);
// The critical path of a replica's steps (see above): `stages[s]` = rank s's steps in
// order, `duration(s, step)` its time on rank s, `transfer(step)` the time the step's
// output takes to reach the neighbouring rank. Returns when the last step ends.
// Throws std::logic_error when the steps wait on each other in a cycle.
double pipeline_makespan_s(const std::vector<std::vector<PipelineStepRef>>& stages, int virtual_stages,
                           const std::function<double(int, const PipelineStepRef&)>& duration,
                           const std::function<double(const PipelineStepRef&)>& transfer);
// Idle share of the pipeline with m equal items: (p-1)/(v*m + p-1); 1F1B (v = 1) gives
// the textbook (p-1)/(m+p-1).
double pipeline_bubble_fraction(int pp, int micro_batches, int virtual_stages);

struct ConfigurationEstimate {
  double iteration_time_s = 0;
  double tokens_per_s = 0;
  double mfu = 0;
  double bubble_ratio = 0;   // idle share of the iteration, averaged over stages
  double dp_imbalance = 0;   // slowest replica's pipeline / mean - 1
  double compute_s = 0;      // the slowest replica's busiest pipeline rank: its total step time
  double bubble_s = 0;       // that replica's pipeline time beyond it (fill, drain, waits, transfers)
  double exposed_communication_s = 0;  // gradient reduction and parameter gathering not hidden
  double step_s = 0;         // optimizer
  std::int64_t memory_lower_bound_bytes = 0;

  // The metric of a sweep objective (runs::sweep_metrics()); peak_memory_bytes is the
  // memory lower bound.
  double metric(const std::string& name) const;
};

// Holds the cost models (one per hardware and device profile) and memos across the
// configurations of a sweep: items priced once per shape and layout, model FLOPs once
// per batch. Not thread-safe.
class ConfigurationEstimator {
 public:
  ConfigurationEstimator();
  ~ConfigurationEstimator();
  ConfigurationEstimator(const ConfigurationEstimator&) = delete;
  ConfigurationEstimator& operator=(const ConfigurationEstimator&) = delete;

  // `sequences`: the iteration's sequence lengths (runs::training_sequences). The memory
  // bound alone (cheap) for pruning; the whole estimate otherwise. Throws
  // core::InputError for layouts the strategy does not model.
  std::int64_t memory_lower_bound(const core::Scenario& scenario, const std::vector<std::int64_t>& sequences) const;
  ConfigurationEstimate estimate(const core::Scenario& scenario, const std::vector<std::int64_t>& sequences);

 private:
  struct Pricing;
  Pricing& pricing(const core::Scenario& scenario);
  double model_flops(const core::Scenario& scenario, const std::vector<std::int64_t>& sequences);

  std::map<std::string, std::unique_ptr<Pricing>> pricing_;  // by hardware id + device profile
  std::map<std::string, double> model_flops_;                // by model name + batch
};

}  // namespace lcperf::runs
