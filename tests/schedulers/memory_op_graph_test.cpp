// The symbolic training graph against core's closed forms: what each layer leaves stored
// for its backward equals core::layer_activation_bytes (the Korthikanti table for the
// paper's model), and op FLOPs equal core::flops_of over core's layer parts.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/layer_ops.hpp"
#include "core/ops.hpp"
#include "core/training_memory.hpp"
#include "schedulers/memory/peak_memory.hpp"
#include "schedulers/memory/transformer_graph.hpp"
#include "test_models.hpp"

namespace lcperf::schedulers::memory {
namespace {

using core::Recompute;

// Bytes per group of the tensors alive across the forward-to-backward turn (born
// before the first backward-or-recompute op and still needed at or after it).
std::map<std::string, Polynomial> stored_at_turn(const OpGraph& g) {
  const std::vector<OpId> order = g.program_order();
  int turn = 0;
  while (g.op(turn).kind == "forward") ++turn;
  const Lifetimes lt = lifetimes(g, order);
  std::map<std::string, Polynomial> out;
  for (std::size_t t = 0; t < g.tensors().size(); ++t) {
    if (lt.birth[t] < turn && lt.death[t] >= turn) out[g.tensors()[t].group] += g.tensors()[t].bytes;
  }
  return out;
}

core::MicroBatchShape batch_of(std::int64_t s, std::int64_t b) {
  return core::MicroBatchShape{std::vector<std::int64_t>(static_cast<std::size_t>(b), s)};
}

const Polynomial S = Polynomial::symbol("S");
const Polynomial B = Polynomial::symbol("B");

TEST(OpGraph, KorthikantiTableSymbolically) {
  const core::ModelSpec model = test::gpt_paper_model();
  const std::int64_t h = model.hidden;
  const std::int64_t a = model.heads;
  TrainingGraphOptions opt;
  opt.activation = {.flash_attention = false, .dropout = true};
  opt.layers = 2;
  const Polynomial sbh = S * B * h;
  const Polynomial attn = 5 * a * S * S * B;
  core::ParallelConfig par;
  opt.recompute = Recompute::none;
  // No parallelism: sbh(34 + 5as/h).
  EXPECT_EQ(stored_at_turn(build_training_graph(model, par, opt))["L1"], 34 * sbh + attn);
  for (int t : {2, 4, 8}) {
    par.tp = t;
    for (bool sp : {false, true}) {
      par.sequence_parallel = sp;
      SCOPED_TRACE("tp " + std::to_string(t) + (sp ? " sp" : ""));
      opt.recompute = Recompute::none;
      auto none = stored_at_turn(build_training_graph(model, par, opt));
      opt.recompute = Recompute::selective;
      auto selective = stored_at_turn(build_training_graph(model, par, opt));
      opt.recompute = Recompute::full;
      auto full = stored_at_turn(build_training_graph(model, par, opt));
      const Polynomial base = sp ? (34 * sbh).divided_exactly(t) : 10 * sbh + (24 * sbh).divided_exactly(t);
      for (const char* layer : {"L0", "L1"}) {
        EXPECT_EQ(none[layer], base + attn.divided_exactly(t)) << none[layer].to_string();
        EXPECT_EQ(selective[layer], base) << selective[layer].to_string();
        EXPECT_EQ(full[layer], sp ? (2 * sbh).divided_exactly(t) : 2 * sbh);
      }
    }
  }
  EXPECT_EQ((34 * sbh + attn).to_string(), "80*B*S^2 + 34816*B*S");
}

// Llama-3-8B (GQA, SwiGLU, FlashAttention, no dropout) and the tiny model: numerically
// against core at several shapes, for every recompute mode, with and without SP, and
// the stage extras (embedding / head).
TEST(OpGraph, StoredBytesMatchCoreAtShapes) {
  for (const core::ModelSpec& model : {test::llama3_8b(), test::tiny_model(false), test::gpt_paper_model()}) {
    for (const core::ActivationModel am : {core::ActivationModel{}, core::ActivationModel{false, true}}) {
      for (int tp : {1, 2, 4}) {
        for (bool sp : {false, true}) {
          for (Recompute rc : {Recompute::none, Recompute::selective, Recompute::full}) {
            core::ParallelConfig par;
            par.tp = tp;
            par.sequence_parallel = sp;
            par.pp = 2;
            TrainingGraphOptions opt;
            opt.layers = 2;
            opt.recompute = rc;
            opt.activation = am;
            const OpGraph g = build_training_graph(model, par, opt);
            auto stored = stored_at_turn(g);
            for (std::int64_t s : {64, 1024, 4096}) {
              for (std::int64_t b : {1, 3}) {
                SCOPED_TRACE(model.id + " tp" + std::to_string(tp) + (sp ? "sp " : " ") +
                             std::string(core::to_string(rc)) + " S=" + std::to_string(s) + " B=" + std::to_string(b));
                const Binding at = training_shape(s, b);
                const core::MicroBatchShape mb = batch_of(s, b);
                const std::int64_t layer = core::layer_activation_bytes(model, par, mb, rc, am);
                EXPECT_EQ(stored["L0"].evaluate(at), layer);
                EXPECT_EQ(stored["L1"].evaluate(at), layer);
                // Single-stage graph: first and last stage extras together.
                const std::int64_t extras = core::stage_extra_activation_bytes(model, par, mb, 0, am) +
                                            core::stage_extra_activation_bytes(model, par, mb, par.pp - 1, am);
                EXPECT_EQ(stored["embedding"].evaluate(at) + stored["head"].evaluate(at), extras);
              }
            }
          }
        }
      }
    }
  }
}

double sum_flops(const std::vector<core::OpPart>& parts) {
  double total = 0;
  for (const core::OpPart& p : parts) total += core::flops_of(p);
  return total;
}

std::int64_t graph_flops(const OpGraph& g, const std::string& prefix, const std::string& kind, const Binding& at) {
  std::int64_t total = 0;
  for (const Op& op : g.ops()) {
    if (op.name.rfind(prefix, 0) == 0 && op.kind == kind) total += op.flops.evaluate(at);
  }
  return total;
}

TEST(OpGraph, FlopsMatchCoreLayerParts) {
  for (const core::ModelSpec& model : {test::llama3_8b(), test::gpt_paper_model()}) {
    for (int tp : {1, 2}) {
      for (Recompute rc : {Recompute::none, Recompute::selective, Recompute::full}) {
        core::ParallelConfig par;
        par.tp = tp;
        par.sequence_parallel = tp > 1;
        TrainingGraphOptions opt;
        opt.layers = 1;
        opt.recompute = rc;
        const OpGraph g = build_training_graph(model, par, opt);
        for (std::int64_t s : {128, 2048}) {
          const Binding at = training_shape(s, 2);
          const core::MicroBatchShape mb = batch_of(s, 2);
          SCOPED_TRACE(model.id + " S=" + std::to_string(s));
          EXPECT_DOUBLE_EQ(static_cast<double>(graph_flops(g, "L0.", "forward", at)),
                           sum_flops(core::layer_forward_parts(model, par, mb)));
          EXPECT_DOUBLE_EQ(static_cast<double>(graph_flops(g, "L0.", "recompute", at)),
                           sum_flops(core::layer_recompute_parts(model, par, mb, rc)));
          EXPECT_DOUBLE_EQ(static_cast<double>(graph_flops(g, "L0.", "backward", at)),
                           sum_flops(core::layer_backward_parts(model, par, mb, Recompute::none)));
          EXPECT_DOUBLE_EQ(static_cast<double>(graph_flops(g, "head.", "forward", at)),
                           sum_flops(core::head_forward_parts(model, par, mb)));
          EXPECT_DOUBLE_EQ(static_cast<double>(graph_flops(g, "head.", "backward", at)),
                           sum_flops(core::head_backward_parts(model, par, mb)));
          EXPECT_DOUBLE_EQ(static_cast<double>(graph_flops(g, "embed", "backward", at)),
                           sum_flops(core::embedding_backward_parts(model, par, mb)));
        }
      }
    }
  }
}

TEST(OpGraph, StructureAndRecomputability) {
  const core::ModelSpec model = test::llama3_8b();
  core::ParallelConfig par;
  par.tp = 2;
  par.sequence_parallel = true;
  TrainingGraphOptions opt;
  opt.layers = 3;
  opt.recompute = Recompute::full;
  const OpGraph g = build_training_graph(model, par, opt);
  EXPECT_TRUE(g.is_topological(g.program_order()));
  for (const Op& op : g.ops()) {
    const bool collective = op.name.find("gather") != std::string::npos || op.name.find("reduce") != std::string::npos;
    if (collective) {
      EXPECT_FALSE(op.recomputable) << op.name;
    }
    if (op.name.find(".qkv") != std::string::npos) {
      EXPECT_TRUE(op.recomputable) << op.name;
    }
  }
  EXPECT_FALSE(g.op(g.find_op("head.cross_entropy")).recomputable);  // all-reduces over TP
  EXPECT_TRUE(g.tensor(g.find_tensor("loss")).output);
  // Middle stage: activations arrive and leave through non-recomputable transfers.
  opt.first_stage = false;
  opt.last_stage = false;
  const OpGraph mid = build_training_graph(model, par, opt);
  EXPECT_GE(mid.find_op("recv_act"), 0);
  EXPECT_GE(mid.find_op("send_grad"), 0);
  EXPECT_FALSE(mid.op(mid.find_op("recv_grad")).recomputable);
  EXPECT_LT(mid.find_op("embed"), 0);
  core::ParallelConfig cp;
  cp.cp = 2;
  EXPECT_THROW(build_training_graph(model, cp, opt), std::invalid_argument);
}

}  // namespace
}  // namespace lcperf::schedulers::memory
