// Vidur ops as lcperf parts; see vidur_op_map.hpp.
#include "cost_models/vidur_op_map.hpp"

#include <stdexcept>
#include <type_traits>
#include <string>
#include <variant>
#include <vector>

#include "core/layer_ops.hpp"
#include "core/model_spec.hpp"
#include "core/parallel_config.hpp"

namespace lcperf::cost {

namespace {

core::ModelSpec model_of(const VidurLayerShape& shape) {
  core::ModelSpec m;
  m.id = "vidur-row";
  m.layers = 1;
  m.hidden = shape.hidden;
  m.heads = shape.heads;
  m.kv_heads = shape.kv_heads;
  m.head_dim = static_cast<int>(shape.hidden / shape.heads);
  m.ffn_hidden = shape.ffn;
  m.vocab = shape.vocab;
  m.gated_mlp = shape.gated_mlp;
  m.layernorm_bias = false;  // RMSNorm
  m.dtype = core::DType::fp16;
  return m;
}

// The n-th part (0-based) of type T, or of element-wise kind `kind`, in `parts`.
template <typename T>
const T& nth(const std::vector<core::OpPart>& parts, int n, std::string_view kind = {}) {
  for (const core::OpPart& part : parts) {
    const auto* p = std::get_if<T>(&part);
    if (p == nullptr) continue;
    if constexpr (std::is_same_v<T, core::ElementwiseShape>) {
      if (p->kind != kind) continue;
    }
    if (n-- == 0) return *p;
  }
  // core/layer_ops.cpp changed its decomposition: the map above must follow it.
  throw std::logic_error("vidur_op_map: the layer decomposition lacks part " + std::string(kind));
}

}  // namespace

core::OpPart lcperf_part_of(VidurOp op, const VidurComputeRow& row) {
  const core::ModelSpec model = model_of(row.shape);
  core::ParallelConfig parallel;
  parallel.tp = row.tp;
  const core::MicroBatchShape batch{{row.tokens}, 0};
  const std::vector<core::OpPart> layer = core::layer_forward_parts(model, parallel, batch);
  switch (op) {
    case VidurOp::attn_pre_proj: return nth<core::GemmShape>(layer, 0);
    case VidurOp::attn_post_proj: return nth<core::GemmShape>(layer, 1);
    case VidurOp::mlp_up_proj: return nth<core::GemmShape>(layer, 2);
    case VidurOp::mlp_down_proj: return nth<core::GemmShape>(layer, 3);
    case VidurOp::input_layernorm: return nth<core::ElementwiseShape>(layer, 0, "rmsnorm");
    case VidurOp::post_attention_layernorm: return nth<core::ElementwiseShape>(layer, 1, "rmsnorm");
    case VidurOp::attn_rope: return nth<core::ElementwiseShape>(layer, 0, "rope");
    case VidurOp::mlp_act: return nth<core::ElementwiseShape>(layer, 0, row.shape.gated_mlp ? "swiglu" : "gelu");
    case VidurOp::add: return nth<core::ElementwiseShape>(layer, 0, "add");
    case VidurOp::emb:
      return nth<core::ElementwiseShape>(core::embedding_forward_parts(model, parallel, batch), 0, "embedding");
  }
  throw std::logic_error("vidur_op_map: unknown op");
}

std::string_view measured_group_of(VidurOp op) {
  switch (op) {
    case VidurOp::attn_pre_proj:
    case VidurOp::attn_post_proj:
    case VidurOp::mlp_up_proj:
    case VidurOp::mlp_down_proj: return "gemm";
    case VidurOp::input_layernorm:
    case VidurOp::post_attention_layernorm: return "norm";
    case VidurOp::attn_rope: return "rotary";
    case VidurOp::mlp_act: return "activation";
    case VidurOp::add: return "add";
    case VidurOp::emb: return "embedding";
  }
  return "?";
}

}  // namespace lcperf::cost
