#include "core/ops.hpp"

#include <atomic>
#include <cstring>
#include <functional>
#include <string_view>
#include <type_traits>

namespace lcperf::core {

namespace {
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

constexpr double kLseBytes = 4.0;  // fp32 log-sum-exp per query row and head
}  // namespace

std::string_view to_string(CollectiveKind kind) {
  switch (kind) {
    case CollectiveKind::all_reduce: return "all_reduce";
    case CollectiveKind::all_gather: return "all_gather";
    case CollectiveKind::reduce_scatter: return "reduce_scatter";
    case CollectiveKind::broadcast: return "broadcast";
    case CollectiveKind::reduce: return "reduce";
    case CollectiveKind::all_to_all: return "all_to_all";
  }
  return "?";
}

std::string_view op_class_name(const OpPart& part) {
  return std::visit(Overloaded{
                        [](const GemmShape&) -> std::string_view { return "gemm"; },
                        [](const AttentionShape& a) -> std::string_view {
                          if (a.paged_decode) return "attention_decode";
                          return a.backward ? "attention_bwd" : "attention_fwd";
                        },
                        [](const ElementwiseShape&) -> std::string_view { return "elementwise"; },
                        [](const SpmmShape&) -> std::string_view { return "spmm"; },
                        [](const CollectiveShape&) -> std::string_view { return "collective"; },
                    },
                    part);
}

double attention_score_pairs(const AttentionSeq& seq, AttentionMask mask) {
  const double q = static_cast<double>(seq.q_len);
  const double kv = static_cast<double>(seq.kv_len);
  if (mask == AttentionMask::full) return q * kv;
  // Query i (0-based among the last q positions) sees kv - q + i + 1 keys.
  return q * (kv - q) + q * (q + 1) / 2.0;
}

double attention_score_pairs(const AttentionShape& shape) {
  double pairs = 0;
  for (const AttentionSeq& s : shape.seqs) pairs += attention_score_pairs(s, shape.mask);
  return pairs;
}

double flops_of(const OpPart& part) {
  return std::visit(Overloaded{
                        [](const GemmShape& g) {
                          return 2.0 * static_cast<double>(g.m) * static_cast<double>(g.n) *
                                 static_cast<double>(g.k) * static_cast<double>(g.batch);
                        },
                        [](const AttentionShape& a) {
                          // Two matmuls forward (QK^T, PV); five backward = 2.5x.
                          const double forward = 4.0 * a.heads_q * a.head_dim * attention_score_pairs(a) * a.density;
                          return a.backward ? 2.5 * forward : forward;
                        },
                        [](const ElementwiseShape& e) { return static_cast<double>(e.elements) * e.flops_per_element; },
                        [](const SpmmShape& s) {
                          // Flash-LLM computes dense on tensor cores after extracting the tile.
                          return 2.0 * static_cast<double>(s.m) * static_cast<double>(s.n) * static_cast<double>(s.k);
                        },
                        [](const CollectiveShape&) { return 0.0; },
                    },
                    part);
}

double bytes_of(const OpPart& part) {
  return std::visit(
      Overloaded{
          [](const GemmShape& g) {
            const double inputs = static_cast<double>(g.m) * static_cast<double>(g.k) +
                                  static_cast<double>(g.k) * static_cast<double>(g.n);
            const double elem = static_cast<double>(dtype_bytes(g.dtype));
            // An accumulated output is read and written; a fresh one only written.
            const double output = g.accumulate_bytes > 0 ? 2.0 * g.accumulate_bytes : elem;
            return (inputs * elem + static_cast<double>(g.m) * static_cast<double>(g.n) * output) *
                   static_cast<double>(g.batch);
          },
          [](const AttentionShape& a) {
            double q_tokens = 0;
            double kv_tokens = 0;
            for (const AttentionSeq& s : a.seqs) {
              q_tokens += static_cast<double>(s.q_len);
              kv_tokens += static_cast<double>(s.kv_len);
            }
            const double elem = static_cast<double>(dtype_bytes(a.dtype));
            const double q_bytes = q_tokens * a.heads_q * a.head_dim * elem * a.dca_partials;
            const double kv_bytes = 2.0 * kv_tokens * a.heads_kv * a.head_dim * elem;
            const double o_bytes = q_tokens * a.heads_q * a.head_dim * elem;
            const double lse_bytes = q_tokens * a.heads_q * kLseBytes;
            if (!a.backward) return q_bytes + kv_bytes + o_bytes + lse_bytes;
            // Reads Q, K, V, O, dO, LSE; writes dQ, dK, dV.
            return 2.0 * q_bytes + 2.0 * kv_bytes + 2.0 * o_bytes + lse_bytes;
          },
          [](const ElementwiseShape& e) { return static_cast<double>(e.elements) * e.bytes_per_element; },
          [](const SpmmShape& s) {
            const double elem = static_cast<double>(dtype_bytes(s.dtype));
            const double nonzeros = static_cast<double>(s.m) * static_cast<double>(s.k) * (1.0 - s.sparsity);
            // Tiled-CSL: value plus a 16-bit in-tile position per non-zero, one 32-bit
            // offset per 64x64 tile.
            const double tiles = static_cast<double>((s.m + 63) / 64) * static_cast<double>((s.k + 63) / 64);
            const double weight = nonzeros * (elem + 2.0) + tiles * 4.0;
            const double activations = static_cast<double>(s.k) * static_cast<double>(s.n) * elem;
            const double output = static_cast<double>(s.m) * static_cast<double>(s.n) * elem;
            return weight + activations + output;
          },
          [](const CollectiveShape& c) { return static_cast<double>(c.bytes); },
      },
      part);
}

namespace {
// Mixes one 64-bit word per field (a multiply-xorshift step, as in splitmix64);
// collisions only cost a cache miss in callers, which compare keys.
struct Fnv {
  std::uint64_t h = 0x9e3779b97f4a7c15ull;
  template <typename T>
  void add(const T& value) {
    std::uint64_t word = 0;
    if constexpr (std::is_floating_point_v<T>) {
      static_assert(sizeof(T) == sizeof(word));
      std::memcpy(&word, &value, sizeof word);
    } else {
      word = static_cast<std::uint64_t>(value);
    }
    h ^= word + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
  }
  void add_string(const std::string& s) { add(std::hash<std::string_view>{}(s)); }
};

void hash_into(Fnv& f, const OpPart& part) {
  f.add(part.index());
    std::visit(Overloaded{
                   [&](const GemmShape& g) {
                     f.add(g.m);
                     f.add(g.n);
                     f.add(g.k);
                     f.add(g.batch);
                     f.add(g.dtype);
                     f.add(g.accumulate_bytes);
                   },
                   [&](const AttentionShape& a) {
                     for (const AttentionSeq& s : a.seqs) {
                       f.add(s.q_len);
                       f.add(s.kv_len);
                     }
                     f.add(a.heads_q);
                     f.add(a.heads_kv);
                     f.add(a.head_dim);
                     f.add(a.mask);
                     f.add(a.backward);
                     f.add(a.density);
                     f.add(a.dca_partials);
                     f.add(a.sparse_block);
                     f.add(a.gathered_fraction);
                     f.add(a.paged_decode);
                     f.add(a.dtype);
                   },
                   [&](const ElementwiseShape& e) {
                     f.add_string(e.kind);
                     f.add(e.elements);
                     f.add(e.flops_per_element);
                     f.add(e.bytes_per_element);
                   },
                   [&](const SpmmShape& s) {
                     f.add(s.m);
                     f.add(s.n);
                     f.add(s.k);
                     f.add(s.sparsity);
                     f.add(s.dtype);
                   },
                   [&](const CollectiveShape& c) {
                     f.add(c.kind);
                     f.add(c.bytes);
                     f.add(c.ranks);
                     f.add(c.nodes);
                   },
             },
             part);
}
}  // namespace

std::size_t hash_part(const OpPart& part) {
  Fnv f;
  hash_into(f, part);
  return f.h;
}

std::size_t hash_parts(const std::vector<OpPart>& parts) {
  Fnv f;
  for (const OpPart& part : parts) hash_into(f, part);
  return f.h;
}

std::uint64_t new_parts_id() {
  static std::atomic<std::uint64_t> last{0};
  return ++last;
}

KernelOp expanded(const KernelOp& op) {
  if (!op.repeats()) return op;
  KernelOp out = op;
  out.parts_id = 0;
  out.repeat_begin = out.repeat_period = out.repeat_count = 0;
  const auto run_begin = op.parts.begin() + static_cast<std::ptrdiff_t>(op.repeat_begin);
  const auto run_end = run_begin + static_cast<std::ptrdiff_t>(op.repeat_period);
  out.parts.assign(op.parts.begin(), run_end);
  for (std::size_t copy = 1; copy < op.repeat_count; ++copy) out.parts.insert(out.parts.end(), run_begin, run_end);
  out.parts.insert(out.parts.end(), run_end, op.parts.end());
  return out;
}

namespace {

// Sum of `of(part)` over the op as it runs (a compact repeat counted repeat_count times).
template <typename Of>
double sum_over_op(const KernelOp& op, Of of) {
  double total = 0;
  double run = 0;
  for (std::size_t i = 0; i < op.parts.size(); ++i) {
    const bool in_run = op.repeats() && i >= op.repeat_begin && i < op.repeat_begin + op.repeat_period;
    (in_run ? run : total) += of(op.parts[i]);
  }
  return total + run * static_cast<double>(op.repeats() ? op.repeat_count : 1);
}

}  // namespace

double flops_of(const KernelOp& op) {
  return sum_over_op(op, [](const OpPart& p) { return flops_of(p); });
}

double bytes_of(const KernelOp& op) {
  return sum_over_op(op, [](const OpPart& p) { return bytes_of(p); });
}

}  // namespace lcperf::core
