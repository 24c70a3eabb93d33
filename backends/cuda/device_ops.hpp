#pragma once
// The few device kernels the CUDA backend needs besides kernels/cuda: element-wise
// sums over several ranks' buffers (single-GPU collectives), scratch initialisation and
// a memory-bound streaming loop (element-wise ops and inline collectives). No CUDA
// types: streams are `void*` (cudaStream_t). Internal to backends/cuda.
#include <cstdint>

#include "core/dtype.hpp"
#include "kernels/storage_type.hpp"

namespace lcperf::backends::cuda {

// Most buffers one sum kernel reads (they travel as kernel parameters).
inline constexpr int kMaxSumInputs = 64;

// out[i] = sum over j of inputs[j][i] for i in [begin, end), in the arithmetic of the
// element type: fp32 / bf16 / fp16 summed in fp32 and rounded once, integers wrapping,
// fp8 (the byte-count tensors of core::bytes_tensor) as wrapping bytes, as the CPU
// backend does. `inputs` is a host array of device pointers (peer pointers allowed when
// peer access is on); `out` may be one of them only when every input is read before
// being written, which holds element by element, so in-place sums are fine.
void sum_buffers(core::DType dtype, const void* const* inputs, int count, void* out, std::int64_t begin,
                 std::int64_t end, void* stream);

// Fills `elements` values of `storage` with small values of both signs (no denormals,
// infinities or NaNs), so kernels on scratch run at their normal speed.
void fill_small_values(kernels::Storage storage, void* data, std::int64_t elements, void* stream);

// out[i] = in[i] after `passes` multiply-adds, i < count: memory-bound element-wise work.
void stream_floats(const float* in, float* out, std::int64_t count, int passes, void* stream);

// out[i] = a[i] + b[i], i < count.
void add_floats(const float* a, const float* b, float* out, std::int64_t count, void* stream);

}  // namespace lcperf::backends::cuda
