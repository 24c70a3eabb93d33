#pragma once
// Runs the parts of kernel ops on one CUDA stream with kernels/cuda, on scratch device
// buffers of exactly the part's shape. One runner per (rank, stream), used only by that
// stream's feeder thread; scratch only grows (stream-ordered cudaMallocAsync /
// cudaFreeAsync, so a buffer still read by queued work is freed after it).
//
// What each part runs (backends/README.md repeats this):
// - GemmShape: cuBLAS GEMM, batch times, in the op's dtype (fp8 and integer dtypes run
//   in bf16: there is no fp8 GEMM in kernels/cuda).
// - AttentionShape: the varlen forward kernel (bottom-right causal or full) with the
//   part's sequences; head_dim is rounded to the kernel's 64 or 128. density < 1 runs
//   round(density x heads) query heads densely, as the CPU backend does; dca_partials
//   runs that many attentions; backward runs the forward kernel twice (kernels/cuda has
//   no backward kernel; FlashAttention's backward costs 2-2.5 forwards). Decode runs the
//   paged-decode kernel with 16-token blocks.
// - ElementwiseShape: a streaming kernel over elements x bytes_per_element / 8 floats,
//   read and written, with flops_per_element multiply-adds per element.
// - SpmmShape: Tiled-CSL SpMM (fp16) on a magnitude-pruned weight of that sparsity, the
//   format built on the host once per shape and uploaded.
// - CollectiveShape (inline in a fused region): this rank's local memory work of a ring
//   collective, an element-wise add over (n-1)/n of the buffer and/or a copy as large.
#include <cstdint>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "core/ops.hpp"
#include "kernels/storage_type.hpp"

namespace lcperf::backends::cuda {

class KernelRunner {
 public:
  explicit KernelRunner(void* stream);  // cudaStream_t of the calling thread's device
  ~KernelRunner();                      // frees scratch in stream order
  KernelRunner(const KernelRunner&) = delete;
  KernelRunner& operator=(const KernelRunner&) = delete;

  void enqueue_part(const core::OpPart& part);

 private:
  struct Slot {
    void* data = nullptr;
    std::size_t bytes = 0;
    int filled_as = -1;  // Storage the slot was filled with; -1 = not filled
  };
  struct DeviceCsl;

  void* values(int slot, kernels::Storage storage, std::int64_t elements);
  void* indices(int slot, const std::vector<std::int32_t>& host);
  Slot& grow(int slot, std::size_t bytes);

  void run_gemm(const core::GemmShape& g);
  void run_attention(const core::AttentionShape& a);
  void run_paged_decode(const core::AttentionShape& a, kernels::Storage storage, int heads_q, int heads_kv, int head_dim);
  void run_elementwise(const core::ElementwiseShape& e);
  void run_spmm(const core::SpmmShape& s);
  void run_inline_collective(const core::CollectiveShape& c);

  void* stream_;
  std::vector<Slot> slots_;
  std::map<std::tuple<std::int64_t, std::int64_t, double>, std::unique_ptr<DeviceCsl>> csl_;
};

}  // namespace lcperf::backends::cuda
