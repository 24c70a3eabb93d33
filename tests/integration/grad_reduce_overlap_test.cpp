// Data-parallel gradient reduction overlapped with the backward pass (and the
// distributed optimizer's parameter all-gather overlapped with the forward), against
// hand-computed timelines: uniform layers (forward 1 ms, backward 2 ms, everything else
// free) on one NVSwitch node, so every collective is a plain ring whose time is
// overhead + steps x (two NVLink latencies + chunk / NVLink bandwidth).
// One simulation per test (SimGrid runs one engine per process).
#include <gtest/gtest.h>

#include <cmath>

#include "core/layer_ops.hpp"
#include "cost_models/op_cost.hpp"
#include "runs/training_run.hpp"

namespace lcperf::runs {
namespace {

constexpr double kForward = 1e-3;
constexpr double kBackward = 2e-3;
constexpr int kLayers = 4;
constexpr int kDp = 4;

double uniform_layers(const core::KernelOp& op) {
  if (op.name.rfind("fwd L", 0) == 0) return kForward;
  if (op.name.rfind("bwd L", 0) == 0) return kBackward;
  return 0.0;
}

core::Scenario scenario(const std::vector<core::Override>& overrides) {
  const std::string text = R"({
    "name": "overlap", "kind": "training",
    "model": {"id": "tiny", "layers": 4, "hidden": 256, "heads": 4, "kv_heads": 4, "head_dim": 64,
              "ffn_hidden": 1024, "vocab": 1024, "gated_mlp": false, "tied_embeddings": false,
              "qkv_bias": false, "layernorm_bias": false, "max_context": 1024, "dtype": "bf16"},
    "cluster": "h200-1node",
    "parallel": {"dp": 4, "micro_batch_size": 1, "num_micro_batches": 1},
    "workload": {"kind": "fixed_length", "seq_len": 256},
    "training": {"grad_bucket_mb": 0.001}
  })";
  return core::load_scenario_text(text, "overlap.json", overrides);
}

TrainingRun run(const core::Scenario& s) {
  TrainingRunOptions options;
  options.kernel_time_s = uniform_layers;
  return run_training(s, options);
}

// A ring collective of `bytes` over kDp GPUs of one node, as the simulator runs it.
double ring_s(const core::Scenario& s, core::CollectiveKind kind, double bytes) {
  const cost::CostModel model = scenario_cost_model(s);
  const cost::CollectiveProfile& profile = model.collectives().profile();
  const double overhead =
      profile.constants(cost::CollectiveAlgorithm::ring, cost::CollectiveProtocol::simple).base_latency_s;
  const double bw = s.cluster.gpu.nvlink_bandwidth_bytes_per_s * profile.nvlink_efficiency;
  const int steps = kind == core::CollectiveKind::all_reduce ? 2 * (kDp - 1) : kDp - 1;
  return overhead + steps * (2 * s.cluster.gpu.nvlink_latency_s + bytes / kDp / bw);
}

struct Params {
  double layer, embedding, head, total;
};
Params params_of(const core::Scenario& s) {
  Params p;
  p.layer = static_cast<double>(core::layer_params_on_rank(s.model, s.parallel));
  p.embedding = static_cast<double>(s.model.vocab * s.model.hidden);
  p.head = p.embedding + static_cast<double>(s.model.hidden);  // LM head and final norm
  p.total = static_cast<double>(core::params_on_rank(s.model, s.parallel, 0));
  return p;
}

constexpr double kCompute = kLayers * (kForward + kBackward);

TEST(GradReduceOverlap, NotOverlappedTheWholeAllReduceFollowsTheBackward) {
  const core::Scenario s = scenario({});
  EXPECT_FALSE(s.training.overlap_grad_reduce);
  const double expected = kCompute + ring_s(s, core::CollectiveKind::all_reduce, 4 * params_of(s).total);
  EXPECT_NEAR(run(s).result.iteration_time_s, expected, expected * 1e-6);
}

TEST(GradReduceOverlap, OverlappedOnlyTheLastBucketsAreExposed) {
  // One bucket per unit (head, L3..L0, embedding). Each bucket's all-reduce is far
  // shorter than a layer's backward, so all but the last layer's and the embedding's
  // (ready together when the backward ends) hide under the backward.
  const core::Scenario s = scenario({{"training.overlap_grad_reduce", "true"}});
  const Params p = params_of(s);
  ASSERT_LT(ring_s(s, core::CollectiveKind::all_reduce, 4 * p.head), kBackward);
  const double expected = kCompute + ring_s(s, core::CollectiveKind::all_reduce, 4 * p.layer) +
                          ring_s(s, core::CollectiveKind::all_reduce, 4 * p.embedding);
  const TrainingRun r = run(s);
  EXPECT_NEAR(r.result.iteration_time_s, expected, expected * 1e-6);
  // Every gradient is reduced once: the buckets add up to the rank's parameters.
  double reduced = 0;
  int buckets = 0;
  for (const auto& rec : r.records.timeline) {
    if (rec.rank == 0 && rec.category == "collective") {
      reduced += rec.bytes;
      ++buckets;
    }
  }
  EXPECT_EQ(buckets, kLayers + 2);
  EXPECT_DOUBLE_EQ(reduced, 4 * p.total);
}

TEST(GradReduceOverlap, Bf16ReductionMovesHalfTheBytes) {
  const core::Scenario s = scenario({{"training.grad_reduce_dtype", "bf16"}});
  const double expected = kCompute + ring_s(s, core::CollectiveKind::all_reduce, 2 * params_of(s).total);
  EXPECT_NEAR(run(s).result.iteration_time_s, expected, expected * 1e-6);
}

TEST(GradReduceOverlap, DistributedOptimizerGathersParametersUnderTheForward) {
  // Steady state: the previous step's all-gathers start the iteration, embedding first;
  // layer 0's forward waits for the embedding's and its own gather, the later ones are
  // hidden; the reduce-scatters of layer 0 and the embedding end the iteration.
  const core::Scenario s = scenario({{"parallel.distributed_optimizer", "true"},
                                     {"training.overlap_grad_reduce", "true"},
                                     {"training.overlap_param_gather", "true"}});
  const Params p = params_of(s);
  const double expected = ring_s(s, core::CollectiveKind::all_gather, 2 * p.embedding) +
                          ring_s(s, core::CollectiveKind::all_gather, 2 * p.layer) + kCompute +
                          ring_s(s, core::CollectiveKind::reduce_scatter, 4 * p.layer) +
                          ring_s(s, core::CollectiveKind::reduce_scatter, 4 * p.embedding);
  EXPECT_NEAR(run(s).result.iteration_time_s, expected, expected * 1e-6);
}

TEST(GradReduceOverlap, DistributedOptimizerWithoutOverlapReducesThenGathers) {
  const core::Scenario s = scenario({{"parallel.distributed_optimizer", "true"}});
  const Params p = params_of(s);
  const double expected = kCompute + ring_s(s, core::CollectiveKind::reduce_scatter, 4 * p.total) +
                          ring_s(s, core::CollectiveKind::all_gather, 2 * p.total);
  EXPECT_NEAR(run(s).result.iteration_time_s, expected, expected * 1e-6);
}

// Fixed step work: clipping reads the rank's optimizer shard of fp32 gradients for the
// norm (4 B each), all-reduces one float over every rank, then scales the gradients
// (read and write, 8 B each); fp16 loss scaling unscales them (8 B each) and
// all-reduces an overflow flag. Each op's bytes are the timeline's exact count, and
// its time is what the iteration adds after the gradient reduction.
TEST(FixedStepWork, ClippingAndLossScalingTouchEveryGradientOfTheShard) {
  const core::Scenario s = scenario({{"parallel.distributed_optimizer", "true"},
                                     {"training.clip_grad", "true"},
                                     {"model.dtype", "\"fp16\""}});
  TrainingRunOptions options;
  options.kernel_time_s = [](const core::KernelOp& op) {
    if (op.name == "clip grad") return 3e-3;
    if (op.name == "loss unscale") return 5e-3;
    return uniform_layers(op);
  };
  const TrainingRun r = run_training(s, options);
  const Params p = params_of(s);
  const double shard = std::ceil(p.total / kDp);
  int clips = 0;
  int unscales = 0;
  for (const auto& rec : r.records.timeline) {
    if (rec.rank != 0) continue;
    if (rec.name == "clip grad") {
      ++clips;
      EXPECT_DOUBLE_EQ(rec.bytes, 4 * shard + 4 + 8 * shard);
      EXPECT_EQ(rec.category, "grad_norm");
    }
    if (rec.name == "loss unscale") {
      ++unscales;
      EXPECT_DOUBLE_EQ(rec.bytes, 8 * shard + 4);
    }
  }
  EXPECT_EQ(clips, 1);
  EXPECT_EQ(unscales, 1);
  const double expected = kCompute + ring_s(s, core::CollectiveKind::reduce_scatter, 4 * p.total) + 5e-3 + 3e-3 +
                          ring_s(s, core::CollectiveKind::all_gather, 2 * p.total);
  EXPECT_NEAR(r.result.iteration_time_s, expected, expected * 1e-6);
}

}  // namespace
}  // namespace lcperf::runs
