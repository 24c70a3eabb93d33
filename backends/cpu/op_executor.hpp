#pragma once
// Runs the parts of a kernel op with the CPU reference kernels (kernels/), on scratch
// buffers of exactly the part's shape, single-threaded, in fp32 whatever the op's dtype
// (bf16/fp16/fp8 parts compute in fp32: the CPU kernels are fp32 references). Scratch
// is per thread and only grows, so a stream worker allocates once per new largest shape.
// The measured time starts once a part's buffers are in place: growing scratch (which
// allocates, fills and faults in pages), building a block table or a sparse format is
// set-up, not kernel time, and is left out. `lcperf profile --for-scenario` times parts
// through execute_part itself, so profile and live run measure the same code.
//
// What each part runs (backends/README.md repeats this):
// - GemmShape: the blocked GEMM, batch times, C[m,n] = A[m,k] B[k,n].
// - AttentionShape: varlen attention forward or backward over the part's sequences
//   (bottom-right causal or full), heads and GQA as given. density < 1 scales the work
//   by running round(density * heads_q) query heads densely (same FLOPs, not the
//   block-sparse access pattern); dca_partials > 1 runs that many attentions. Decode
//   (paged_decode) runs the paged decode kernel, one query per sequence, 16-token blocks.
// - ElementwiseShape: a loop over elements * bytes_per_element / 8 floats read and as
//   many written, doing flops_per_element work per element (multiply-adds).
// - SpmmShape: Tiled-CSL SpMM on a magnitude-pruned weight of that sparsity (m, k
//   rounded up to the 128 x 64 tile); the format is built once per shape and thread.
// - CollectiveShape (a collective inside a fused region): no peer takes part; the part
//   runs this rank's local memory work of the ring algorithm, a real element-wise sum
//   over (n-1)/n of the buffer per reduction pass plus the copies of the gather pass.
#include <vector>

#include "core/ops.hpp"

namespace lcperf::backends::cpu {

// Names the calling thread's scratch owner (a rank's stream) before its first part:
// each live run's worker for (rank, stream) then reuses the scratch the same worker of
// an earlier run grew, instead of growing another rank's inside a timed run.
void set_scratch_owner(int rank, int stream);

// Measured seconds of one part.
double execute_part(const core::OpPart& part);

// Runs the parts in order; returns each part's measured seconds.
std::vector<double> execute_op(const core::KernelOp& op);

}  // namespace lcperf::backends::cpu
