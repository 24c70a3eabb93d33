#pragma once
// Which lcperf op each op of a Vidur layer table measured. The row's model shape and TP
// degree become a core::ModelSpec and ParallelConfig, and the op is picked out of what
// core::layer_forward_parts / embedding_forward_parts build for one rank: so the shape
// a measured time is fitted to is exactly the part the simulator prices for that layer
// (GEMM dims after TP sharding, GQA's KV width, the norm/rope/SwiGLU element counts and
// their bytes per element from core/layer_ops.cpp).
//
//   Vidur op                        lcperf part (forward, one TP rank)
//   attn_pre_proj                   GEMM tokens x (heads_q + 2 heads_kv) head_dim x hidden
//   attn_post_proj                  GEMM tokens x hidden x heads_q head_dim
//   mlp_up_proj                     GEMM tokens x (2 if gated) ffn/tp x hidden
//   mlp_down_proj                   GEMM tokens x hidden x ffn/tp
//   input_/post_attention_layernorm element-wise "rmsnorm" over tokens x hidden
//   attn_rope                       element-wise "rope" over tokens x (heads_q + heads_kv) head_dim
//   mlp_act                         element-wise "swiglu" (gated) or "gelu" over tokens x ffn/tp
//   add                             element-wise "add" over tokens x hidden
//   emb                             element-wise "embedding" over tokens x hidden
//
// Vidur profiles in half precision, so GEMMs are fp16; its norms are RMSNorm.
#include <string_view>

#include "core/ops.hpp"
#include "cost_models/vidur_compute_table.hpp"

namespace lcperf::cost {

core::OpPart lcperf_part_of(VidurOp op, const VidurComputeRow& row);

// The group a Vidur op's errors are reported under: gemm, norm, rotary, activation,
// add, embedding.
std::string_view measured_group_of(VidurOp op);

}  // namespace lcperf::cost
