#include "backends/cuda/kernel_runner.hpp"

#include <algorithm>
#include <cmath>
#include <variant>

#include "backends/cuda/cuda_status.hpp"
#include "backends/cuda/device_ops.hpp"
#include "backends/attention_heads.hpp"
#include "backends/paged_layout.hpp"
#include "kernels/cuda/attention_cuda.hpp"
#include "kernels/cuda/gemm_cuda.hpp"
#include "kernels/cuda/spmm_cuda.hpp"
#include "kernels/tiled_csl.hpp"

namespace lcperf::backends::cuda {

namespace {

// Scratch slots: values (in the op's storage) and index arrays never share a slot.
enum SlotId { kA, kB, kC, kD, kE, kCuQ, kCuKv, kTable, kSeqLens, kSlotCount };

kernels::Storage storage_of(core::DType dtype) {
  switch (dtype) {
    case core::DType::fp32: return kernels::Storage::fp32;
    case core::DType::fp16: return kernels::Storage::fp16;
    default: return kernels::Storage::bf16;  // bf16, and fp8 / integers, which no kernel here has
  }
}

cudaStream_t as_stream(void* stream) { return static_cast<cudaStream_t>(stream); }

// The kernels take head_dim 64 or 128.
int kernel_head_dim(int head_dim) { return head_dim <= 64 ? 64 : 128; }

}  // namespace

struct KernelRunner::DeviceCsl {
  std::int64_t m = 0;
  std::int64_t k = 0;
  void* entries = nullptr;
  void* tile_offsets = nullptr;
  ~DeviceCsl() {
    cudaFree(entries);  // never throws: a destructor
    cudaFree(tile_offsets);
  }
};

KernelRunner::KernelRunner(void* stream) : stream_(stream), slots_(kSlotCount) {}

KernelRunner::~KernelRunner() {
  for (Slot& s : slots_) {
    if (s.data != nullptr) cudaFreeAsync(s.data, as_stream(stream_));
  }
}

KernelRunner::Slot& KernelRunner::grow(int slot, std::size_t bytes) {
  Slot& s = slots_[static_cast<std::size_t>(slot)];
  bytes = std::max<std::size_t>(bytes, 256);
  if (s.bytes >= bytes) return s;
  if (s.data != nullptr) check_cuda(cudaFreeAsync(s.data, as_stream(stream_)), "cudaFreeAsync (scratch)");
  s.data = nullptr;
  check_cuda(cudaMallocAsync(&s.data, bytes, as_stream(stream_)), "cudaMallocAsync (scratch)");
  s.bytes = bytes;
  s.filled_as = -1;
  return s;
}

void* KernelRunner::values(int slot, kernels::Storage storage, std::int64_t elements) {
  const std::size_t bytes = static_cast<std::size_t>(std::max<std::int64_t>(elements, 1)) * kernels::storage_bytes(storage);
  Slot& s = grow(slot, bytes);
  if (s.filled_as != static_cast<int>(storage)) {
    fill_small_values(storage, s.data, static_cast<std::int64_t>(s.bytes / kernels::storage_bytes(storage)), stream_);
    s.filled_as = static_cast<int>(storage);
  }
  return s.data;
}

void* KernelRunner::indices(int slot, const std::vector<std::int32_t>& host) {
  Slot& s = grow(slot, host.size() * sizeof(std::int32_t));
  // Pageable source: the call returns once the bytes are staged, so `host` may go; the
  // copy is ordered before the kernel that reads it, and after the one that read the
  // previous contents.
  check_cuda(cudaMemcpyAsync(s.data, host.data(), host.size() * sizeof(std::int32_t), cudaMemcpyHostToDevice,
                             as_stream(stream_)),
             "cudaMemcpyAsync (index array)");
  s.filled_as = -1;
  return s.data;
}

void KernelRunner::enqueue_part(const core::OpPart& part) {
  std::visit(
      [this](const auto& shape) {
        using T = std::decay_t<decltype(shape)>;
        if constexpr (std::is_same_v<T, core::GemmShape>) {
          run_gemm(shape);
        } else if constexpr (std::is_same_v<T, core::AttentionShape>) {
          run_attention(shape);
        } else if constexpr (std::is_same_v<T, core::ElementwiseShape>) {
          run_elementwise(shape);
        } else if constexpr (std::is_same_v<T, core::SpmmShape>) {
          run_spmm(shape);
        } else {
          run_inline_collective(shape);
        }
      },
      part);
}

void KernelRunner::run_gemm(const core::GemmShape& g) {
  if (g.m <= 0 || g.n <= 0 || g.k <= 0) return;
  const kernels::Storage s = storage_of(g.dtype);
  void* a = values(kA, s, g.m * g.k);
  void* b = values(kB, s, g.k * g.n);
  void* c = values(kC, s, g.m * g.n);
  for (std::int64_t i = 0; i < g.batch; ++i) kernels::cuda::gemm_cuda(s, g.m, g.n, g.k, a, b, c, false, 1.0f, 0.0f, stream_);
}

void KernelRunner::run_attention(const core::AttentionShape& a) {
  const auto [heads_q, heads_kv] = heads_run(a);
  if (a.seqs.empty() || heads_q <= 0 || a.head_dim <= 0) return;
  const kernels::Storage s = storage_of(a.dtype);
  const int head_dim = kernel_head_dim(a.head_dim);
  if (a.paged_decode) {
    run_paged_decode(a, s, heads_q, heads_kv, head_dim);
    return;
  }
  std::vector<std::int32_t> cu_q{0}, cu_kv{0};
  int max_q_len = 0;
  for (const core::AttentionSeq& seq : a.seqs) {
    cu_q.push_back(cu_q.back() + static_cast<std::int32_t>(seq.q_len));
    cu_kv.push_back(cu_kv.back() + static_cast<std::int32_t>(seq.kv_len));
    max_q_len = std::max(max_q_len, static_cast<int>(seq.q_len));
  }
  const std::int64_t q_size = std::int64_t{cu_q.back()} * heads_q * head_dim;
  const std::int64_t kv_size = std::int64_t{cu_kv.back()} * heads_kv * head_dim;
  const kernels::cuda::DeviceVarlen seqs{static_cast<int>(a.seqs.size()), static_cast<const std::int32_t*>(indices(kCuQ, cu_q)),
                                         static_cast<const std::int32_t*>(indices(kCuKv, cu_kv)), max_q_len};
  const kernels::AttentionDims dims{heads_q, heads_kv, head_dim, 0.0f, a.mask == core::AttentionMask::causal};
  void* q = values(kA, s, q_size);
  void* k = values(kB, s, kv_size);
  void* v = values(kC, s, kv_size);
  void* out = values(kD, s, q_size);
  auto* lse = static_cast<float*>(values(kE, kernels::Storage::fp32, std::int64_t{cu_q.back()} * heads_q));
  const int runs = std::max(1, a.dca_partials) * (a.backward ? 2 : 1);
  for (int i = 0; i < runs; ++i) kernels::cuda::attention_fwd_cuda(s, dims, seqs, q, k, v, out, lse, stream_);
}

void KernelRunner::run_paged_decode(const core::AttentionShape& a, kernels::Storage s, int heads_q, int heads_kv,
                                    int head_dim) {
  const int batch = static_cast<int>(a.seqs.size());
  const PagedLayout l = paged_layout(a.seqs, 16);
  const std::int64_t cache = std::max<std::int64_t>(l.total_blocks, 1) * l.block_tokens * heads_kv * head_dim;
  const std::int64_t q = static_cast<std::int64_t>(batch) * heads_q * head_dim;
  kernels::cuda::DevicePagedKv kv;
  kv.k_cache = values(kB, s, cache);
  kv.v_cache = values(kC, s, cache);
  kv.block_size = l.block_tokens;
  kv.block_table = static_cast<const std::int32_t*>(indices(kTable, l.block_table));
  kv.max_blocks_per_seq = l.max_blocks;
  kv.seq_lens = static_cast<const std::int32_t*>(indices(kSeqLens, l.seq_lens));
  const kernels::AttentionDims dims{heads_q, heads_kv, head_dim, 0.0f, false};
  kernels::cuda::paged_decode_attention_cuda(s, dims, batch, values(kA, s, q), kv, values(kD, s, q),
                                             static_cast<float*>(values(kE, kernels::Storage::fp32, std::int64_t{batch} * heads_q)),
                                             stream_);
}

void KernelRunner::run_elementwise(const core::ElementwiseShape& e) {
  if (e.elements <= 0) return;
  // Half of the bytes are read, half written, as 4-byte floats (the CPU backend's rule).
  const auto floats = std::max<std::int64_t>(1, std::llround(static_cast<double>(e.elements) * e.bytes_per_element / 8.0));
  const double flops = static_cast<double>(e.elements) * e.flops_per_element;
  const int passes = std::max(1, static_cast<int>(std::lround(flops / (2.0 * static_cast<double>(floats)))));
  stream_floats(static_cast<const float*>(values(kA, kernels::Storage::fp32, floats)),
                static_cast<float*>(values(kB, kernels::Storage::fp32, floats)), floats, passes, stream_);
}

void KernelRunner::run_spmm(const core::SpmmShape& sp) {
  if (sp.m <= 0 || sp.n <= 0 || sp.k <= 0) return;
  const std::int64_t m = (sp.m + kernels::kCslTileM - 1) / kernels::kCslTileM * kernels::kCslTileM;
  const std::int64_t k = (sp.k + kernels::kCslTileK - 1) / kernels::kCslTileK * kernels::kCslTileK;
  auto it = csl_.find({m, k, sp.sparsity});
  if (it == csl_.end()) {
    std::vector<float> dense(static_cast<std::size_t>(m * k));
    for (std::size_t i = 0; i < dense.size(); ++i) dense[i] = static_cast<float>((i * 2654435761u) % 1000u) / 1000.0f - 0.5f;
    kernels::magnitude_prune_cpu(m, k, sp.sparsity, dense.data());
    const kernels::TiledCsl host = kernels::tiled_csl_from_dense(m, k, dense.data());
    auto csl = std::make_unique<DeviceCsl>();
    csl->m = m;
    csl->k = k;
    const std::size_t entry_bytes = std::max<std::size_t>(host.entries.size() * sizeof(std::uint32_t), 4);
    const std::size_t offset_bytes = host.tile_offsets.size() * sizeof(std::int32_t);
    check_cuda(cudaMalloc(&csl->entries, entry_bytes), "cudaMalloc (Tiled-CSL entries)");
    check_cuda(cudaMalloc(&csl->tile_offsets, offset_bytes), "cudaMalloc (Tiled-CSL offsets)");
    if (!host.entries.empty()) {
      check_cuda(cudaMemcpy(csl->entries, host.entries.data(), host.entries.size() * sizeof(std::uint32_t), cudaMemcpyHostToDevice),
                 "cudaMemcpy (Tiled-CSL entries)");
    }
    check_cuda(cudaMemcpy(csl->tile_offsets, host.tile_offsets.data(), offset_bytes, cudaMemcpyHostToDevice),
               "cudaMemcpy (Tiled-CSL offsets)");
    it = csl_.emplace(std::make_tuple(m, k, sp.sparsity), std::move(csl)).first;
  }
  const DeviceCsl& csl = *it->second;
  const kernels::cuda::DeviceTiledCsl a{csl.m, csl.k, static_cast<const std::uint32_t*>(csl.entries),
                                        static_cast<const std::int32_t*>(csl.tile_offsets)};
  kernels::cuda::spmm_tiled_csl_cuda(a, sp.n, values(kA, kernels::Storage::fp16, sp.n * k),
                                     values(kB, kernels::Storage::fp16, sp.n * m), stream_);
}

void KernelRunner::run_inline_collective(const core::CollectiveShape& c) {
  if (c.ranks <= 1 || c.bytes <= 0) return;
  const std::int64_t floats = c.bytes / 4 * (c.ranks - 1) / c.ranks;
  if (floats <= 0) return;
  auto* a = static_cast<float*>(values(kA, kernels::Storage::fp32, floats));
  auto* b = static_cast<float*>(values(kB, kernels::Storage::fp32, floats));
  auto* out = static_cast<float*>(values(kC, kernels::Storage::fp32, floats));
  const bool reduces = c.kind == core::CollectiveKind::all_reduce || c.kind == core::CollectiveKind::reduce_scatter ||
                       c.kind == core::CollectiveKind::reduce;
  const bool gathers = c.kind != core::CollectiveKind::reduce_scatter && c.kind != core::CollectiveKind::reduce;
  if (reduces) add_floats(a, b, out, floats, stream_);
  if (gathers) {
    check_cuda(cudaMemcpyAsync(out, a, static_cast<std::size_t>(floats) * sizeof(float), cudaMemcpyDeviceToDevice,
                               as_stream(stream_)),
               "cudaMemcpyAsync (inline collective)");
  }
}

}  // namespace lcperf::backends::cuda
