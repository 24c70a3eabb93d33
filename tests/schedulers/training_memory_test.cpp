// Closed-form training memory: the Korthikanti table for the paper's model, and a hand
// computation for Llama-3-8B with tp2 pp2 dp2.
#include "core/training_memory.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "test_models.hpp"

namespace lcperf::core {
namespace {

// Paper notation with b = 1: s tokens, h hidden, a heads, t tensor-parallel ranks.
TEST(TrainingMemory, KorthikantiTableForPaperModel) {
  const ModelSpec model = test::gpt_paper_model();
  const ActivationModel paper{.flash_attention = false, .dropout = true};
  const std::int64_t s = 2048;
  const std::int64_t h = model.hidden;
  const std::int64_t a = model.heads;
  const MicroBatchShape batch{{s}};
  const std::int64_t sbh = s * h;

  ParallelConfig par;
  EXPECT_EQ(layer_activation_bytes(model, par, batch, Recompute::none, paper), 34 * sbh + 5 * a * s * s);

  for (int t : {2, 4, 8}) {
    par.tp = t;
    par.sequence_parallel = false;
    EXPECT_EQ(layer_activation_bytes(model, par, batch, Recompute::none, paper),
              10 * sbh + 24 * sbh / t + 5 * a * s * s / t);
    EXPECT_EQ(layer_activation_bytes(model, par, batch, Recompute::selective, paper), 10 * sbh + 24 * sbh / t);
    EXPECT_EQ(layer_activation_bytes(model, par, batch, Recompute::full, paper), 2 * sbh);
    par.sequence_parallel = true;
    EXPECT_EQ(layer_activation_bytes(model, par, batch, Recompute::none, paper), 34 * sbh / t + 5 * a * s * s / t);
    EXPECT_EQ(layer_activation_bytes(model, par, batch, Recompute::selective, paper), 34 * sbh / t);
    EXPECT_EQ(layer_activation_bytes(model, par, batch, Recompute::full, paper), 2 * sbh / t);
  }
}

TEST(TrainingMemory, FlashAttentionKeepsOnlyTheLogSumExp) {
  const ModelSpec model = test::gpt_paper_model();
  const MicroBatchShape batch{{4096}};
  ParallelConfig par;
  par.tp = 2;
  const std::int64_t with_flash = layer_activation_bytes(model, par, batch, Recompute::none);
  const std::int64_t selective = layer_activation_bytes(model, par, batch, Recompute::selective);
  EXPECT_EQ(with_flash - selective, 4 * 4096 * (model.heads / 2));
  EXPECT_EQ(recompute_transient_bytes(model, par, batch, Recompute::selective), with_flash - selective);
  EXPECT_EQ(recompute_transient_bytes(model, par, batch, Recompute::none), 0);
}

TEST(TrainingMemory, ModelStatesBytesPerParam) {
  ParallelConfig par;
  par.dp = 4;
  EXPECT_EQ(weight_bytes(10) + gradient_bytes(10) + optimizer_bytes(10, par), 18 * 10);
  par.distributed_optimizer = true;
  EXPECT_EQ(optimizer_bytes(100, par), 12 * 25);
  EXPECT_EQ(optimizer_bytes(101, par), 12 * 26);  // a shard rounds up
  par.cp = 2;
  EXPECT_EQ(optimizer_params(100, par), 13);  // sharded over dp * cp
}

// Llama-3-8B, tp2 (SP) pp2 dp2, 1F1B with 8 micro-batches of one 8192-token sequence,
// distributed optimizer, no recompute, FlashAttention, no dropout. Every number below
// is worked out by hand from the model's shape.
TEST(TrainingMemory, Llama3_8B_Tp2Pp2Dp2ByHand) {
  const ModelSpec model = test::llama3_8b();
  ParallelConfig par;
  par.tp = 2;
  par.sequence_parallel = true;
  par.pp = 2;
  par.dp = 2;
  par.num_micro_batches = 8;
  par.distributed_optimizer = true;
  const MicroBatchShape batch{{8192}};

  // Per layer on one TP rank: QKV 4096*(16+2*4)*128 + out 16*128*4096 + MLP 3*4096*7168
  // + two RMSNorms 2*4096 = 12,582,912 + 8,388,608 + 88,080,384 + 8,192.
  const std::int64_t layer_params = 109'060'096;
  EXPECT_EQ(layer_params_on_rank(model, par), layer_params);
  const std::int64_t embedding = 64'128LL * 4096;  // vocab/2 rows
  const std::int64_t p0 = 16 * layer_params + embedding;
  const std::int64_t p1 = 16 * layer_params + 4096 + embedding;  // final norm + LM head
  EXPECT_EQ(p0, 2'007'629'824);
  EXPECT_EQ(p1, 2'007'633'920);

  // Activations per layer, T = 8192 tokens, T/t = 4096 on the residual stream:
  //   4 * 2*4096*4096       norm, QKV and MLP inputs (SP-sharded)   134,217,728
  //   2*8192*(2048+2*512)   Q, K, V                                   50,331,648
  //   2*8192*2048           out-proj input                            33,554,432
  //   2*8192*2*7168         SwiGLU input                             234,881,024
  //   2*8192*7168           down-proj input                          117,440,512
  //   4*8192*16             fp32 log-sum-exp                             524,288
  const std::int64_t layer_act = 570'949'632;
  EXPECT_EQ(layer_activation_bytes(model, par, batch, Recompute::none), layer_act);
  const std::int64_t boundary = 2LL * 4096 * 4096;
  EXPECT_EQ(stage_boundary_bytes(model, par, batch), boundary);

  const RankMemory first = rank_memory(model, par, batch, PipelineSchedule::one_f_one_b, Recompute::none, 0);
  EXPECT_EQ(first.params, p0);
  EXPECT_EQ(first.weights, 2 * p0);
  EXPECT_EQ(first.gradients, 4 * p0);
  EXPECT_EQ(first.optimizer, 12 * (p0 / 2));
  EXPECT_EQ(first.activations_per_micro_batch, 16 * layer_act);
  EXPECT_EQ(first.in_flight, 2);
  EXPECT_EQ(first.transient, 2 * boundary);  // sent activation + gradient receive buffer
  EXPECT_EQ(first.peak(), 42'429'054'976);   // about 39.5 GiB

  const RankMemory last = rank_memory(model, par, batch, PipelineSchedule::one_f_one_b, Recompute::none, 1);
  // Output layer: final-norm and LM-head inputs, fp32 logits 4*8192*64128.
  EXPECT_EQ(last.activations_per_micro_batch, 16 * layer_act + 2 * boundary + 4LL * 8192 * 64128);
  EXPECT_EQ(last.in_flight, 1);
  EXPECT_EQ(last.transient, 0);
  EXPECT_EQ(last.peak(), 35'395'256'320);  // about 33.0 GiB

  // Full recompute keeps one layer input per layer and needs one layer's worth back.
  const RankMemory full = rank_memory(model, par, batch, PipelineSchedule::one_f_one_b, Recompute::full, 0);
  EXPECT_EQ(full.activations_per_micro_batch, 16 * boundary);
  EXPECT_EQ(full.recompute_transient, layer_act - boundary);
  EXPECT_EQ(full.transient, boundary + layer_act - boundary);
}

TEST(TrainingMemory, RejectsUnmodelledSchedule) {
  EXPECT_THROW(max_in_flight_micro_batches("interleaved_1f1b", 4, 0, 8), InputError);
}

}  // namespace
}  // namespace lcperf::core
