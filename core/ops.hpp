#pragma once
// The op vocabulary: what a rank program can ask a device to do. Shapes carry exactly
// what the cost of an op depends on; they are runtime-neutral (the simulator prices
// them, live backends run the matching kernel).
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/dtype.hpp"

namespace lcperf::core {

// C[m,n] = A[m,k] * B[k,n], `batch` independent products.
struct GemmShape {
  std::int64_t m = 0;
  std::int64_t n = 0;
  std::int64_t k = 0;
  std::int64_t batch = 1;
  DType dtype = DType::bf16;
  // 0: C is a fresh output in `dtype`. Otherwise C is a buffer of this many bytes per
  // element that the GEMM adds into (beta = 1: read, then written back), as a weight-
  // gradient GEMM accumulating into Megatron's fp32 main_grad does (4).
  int accumulate_bytes = 0;
  bool operator==(const GemmShape&) const = default;
};

// One sequence of an attention call: q_len queries attending to kv_len keys. With a
// causal mask the queries are the *last* q_len positions of the kv_len keys
// (bottom-right alignment), which covers packed training, ChunkFlow's dependent chunks
// and chunked prefill with one rule.
struct AttentionSeq {
  std::int64_t q_len = 0;
  std::int64_t kv_len = 0;
  bool operator==(const AttentionSeq&) const = default;
};

enum class AttentionMask { causal, full };

struct AttentionShape {
  std::vector<AttentionSeq> seqs;  // packed variable-length batch (cu_seqlens)
  int heads_q = 0;
  int heads_kv = 0;
  int head_dim = 0;
  AttentionMask mask = AttentionMask::causal;
  bool backward = false;
  double density = 1.0;       // fraction of the unmasked score matrix computed (sparse attention)
  int dca_partials = 1;       // dual chunk attention: partial attentions merged per query (1..3)
  // Block-sparse kernel (vertical-slash): 0 = the dense fused kernel. Otherwise the query
  // block and key tile edge (64): `density` then counts the executed whole tiles and
  // gathered column groups, and `gathered_fraction` of those keys are loaded by index
  // (vertical columns) rather than as contiguous tiles (slash diagonals).
  int sparse_block = 0;
  double gathered_fraction = 0.0;
  bool paged_decode = false;  // decode kernel reading a paged KV cache
  DType dtype = DType::bf16;
  bool operator==(const AttentionShape&) const = default;
};

// Memory-bound element-wise work: norms, activations, residual adds, rotary, softmax-CE,
// optimizer updates. Bytes are read plus written.
struct ElementwiseShape {
  std::string kind;  // "rmsnorm", "swiglu", "add", "rope", "adam", ...
  std::int64_t elements = 0;
  double flops_per_element = 1.0;
  double bytes_per_element = 4.0;
  bool operator==(const ElementwiseShape&) const = default;
};

// Sparse weight [m,k] (fraction `sparsity` zero) times dense activations [k,n].
struct SpmmShape {
  std::int64_t m = 0;
  std::int64_t n = 0;
  std::int64_t k = 0;
  double sparsity = 0.0;
  DType dtype = DType::fp16;
  bool operator==(const SpmmShape&) const = default;
};

enum class CollectiveKind { all_reduce, all_gather, reduce_scatter, broadcast, reduce, all_to_all };

// A collective priced inline as part of a compute region (e.g. a TP all-reduce inside a
// fused layer). `bytes` is the full buffer size as nccl-tests counts it.
struct CollectiveShape {
  CollectiveKind kind = CollectiveKind::all_reduce;
  std::int64_t bytes = 0;
  int ranks = 1;
  int nodes = 1;  // how many nodes the group spans
  bool operator==(const CollectiveShape&) const = default;
};

using OpPart = std::variant<GemmShape, AttentionShape, ElementwiseShape, SpmmShape, CollectiveShape>;

// A unit of device work on one stream: one kernel, or a fused region of several parts
// run back to back (a layer's forward, a pipeline stage's backward). The simulator may
// price a region as one activity; live backends run its parts in order.
struct KernelOp {
  std::string name;      // e.g. "fwd L0-9 mb3"
  std::string category;  // timeline grouping: "forward", "backward", "recompute", "optimizer", ...
  std::vector<OpPart> parts;
  int micro_batch = -1;  // for timelines and decision logs; -1 when not applicable
  // Compact repeat (a serving step's identical layers): with repeat_count > 1, `parts`
  // holds the run parts[repeat_begin, repeat_begin + repeat_period) once and the op
  // runs it repeat_count times in a row, i.e. it is expanded(*this).parts. Pricers may
  // price the run once; live backends expand it. repeat_count 0 or 1 = parts as they are.
  std::size_t repeat_begin = 0;
  std::size_t repeat_period = 0;
  std::size_t repeat_count = 0;
  bool repeats() const { return repeat_count > 1 && repeat_period > 0; }
  // Host (CPU) time the op takes on top of its parts: an op with no parts and a host
  // time is host work on an engine's timeline (core/serving_stack.hpp). The simulator
  // adds it to the priced time; live backends do the host work for real and ignore it.
  double host_time_s = 0;
  // Nonzero: a process-wide identity of `parts` and the compact repeat (new_parts_id()),
  // for whoever builds an op's parts once and launches them many times (a pipeline
  // stage's regions, once per micro-batch). Ops with the same nonzero id have equal
  // parts and repeat, so a pricer may reuse the first one's price instead of hashing and
  // comparing every part again. 0 = no identity (the parts are compared).
  std::uint64_t parts_id = 0;
};

// A fresh KernelOp::parts_id, never returned before in this process (thread-safe).
std::uint64_t new_parts_id();

// The op with its compact repeat written out (itself when it has none; other parts, so
// no parts_id).
KernelOp expanded(const KernelOp& op);

// A single (batch 1) GEMM part; the decompositions of training and serving layers build
// their linear layers with it.
inline OpPart gemm_part(std::int64_t m, std::int64_t n, std::int64_t k, DType dtype) {
  return GemmShape{m, n, k, 1, dtype};
}

std::string_view to_string(CollectiveKind kind);
std::string_view op_class_name(const OpPart& part);  // "gemm", "attention_fwd", ...

// Exact work counts (FlashAttention convention for attention: causal counts only
// unmasked scores, backward = 2.5x forward).
double flops_of(const OpPart& part);
double bytes_of(const OpPart& part);
double flops_of(const KernelOp& op);
double bytes_of(const KernelOp& op);
// Unmasked (query, key) pairs of one attention call, before density.
double attention_score_pairs(const AttentionShape& shape);
// Those of one of its sequences (attention_score_pairs sums them).
double attention_score_pairs(const AttentionSeq& seq, AttentionMask mask);

// A hash of the parts' values (equal parts hash equally), for caches keyed by op shape.
std::size_t hash_parts(const std::vector<OpPart>& parts);
std::size_t hash_part(const OpPart& part);

}  // namespace lcperf::core
