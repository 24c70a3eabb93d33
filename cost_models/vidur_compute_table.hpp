#pragma once
// A measured kernel table in the Vidur layout (compute/<gpu>/<org>/<model>/mlp.csv of
// Vidur's profiling data; cost_models/measured/vidur/README.md): one row per (model
// shape, token count, tensor-parallel degree) with the time of each non-attention op
// of one transformer layer, as `time_stats.<op>.<stat>` columns in milliseconds. The
// layout fixes the units (milliseconds; shapes in elements), so a column that is not
// one of the known ops and statistics or shape fields is an error, not ignored: a
// misread table would calibrate a device silently wrong.
//
// Every error is a core::InputError "FILE:LINE: column 'C': PROBLEM" (line 1 for the
// header).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lcperf::cost {

// The ops of an mlp.csv, in the order of its columns.
enum class VidurOp {
  emb,
  input_layernorm,
  attn_pre_proj,
  attn_rope,
  attn_post_proj,
  post_attention_layernorm,
  mlp_up_proj,
  mlp_act,
  mlp_down_proj,
  add,
};
inline constexpr std::array<VidurOp, 10> kAllVidurOps = {
    VidurOp::emb,         VidurOp::input_layernorm, VidurOp::attn_pre_proj, VidurOp::attn_rope,
    VidurOp::attn_post_proj, VidurOp::post_attention_layernorm, VidurOp::mlp_up_proj, VidurOp::mlp_act,
    VidurOp::mlp_down_proj, VidurOp::add};

std::string_view to_string(VidurOp op);
std::optional<VidurOp> parse_vidur_op(std::string_view text);

// The model shape a row was measured for (whole model, before TP sharding).
struct VidurLayerShape {
  int heads = 0;
  int kv_heads = 0;
  std::int64_t hidden = 0;
  std::int64_t ffn = 0;  // n_expanded_embd
  std::int64_t vocab = 0;
  bool gated_mlp = true;
  bool operator==(const VidurLayerShape&) const = default;
};

// One op's statistics over the measured repetitions, converted to seconds.
struct VidurOpTime {
  double median_s = 0;
  double min_s = 0;
  double max_s = 0;
};

struct VidurComputeRow {
  std::size_t line = 0;  // 1-based line in the file
  VidurLayerShape shape;
  std::int64_t tokens = 0;
  int tp = 1;
  // An op the table has no columns for is absent (phi-2's parallel attention and MLP
  // have no post-attention norm).
  std::array<std::optional<VidurOpTime>, kAllVidurOps.size()> times{};

  const std::optional<VidurOpTime>& time(VidurOp op) const { return times[static_cast<std::size_t>(op)]; }
};

// Requires the shape columns and, for every op with a timing column, its
// `time_stats.<op>.median` (at least one op); min and max are optional (they default to
// the median), mean and std are accepted and not used.
// Times must be > 0, shapes must divide (heads by kv_heads and by tp, hidden by heads).
std::vector<VidurComputeRow> parse_vidur_compute_table(std::string_view text, const std::string& origin);

}  // namespace lcperf::cost
