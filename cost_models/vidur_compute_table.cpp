// Reading Vidur's per-layer op tables (mlp.csv); see vidur_compute_table.hpp.
#include "cost_models/vidur_compute_table.hpp"

#include <limits>

#include "core/errors.hpp"
#include "cost_models/vidur_csv.hpp"

namespace lcperf::cost {

namespace {

constexpr std::string_view kShapeColumns[] = {"n_head",   "n_kv_head",    "n_embd",    "n_expanded_embd",
                                              "vocab_size", "use_gated_mlp", "num_tokens", "num_tensor_parallel_workers"};

std::string time_column(VidurOp op, std::string_view stat) {
  return std::string(kVidurTimePrefix) + std::string(to_string(op)) + "." + std::string(stat);
}

// Shape columns must divide the way a sharded layer does, or the lcperf op the row is
// mapped to (vidur_op_map.hpp) would not be the op that was measured.
void check_divisibility(const VidurCsv& table, const CsvRow& row, const VidurLayerShape& s, int tp) {
  if (s.heads % s.kv_heads != 0) {
    table.fail(row, "column 'n_kv_head': " + std::to_string(s.kv_heads) + " does not divide n_head " +
                        std::to_string(s.heads));
  }
  if (s.hidden % s.heads != 0) {
    table.fail(row, "column 'n_embd': " + std::to_string(s.hidden) + " is not a multiple of n_head " +
                        std::to_string(s.heads));
  }
  if (s.heads % tp != 0) {
    table.fail(row, "column 'num_tensor_parallel_workers': " + std::to_string(tp) + " does not divide n_head " +
                        std::to_string(s.heads));
  }
}

}  // namespace

std::string_view to_string(VidurOp op) {
  switch (op) {
    case VidurOp::emb: return "emb";
    case VidurOp::input_layernorm: return "input_layernorm";
    case VidurOp::attn_pre_proj: return "attn_pre_proj";
    case VidurOp::attn_rope: return "attn_rope";
    case VidurOp::attn_post_proj: return "attn_post_proj";
    case VidurOp::post_attention_layernorm: return "post_attention_layernorm";
    case VidurOp::mlp_up_proj: return "mlp_up_proj";
    case VidurOp::mlp_act: return "mlp_act";
    case VidurOp::mlp_down_proj: return "mlp_down_proj";
    case VidurOp::add: return "add";
  }
  return "?";
}

std::optional<VidurOp> parse_vidur_op(std::string_view text) {
  for (VidurOp op : kAllVidurOps) {
    if (to_string(op) == text) return op;
  }
  return std::nullopt;
}

std::vector<VidurComputeRow> parse_vidur_compute_table(std::string_view text, const std::string& origin) {
  const VidurCsv csv(text, origin);

  std::vector<std::string_view> op_names;
  for (VidurOp op : kAllVidurOps) op_names.push_back(to_string(op));
  for (const std::string& name : csv.header()) {
    bool is_shape = false;
    for (std::string_view shape : kShapeColumns) is_shape = is_shape || name == shape;
    if (!is_shape && name != "index") csv.check_time_column(name, op_names);
  }
  constexpr std::string_view kWhy = "a Vidur mlp.csv has the model shape, num_tokens and TP degree of each row";
  const std::size_t c_heads = csv.require("n_head", kWhy);
  const std::size_t c_kv = csv.require("n_kv_head", kWhy);
  const std::size_t c_hidden = csv.require("n_embd", kWhy);
  const std::size_t c_ffn = csv.require("n_expanded_embd", kWhy);
  const std::size_t c_vocab = csv.require("vocab_size", kWhy);
  const std::size_t c_gated = csv.require("use_gated_mlp", kWhy);
  const std::size_t c_tokens = csv.require("num_tokens", kWhy);
  const std::size_t c_tp = csv.require("num_tensor_parallel_workers", kWhy);
  std::array<std::optional<std::size_t>, kAllVidurOps.size()> c_median{}, c_min{}, c_max{};
  bool any_op = false;
  for (std::size_t i = 0; i < kAllVidurOps.size(); ++i) {
    const VidurOp op = kAllVidurOps[i];
    bool has_columns = false;
    for (std::string_view stat : kVidurStats) has_columns = has_columns || csv.column(time_column(op, stat));
    if (!has_columns) continue;
    any_op = true;
    c_median[i] = csv.require(time_column(op, "median"), "the median time of an op is what is fitted");
    c_min[i] = csv.column(time_column(op, "min"));
    c_max[i] = csv.column(time_column(op, "max"));
  }
  if (!any_op) csv.require(time_column(VidurOp::attn_pre_proj, "median"), "no time_stats.<op>.<stat> column at all");

  constexpr std::int64_t kMaxInt = std::numeric_limits<int>::max();
  constexpr std::int64_t kMaxDim = std::int64_t{1} << 40;
  std::vector<VidurComputeRow> rows;
  for (const CsvRow& row : csv.rows()) {
    VidurComputeRow r;
    r.line = row.line;
    r.shape.heads = static_cast<int>(csv.integer(row, c_heads, 1, kMaxInt));
    r.shape.kv_heads = static_cast<int>(csv.integer(row, c_kv, 1, kMaxInt));
    r.shape.hidden = csv.integer(row, c_hidden, 1, kMaxDim);
    r.shape.ffn = csv.integer(row, c_ffn, 1, kMaxDim);
    r.shape.vocab = csv.integer(row, c_vocab, 1, kMaxDim);
    r.shape.gated_mlp = csv.boolean(row, c_gated);
    r.tokens = csv.integer(row, c_tokens, 1, kMaxDim);
    r.tp = static_cast<int>(csv.integer(row, c_tp, 1, 4096));
    check_divisibility(csv, row, r.shape, r.tp);
    for (std::size_t i = 0; i < kAllVidurOps.size(); ++i) {
      if (!c_median[i]) continue;
      VidurOpTime& t = r.times[i].emplace();
      t.median_s = csv.seconds(row, *c_median[i]);
      t.min_s = c_min[i] ? csv.seconds(row, *c_min[i]) : t.median_s;
      t.max_s = c_max[i] ? csv.seconds(row, *c_max[i]) : t.median_s;
    }
    rows.push_back(r);
  }
  if (rows.empty()) throw core::InputError(origin + ": no rows after the header");
  return rows;
}

}  // namespace lcperf::cost
