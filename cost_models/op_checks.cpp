#include "cost_models/op_checks.hpp"

#include <variant>

namespace lcperf::cost {

namespace {

using Problem = std::optional<std::string>;

Problem check_gemm(const core::GemmShape& g) {
  if (g.m < 0 || g.n < 0 || g.k < 0) return "m, n and k must be >= 0";
  if (g.batch < 0) return "batch must be >= 0";
  return std::nullopt;
}

Problem check_attention(const core::AttentionShape& a) {
  if (a.heads_q < 1) return "heads_q must be >= 1";
  if (a.heads_kv < 1) return "heads_kv must be >= 1";
  if (a.heads_q % a.heads_kv != 0) return "heads_q must be a multiple of heads_kv (GQA groups)";
  if (a.head_dim < 1) return "head_dim must be >= 1";
  if (!(a.density > 0.0 && a.density <= 1.0)) return "density must be in (0, 1]";
  if (a.dca_partials < 1 || a.dca_partials > 3) return "dca_partials must be 1, 2 or 3";
  if (a.sparse_block < 0) return "sparse_block must be >= 0 (0 = dense kernel)";
  if (!(a.gathered_fraction >= 0.0 && a.gathered_fraction <= 1.0)) return "gathered_fraction must be in [0, 1]";
  if (a.gathered_fraction > 0.0 && a.sparse_block == 0) return "gathered_fraction needs a sparse_block kernel";
  for (const core::AttentionSeq& s : a.seqs) {
    if (s.q_len < 0 || s.kv_len < 0) return "q_len and kv_len must be >= 0";
    // Bottom-right causal alignment needs every query to have its own key.
    if (a.mask == core::AttentionMask::causal && s.q_len > s.kv_len) {
      return "q_len must be <= kv_len with a causal mask";
    }
  }
  return std::nullopt;
}

Problem check_elementwise(const core::ElementwiseShape& e) {
  if (e.elements < 0) return "elements must be >= 0";
  if (e.flops_per_element < 0 || e.bytes_per_element < 0) return "flops_per_element and bytes_per_element must be >= 0";
  return std::nullopt;
}

Problem check_spmm(const core::SpmmShape& s) {
  if (s.m < 0 || s.n < 0 || s.k < 0) return "m, n and k must be >= 0";
  if (!(s.sparsity >= 0.0 && s.sparsity < 1.0)) return "sparsity must be in [0, 1)";
  return std::nullopt;
}

Problem check_collective(const core::CollectiveShape& c) {
  if (c.bytes < 0) return "bytes must be >= 0";
  if (c.ranks < 1) return "ranks must be >= 1";
  if (c.nodes < 1 || c.nodes > c.ranks) return "nodes must be in [1, ranks]";
  if (c.ranks % c.nodes != 0) return "ranks must be a multiple of nodes (same GPUs per node)";
  return std::nullopt;
}

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

std::optional<std::string> op_part_problem(const core::OpPart& part) {
  return std::visit(Overloaded{
                        [](const core::GemmShape& g) { return check_gemm(g); },
                        [](const core::AttentionShape& a) { return check_attention(a); },
                        [](const core::ElementwiseShape& e) { return check_elementwise(e); },
                        [](const core::SpmmShape& s) { return check_spmm(s); },
                        [](const core::CollectiveShape& c) { return check_collective(c); },
                    },
                    part);
}

}  // namespace lcperf::cost
