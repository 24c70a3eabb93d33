// The sweep's analytic tier against closed forms: the 1F1B and interleaved bubble
// fractions, the schedule's critical path on equal items, the compute sum priced from
// the cost model, and the estimate against a simulation of the same scenario.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "core/layer_ops.hpp"
#include "core/scenario.hpp"
#include "runs/forked_runs.hpp"
#include "runs/sweep_estimate.hpp"
#include "runs/training_run.hpp"
#include "schedulers/training/pipeline_schedule.hpp"

namespace lcperf::runs {
namespace {

namespace training = schedulers::training;

const std::string kSmoke = LCPERF_SOURCE_DIR "/scenarios/smoke/llama3-8b-8xh200-1f1b.json";

TEST(SweepEstimate, OneFOneBBubbleIsTheTextbookFraction) {
  for (int p : {1, 2, 4, 8}) {
    for (int m : {1, 4, 16}) {
      const double t = 0.25;
      EXPECT_DOUBLE_EQ(pipeline_bubble_fraction(p, m, 1), static_cast<double>(p - 1) / (m + p - 1)) << p << " " << m;
      EXPECT_DOUBLE_EQ(pipeline_time_s(m * t, t, p, 1), (m + p - 1) * t) << p << " " << m;
    }
  }
}

TEST(SweepEstimate, InterleavedBubbleIsDividedByTheVirtualStages) {
  // Megatron-LM's interleaved schedule: bubble time / ideal time = (p-1)/(v*m).
  for (int v : {1, 2, 4}) {
    const int p = 4;
    const int m = 8;
    const double t = 1.5;
    const double ideal = m * t;
    EXPECT_DOUBLE_EQ((pipeline_time_s(ideal, t, p, v) - ideal) / ideal, static_cast<double>(p - 1) / (v * m)) << v;
    const double fraction = pipeline_bubble_fraction(p, m, v);
    EXPECT_DOUBLE_EQ(fraction / (1 - fraction), static_cast<double>(p - 1) / (v * m)) << v;
  }
}

std::vector<std::vector<PipelineStepRef>> steps_of(core::PipelineSchedule schedule, int p, int m, int v) {
  std::vector<std::vector<PipelineStepRef>> stages;
  for (int s = 0; s < p; ++s) {
    auto& steps = stages.emplace_back();
    for (const training::PipelineStep& step : training::make_pipeline_schedule(schedule, p, s, m, v)) {
      steps.push_back({step.kind == training::PipelineStep::Kind::forward ? PipelineStepRef::Kind::forward
                                                                          : PipelineStepRef::Kind::backward,
                       step.micro_batch, step.model_chunk});
    }
  }
  return stages;
}

TEST(SweepEstimate, ScheduleCriticalPathOnEqualItemsIsTheClosedForm) {
  const double f = 1.0;
  const double b = 2.0;
  const auto no_transfer = [](const PipelineStepRef&) { return 0.0; };
  for (const core::PipelineSchedule schedule : {core::PipelineSchedule::one_f_one_b, core::PipelineSchedule::gpipe}) {
    for (int p : {1, 2, 4}) {
      for (int m : {1, 3, 8}) {
        const auto duration = [&](int, const PipelineStepRef& s) {
          return s.kind == PipelineStepRef::Kind::backward ? b : f;
        };
        EXPECT_DOUBLE_EQ(pipeline_makespan_s(steps_of(schedule, p, m, 1), 1, duration, no_transfer),
                         pipeline_time_s(m * (f + b), f + b, p, 1))
            << p << " " << m;
      }
    }
  }
  // Interleaved 1F1B over v model chunks of f/v and b/v each: (m + (p-1)/v)(f + b).
  for (int v : {2, 4}) {
    const int p = 4;
    const int m = 8;
    const auto duration = [&](int, const PipelineStepRef& s) {
      return (s.kind == PipelineStepRef::Kind::backward ? b : f) / v;
    };
    EXPECT_NEAR(pipeline_makespan_s(steps_of(core::PipelineSchedule::interleaved_1f1b, p, m, v), v, duration, no_transfer),
                pipeline_time_s(m * (f + b), f + b, p, v), 1e-9)
        << v;
  }
  // A transfer between stages adds once per stage crossing on the fill and the drain.
  const double c = 0.5;
  const auto duration = [&](int, const PipelineStepRef& s) { return s.kind == PipelineStepRef::Kind::backward ? b : f; };
  EXPECT_DOUBLE_EQ(pipeline_makespan_s(steps_of(core::PipelineSchedule::one_f_one_b, 2, 1, 1), 1, duration,
                                       [&](const PipelineStepRef&) { return c; }),
                   2 * (f + b) + 2 * c);
}

TEST(SweepEstimate, ComputeIsTheSumOfThePricedWork) {
  // One stage, one replica, no communication: the busiest rank's work is m micro-batches
  // of every layer's forward and backward plus the embedding and the head, each priced by
  // the scenario's cost model, and the iteration adds only the optimizer.
  const core::Scenario s = core::load_scenario(
      kSmoke, {{"parallel.pp", "1"}, {"parallel.dp", "1"}, {"sim.communication", "\"free\""}});
  const cost::CostModel model = scenario_cost_model(s);
  const auto price = [&](const std::vector<core::OpPart>& parts) {
    double t = 0;
    for (const core::OpPart& part : parts) {
      if (!std::holds_alternative<core::CollectiveShape>(part)) t += model.time_s(part);
    }
    return t;
  };
  const core::MicroBatchShape batch{{s.workload.seq_len}, 0};
  const core::CommSpan span = core::comm_span(s.cluster, s.parallel, 0);
  const double one = s.model.layers * (price(core::layer_forward_parts(s.model, s.parallel, batch, span)) +
                                       price(core::layer_backward_parts(s.model, s.parallel, batch,
                                                                        core::Recompute::none, span))) +
                     price(core::embedding_forward_parts(s.model, s.parallel, batch, span)) +
                     price(core::embedding_backward_parts(s.model, s.parallel, batch, span)) +
                     price(core::head_forward_parts(s.model, s.parallel, batch, span)) +
                     price(core::head_backward_parts(s.model, s.parallel, batch, span));
  ConfigurationEstimator estimator;
  const ConfigurationEstimate e = estimator.estimate(s, training_sequences(s));
  EXPECT_NEAR(e.compute_s, s.parallel.num_micro_batches * one, 1e-9 * e.compute_s);
  EXPECT_NEAR(e.bubble_s, 0.0, 1e-12);
  EXPECT_DOUBLE_EQ(e.exposed_communication_s, 0.0);
  const double optimizer = price(core::optimizer_parts(core::params_on_rank(s.model, s.parallel, 0)));
  EXPECT_NEAR(e.iteration_time_s, s.parallel.num_micro_batches * one + optimizer, 1e-9 * e.iteration_time_s);
  EXPECT_NEAR(e.tokens_per_s * e.iteration_time_s,
              static_cast<double>(s.parallel.num_micro_batches) * s.workload.seq_len, 1e-6);
}

// The bound the sweep documents for this tier on the shipped sweeps is well under 1 %
// (sweeps/README.md); the smoke scenario (tensor, pipeline and data parallelism, the
// network model on) under 1F1B and GPipe must land within 2 % of its simulation. SimGrid
// runs one simulation per process, so each runs in a forked child as the sweep's do.
TEST(SweepEstimate, AgreesWithTheSimulationOfTheSmokeScenario) {
  std::vector<ForkedRun> runs;
  std::map<std::string, ConfigurationEstimate> estimates;
  ConfigurationEstimator estimator;
  for (const char* schedule : {"\"1f1b\"", "\"gpipe\""}) {
    ForkedRun run;
    run.id = schedule;
    run.scenario = core::load_scenario(kSmoke, {{"strategy.schedule", schedule}, {"sim.granularity", "\"stage\""}});
    estimates[run.id] = estimator.estimate(run.scenario, training_sequences(run.scenario));
    runs.push_back(std::move(run));
  }
  std::size_t finished = 0;
  run_forked(runs, 2, [&](const ForkedOutcome& outcome, std::size_t, std::size_t) {
    ASSERT_TRUE(outcome.ok) << outcome.error;
    ++finished;
    const ConfigurationEstimate& e = estimates.at(outcome.id);
    EXPECT_NEAR(e.iteration_time_s / outcome.result.iteration_time_s, 1.0, 0.02) << outcome.id;
    EXPECT_NEAR(e.tokens_per_s / outcome.result.tokens_per_s, 1.0, 0.02) << outcome.id;
    EXPECT_NEAR(e.mfu / outcome.result.mfu, 1.0, 0.02) << outcome.id;
    EXPECT_LE(e.memory_lower_bound_bytes, outcome.result.peak_memory_bytes) << outcome.id;
  });
  EXPECT_EQ(finished, 2u);
}

}  // namespace
}  // namespace lcperf::runs
