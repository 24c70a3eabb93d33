// The engine's in-place step op builder against core::serving_step_parts (the
// reference expansion), step after step, and the stage message codec.
#include "schedulers/serving/step_op.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "core/serving_ops.hpp"
#include "schedulers/serving/stage_message.hpp"
#include "test_models.hpp"

namespace lcperf::schedulers::serving {
namespace {

core::ServingSeq decode(std::int64_t context) { return {1, context, true, false, 0}; }
core::ServingSeq chunk(std::int64_t q, std::int64_t before, bool final_chunk) { return {q, before, false, final_chunk, 0}; }

// What the op of one stage must be: swap copies, then the stage's share of the step.
std::vector<core::OpPart> reference(const core::ModelSpec& model, const core::ParallelConfig& parallel,
                                    const EngineConfig& config, int stage, const std::vector<core::ServingSeq>& seqs,
                                    std::int64_t swap_out, std::int64_t swap_in) {
  std::vector<core::OpPart> parts;
  if (swap_out > 0) parts.push_back(core::kv_swap_part(swap_out, config.host_link_factor));
  if (swap_in > 0) parts.push_back(core::kv_swap_part(swap_in, config.host_link_factor));
  const std::vector<core::OpPart> body =
      core::serving_step_parts(model, parallel, seqs, model.layers / parallel.pp, stage == parallel.pp - 1, stage == 0);
  parts.insert(parts.end(), body.begin(), body.end());
  return parts;
}

struct Step {
  std::vector<core::ServingSeq> seqs;
  std::int64_t swap_out = 0;
  std::int64_t swap_in = 0;
};

// Decode batches that keep their layout (only contexts grow), then layouts that change:
// a prefill joins, a final chunk samples, swaps, an empty batch, and back; then
// continuing steps and steps of the same size that do not continue.
std::vector<Step> steps() {
  return {
      {{chunk(300, 0, true)}},
      {{decode(300)}},
      {{decode(301)}},
      {{decode(302), chunk(100, 0, false)}},
      {{decode(303), chunk(100, 100, false)}},
      {{decode(304), chunk(50, 200, true)}},
      {{decode(305), decode(250)}},
      {{decode(306), decode(251)}, 4096, 0},
      {{}, 0, 8192},
      {{decode(307)}, 0, 4096},
      {{decode(308)}},
      {{decode(309), decode(252), decode(17)}},
      // Continuing steps rewrite KV lengths in place; the same count with another kind
      // or another final flag must not.
      {{decode(310), decode(253), decode(18)}},
      {{decode(311), decode(254), chunk(64, 0, false)}},
      {{decode(312), decode(255), chunk(64, 64, true)}},
      {{decode(313), decode(256), decode(128)}},
  };
}

// The op is compact: the layer's parts once, repeated once per layer of the stage.
void expect_compact(const core::KernelOp& op, int stage_layers) {
  if (op.repeat_count == 0) return;
  EXPECT_EQ(op.repeat_count, static_cast<std::size_t>(stage_layers));
  ASSERT_GT(op.repeat_period, 0u);
  EXPECT_LE(op.repeat_begin + op.repeat_period, op.parts.size());
  // Sums over the compact op count the run once per layer (rounding aside).
  const double flops = core::flops_of(core::expanded(op));
  const double bytes = core::bytes_of(core::expanded(op));
  EXPECT_NEAR(core::flops_of(op), flops, 1e-12 * flops);
  EXPECT_NEAR(core::bytes_of(op), bytes, 1e-12 * bytes);
}

void expect_builder_matches(const core::ParallelConfig& parallel) {
  const core::ModelSpec model = test::tiny_model(false);
  EngineConfig config;
  config.host_link_factor = 3.5;
  for (int stage = 0; stage < parallel.pp; ++stage) {
    StepOpBuilder builder(model, parallel, config, stage);
    std::int64_t index = 0;
    for (const Step& s : steps()) {
      const core::KernelOp& op = builder.build(index, s.seqs, s.swap_out, s.swap_in);
      SCOPED_TRACE("stage " + std::to_string(stage) + " step " + std::to_string(index));
      EXPECT_EQ(op.name, "step " + std::to_string(index));
      EXPECT_EQ(op.category, "serving");
      EXPECT_EQ(core::expanded(op).parts, reference(model, parallel, config, stage, s.seqs, s.swap_out, s.swap_in));
      expect_compact(op, model.layers / parallel.pp);
      ++index;
    }
  }
}

TEST(ServingStepOp, EveryStepEqualsTheReferenceExpansion) {
  core::ParallelConfig parallel;
  parallel.tp = 2;
  expect_builder_matches(parallel);
}

TEST(ServingStepOp, EachPipelineStageGetsItsLayersEmbeddingOnlyFirstHeadOnlyLast) {
  core::ParallelConfig parallel;
  parallel.pp = 2;
  expect_builder_matches(parallel);
  parallel.pp = 4;
  expect_builder_matches(parallel);
  // Stage ops split the layers: two stages of two layers hold the layer parts of one op
  // of four layers between them.
  const core::ModelSpec model = test::tiny_model(false);
  const std::vector<core::ServingSeq> seqs = {decode(40), chunk(64, 0, true)};
  const core::ServingStepShape shape = core::serving_step_shape(model, core::ParallelConfig{}, seqs, true, true);
  EXPECT_EQ(core::serving_step_parts(model, core::ParallelConfig{}, seqs, 4, true, true).size(),
            shape.prologue.size() + 4 * shape.layer.size() + shape.epilogue.size());
  EXPECT_EQ(stage_layers(32, 4), 8);
}

TEST(ServingStageMessage, RoundTripsAndRejectsForeignPayloads) {
  StageBatch b;
  b.sequence = 7;
  b.step = 12;
  b.seqs = {decode(99), chunk(512, 1024, true)};
  b.seqs[1].prompt_tokens = 1536;
  b.kv_events = {{3, KvEvent::Kind::grow, 5}, {1, KvEvent::Kind::release, 9}};
  b.swap_out_blocks = 2;
  b.swap_in_blocks = 4;
  const std::string payload = encode_stage_batch(b);
  EXPECT_EQ(decode_stage_batch(payload), b);
  StageBatch stop;
  stop.stop = true;
  EXPECT_EQ(decode_stage_batch(encode_stage_batch(stop)), stop);
  EXPECT_THROW(decode_stage_batch(payload.substr(0, payload.size() - 3)), std::logic_error);
  EXPECT_THROW(decode_stage_batch(payload + "x"), std::logic_error);
}

}  // namespace
}  // namespace lcperf::schedulers::serving
