#include "backends/cpu/op_executor.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <variant>

#include "backends/attention_heads.hpp"
#include "backends/paged_layout.hpp"
#include "kernels/attention.hpp"
#include "kernels/gemm.hpp"
#include "kernels/paged_decode.hpp"
#include "kernels/tiled_csl.hpp"

namespace lcperf::backends::cpu {

namespace {

// Scratch buffers of one thread. Each grows to the largest size asked for and is filled
// once with small values of both signs, so no kernel runs into denormals, infinities or
// NaNs (which would change its speed).
class Scratch {
 public:
  float* floats(int slot, std::int64_t count) {
    std::vector<float>& buffer = buffers_[static_cast<std::size_t>(slot)];
    const auto n = static_cast<std::size_t>(std::max<std::int64_t>(count, 1));
    if (buffer.size() < n) {
      const std::size_t old = buffer.size();
      buffer.resize(n);
      for (std::size_t i = old; i < n; ++i) buffer[i] = static_cast<float>((i * 2654435761u) % 1000u) / 1000.0f - 0.5f;
    }
    return buffer.data();
  }
  std::size_t bytes() const {
    std::size_t total = 0;
    for (const std::vector<float>& buffer : buffers_) total += buffer.size() * sizeof(float);
    return total;
  }

 private:
  std::vector<std::vector<float>> buffers_ = std::vector<std::vector<float>>(10);
};

// Scratch outlives the stream worker that used it: live runs start fresh threads, and a
// process-wide pool hands each new worker a grown, filled, faulted-in scratch from an
// earlier run, so only the first live run of a process pays for growing it (`lcperf
// validate` makes that run an untimed warm-up). A worker with an owner (a rank's stream,
// set_scratch_owner) gets back the very scratch that owner grew, since ranks need
// different slot sizes (the last stage's logits, the first's embedding): handed another
// rank's scratch it would grow it again inside a timed run. Others get the largest.
class ScratchPool {
 public:
  std::unique_ptr<Scratch> acquire(long owner) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (owner >= 0) {
      auto it = owned_.find(owner);
      if (it == owned_.end()) return std::make_unique<Scratch>();
      std::unique_ptr<Scratch> s = std::move(it->second);
      owned_.erase(it);
      return s;
    }
    if (free_.empty()) return std::make_unique<Scratch>();
    auto largest = std::max_element(free_.begin(), free_.end(),
                                    [](const auto& x, const auto& y) { return x->bytes() < y->bytes(); });
    std::unique_ptr<Scratch> s = std::move(*largest);
    free_.erase(largest);
    return s;
  }
  void release(long owner, std::unique_ptr<Scratch> s) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (owner >= 0) {
      owned_[owner] = std::move(s);
    } else {
      free_.push_back(std::move(s));
    }
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<Scratch>> free_;
  std::map<long, std::unique_ptr<Scratch>> owned_;
};

thread_local long t_scratch_owner = -1;

ScratchPool& scratch_pool() {
  static ScratchPool* pool = new ScratchPool;  // never destroyed: workers may exit after main
  return *pool;
}

// A worker's scratch, given back to the pool when the worker exits.
struct ScratchLease {
  long owner = t_scratch_owner;
  std::unique_ptr<Scratch> scratch = scratch_pool().acquire(owner);
  ~ScratchLease() { scratch_pool().release(owner, std::move(scratch)); }
};

Scratch& scratch() {
  thread_local ScratchLease lease;
  return *lease.scratch;
}

// Started by each kernel once its buffers are in place: growing (allocating, filling,
// faulting in) scratch, building a block table or a sparse format is set-up the
// simulator does not price, so it stays outside the measured time.
class Stopwatch {
 public:
  void start() { begin_ = std::chrono::steady_clock::now(); }
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - begin_).count(); }

 private:
  std::chrono::steady_clock::time_point begin_ = std::chrono::steady_clock::now();
};

void run_gemm(const core::GemmShape& g, Stopwatch& watch) {
  Scratch& s = scratch();
  float* a = s.floats(0, g.m * g.k);
  float* b = s.floats(1, g.k * g.n);
  float* c = s.floats(2, g.m * g.n);
  watch.start();
  for (std::int64_t i = 0; i < g.batch; ++i) {
    kernels::GemmArgs args;
    args.m = g.m;
    args.n = g.n;
    args.k = g.k;
    args.a = a;
    args.lda = g.k;
    args.b = b;
    args.ldb = g.n;
    args.c = c;
    args.ldc = g.n;
    kernels::gemm_cpu(args);
  }
}

struct VarlenLayout {
  std::vector<std::int32_t> cu_q{0};
  std::vector<std::int32_t> cu_kv{0};
};

VarlenLayout layout_of(const std::vector<core::AttentionSeq>& seqs) {
  VarlenLayout l;
  for (const core::AttentionSeq& seq : seqs) {
    l.cu_q.push_back(l.cu_q.back() + static_cast<std::int32_t>(seq.q_len));
    l.cu_kv.push_back(l.cu_kv.back() + static_cast<std::int32_t>(seq.kv_len));
  }
  return l;
}

void run_paged_decode(const core::AttentionShape& a, int heads_q, int heads_kv, Stopwatch& watch) {
  const int batch = static_cast<int>(a.seqs.size());
  const PagedLayout l = paged_layout(a.seqs, 16);
  Scratch& s = scratch();
  const std::int64_t cache = l.total_blocks * l.block_tokens * heads_kv * a.head_dim;
  kernels::AttentionDims dims{heads_q, heads_kv, a.head_dim, 0.0f, false};
  kernels::PagedKv kv{s.floats(1, cache), s.floats(2, cache), l.block_tokens, l.block_table.data(), l.max_blocks,
                      l.seq_lens.data()};
  const std::int64_t q = static_cast<std::int64_t>(batch) * heads_q * a.head_dim;
  float* query = s.floats(0, q);
  float* out = s.floats(3, q);
  float* lse = s.floats(4, static_cast<std::int64_t>(batch) * heads_q);
  watch.start();
  kernels::paged_decode_attention_cpu(dims, batch, query, kv, out, lse);
}

void run_attention(const core::AttentionShape& a, Stopwatch& watch) {
  const auto [heads_q, heads_kv] = heads_run(a);
  if (a.seqs.empty() || heads_q <= 0 || a.head_dim <= 0) return;
  if (a.paged_decode) {
    run_paged_decode(a, heads_q, heads_kv, watch);
    return;
  }
  const VarlenLayout l = layout_of(a.seqs);
  const std::int64_t total_q = l.cu_q.back();
  const std::int64_t total_kv = l.cu_kv.back();
  kernels::AttentionDims dims{heads_q, heads_kv, a.head_dim, 0.0f, a.mask == core::AttentionMask::causal};
  const kernels::VarlenBatch batch{static_cast<int>(a.seqs.size()), l.cu_q.data(), l.cu_kv.data()};
  Scratch& s = scratch();
  const std::int64_t q_size = total_q * heads_q * a.head_dim;
  const std::int64_t kv_size = total_kv * heads_kv * a.head_dim;
  float* q = s.floats(0, q_size);
  float* k = s.floats(1, kv_size);
  float* v = s.floats(2, kv_size);
  float* out = s.floats(3, q_size);
  float* lse = s.floats(4, total_q * heads_q);
  float* dout = a.backward ? s.floats(5, q_size) : nullptr;
  float* dq = a.backward ? s.floats(6, q_size) : nullptr;
  float* dk = a.backward ? s.floats(7, kv_size) : nullptr;
  float* dv = a.backward ? s.floats(8, kv_size) : nullptr;
  watch.start();
  for (int partial = 0; partial < std::max(1, a.dca_partials); ++partial) {
    if (!a.backward) {
      kernels::attention_fwd_cpu(dims, batch, q, k, v, out, lse);
      continue;
    }
    // A plausible log-sum-exp keeps the recomputed probabilities finite and small
    // (scores of the scratch values are near 0, so each row's sum is about kv_len).
    for (std::size_t b = 0; b + 1 < l.cu_q.size(); ++b) {
      const float row_lse = std::log(static_cast<float>(std::max<std::int64_t>(1, a.seqs[b].kv_len)));
      for (std::int64_t i = std::int64_t{l.cu_q[b]} * heads_q; i < std::int64_t{l.cu_q[b + 1]} * heads_q; ++i) {
        lse[i] = row_lse;
      }
    }
    kernels::attention_bwd_cpu(dims, batch, q, k, v, out, lse, dout, dq, dk, dv);
  }
}

// in -> out, `passes` multiply-adds per float; the compiler may vectorise over i.
void stream_floats(const float* in, float* out, std::int64_t count, int passes) {
  for (std::int64_t i = 0; i < count; ++i) {
    float value = in[i];
    for (int p = 0; p < passes; ++p) value = value * 0.999f + 0.001f;
    out[i] = value;
  }
}

void run_elementwise(const core::ElementwiseShape& e, Stopwatch& watch) {
  if (e.elements <= 0) return;
  // Half of the bytes are read, half written, as 4-byte floats.
  const auto floats = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(e.elements * e.bytes_per_element / 8.0)));
  const double flops = e.elements * e.flops_per_element;
  const int passes = std::max(1, static_cast<int>(std::lround(flops / (2.0 * static_cast<double>(floats)))));
  Scratch& s = scratch();
  const float* in = s.floats(0, floats);
  float* out = s.floats(1, floats);
  watch.start();
  stream_floats(in, out, floats, passes);
}

void run_spmm(const core::SpmmShape& sp, Stopwatch& watch) {
  const std::int64_t m = (sp.m + kernels::kCslTileM - 1) / kernels::kCslTileM * kernels::kCslTileM;
  const std::int64_t k = (sp.k + kernels::kCslTileK - 1) / kernels::kCslTileK * kernels::kCslTileK;
  thread_local std::map<std::tuple<std::int64_t, std::int64_t, double>, kernels::TiledCsl> formats;
  auto it = formats.find({m, k, sp.sparsity});
  if (it == formats.end()) {
    std::vector<float> dense(static_cast<std::size_t>(m * k));
    for (std::size_t i = 0; i < dense.size(); ++i) dense[i] = static_cast<float>((i * 2654435761u) % 1000u) / 1000.0f - 0.5f;
    kernels::magnitude_prune_cpu(m, k, sp.sparsity, dense.data());
    it = formats.emplace(std::make_tuple(m, k, sp.sparsity), kernels::tiled_csl_from_dense(m, k, dense.data())).first;
  }
  Scratch& s = scratch();
  const float* in = s.floats(0, sp.n * k);
  float* out = s.floats(1, sp.n * m);
  watch.start();
  kernels::spmm_tiled_csl_cpu(it->second, sp.n, in, out);
}

// The local memory work of a ring collective on one rank (see the header).
void run_inline_collective(const core::CollectiveShape& c, Stopwatch& watch) {
  if (c.ranks <= 1 || c.bytes <= 0) return;
  const std::int64_t floats = c.bytes / 4 * (c.ranks - 1) / c.ranks;
  Scratch& s = scratch();
  float* a = s.floats(0, floats);
  float* b = s.floats(1, floats);
  float* out = s.floats(2, floats);
  watch.start();
  const bool reduces = c.kind == core::CollectiveKind::all_reduce || c.kind == core::CollectiveKind::reduce_scatter ||
                       c.kind == core::CollectiveKind::reduce;
  const bool gathers = c.kind != core::CollectiveKind::reduce_scatter && c.kind != core::CollectiveKind::reduce;
  if (reduces) {
    for (std::int64_t i = 0; i < floats; ++i) out[i] = a[i] + b[i];
  }
  if (gathers) std::copy(a, a + floats, out);
}

}  // namespace

void set_scratch_owner(int rank, int stream) {
  t_scratch_owner = (static_cast<long>(rank) << 20) | (static_cast<long>(stream) & 0xfffff);
}

double execute_part(const core::OpPart& part) {
  Stopwatch watch;  // a part with nothing to run measures (almost) nothing
  std::visit(
      [&watch](const auto& shape) {
        using T = std::decay_t<decltype(shape)>;
        if constexpr (std::is_same_v<T, core::GemmShape>) {
          run_gemm(shape, watch);
        } else if constexpr (std::is_same_v<T, core::AttentionShape>) {
          run_attention(shape, watch);
        } else if constexpr (std::is_same_v<T, core::ElementwiseShape>) {
          run_elementwise(shape, watch);
        } else if constexpr (std::is_same_v<T, core::SpmmShape>) {
          run_spmm(shape, watch);
        } else {
          run_inline_collective(shape, watch);
        }
      },
      part);
  return watch.seconds();
}

std::vector<double> execute_op(const core::KernelOp& op) {
  std::vector<double> seconds;
  seconds.reserve(op.parts.size());
  for (const core::OpPart& part : op.parts) seconds.push_back(execute_part(part));
  return seconds;
}

}  // namespace lcperf::backends::cpu
