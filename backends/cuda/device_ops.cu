#include "backends/cuda/device_ops.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "kernels/cuda/cuda_check.cuh"

namespace lcperf::backends::cuda {

namespace {

using kernels::cuda::detail::check_launch;
using kernels::cuda::detail::load_f;
using kernels::cuda::detail::store_f;

struct SumInputs {
  const void* data[kMaxSumInputs];
};

constexpr int kThreads = 256;

unsigned blocks_for(long long count) {
  // Grid-stride loops: enough blocks to fill an H100/H200, no more.
  const long long blocks = (count + kThreads - 1) / kThreads;
  return static_cast<unsigned>(std::max<long long>(1, std::min<long long>(blocks, 132 * 16)));
}

template <typename T>
__global__ void sum_float_kernel(SumInputs in, int count, T* out, long long begin, long long end) {
  for (long long i = begin + blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < end;
       i += static_cast<long long>(gridDim.x) * blockDim.x) {
    float acc = 0.0f;
    for (int j = 0; j < count; ++j) acc += load_f(static_cast<const T*>(in.data[j]) + i);
    store_f(out + i, acc);
  }
}

// Unsigned arithmetic wraps by definition, so signed integers are summed through it.
template <typename U>
__global__ void sum_wrapping_kernel(SumInputs in, int count, U* out, long long begin, long long end) {
  for (long long i = begin + blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < end;
       i += static_cast<long long>(gridDim.x) * blockDim.x) {
    U acc = 0;
    for (int j = 0; j < count; ++j) acc = static_cast<U>(acc + static_cast<const U*>(in.data[j])[i]);
    out[i] = acc;
  }
}

template <typename T>
__global__ void fill_kernel(T* data, long long elements) {
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < elements;
       i += static_cast<long long>(gridDim.x) * blockDim.x) {
    const unsigned hash = static_cast<unsigned>(i) * 2654435761u;
    store_f(data + i, static_cast<float>(hash % 1000u) / 1000.0f - 0.5f);
  }
}

__global__ void stream_kernel(const float* in, float* out, long long count, int passes) {
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<long long>(gridDim.x) * blockDim.x) {
    float value = in[i];
    for (int p = 0; p < passes; ++p) value = value * 0.999f + 0.001f;
    out[i] = value;
  }
}

__global__ void add_kernel(const float* a, const float* b, float* out, long long count) {
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<long long>(gridDim.x) * blockDim.x) {
    out[i] = a[i] + b[i];
  }
}

}  // namespace

void sum_buffers(core::DType dtype, const void* const* inputs, int count, void* out, std::int64_t begin,
                 std::int64_t end, void* stream) {
  if (count < 1 || count > kMaxSumInputs) {
    throw std::invalid_argument("sum_buffers: " + std::to_string(count) + " inputs (1.." +
                                std::to_string(kMaxSumInputs) + " supported)");
  }
  if (end <= begin) return;
  SumInputs in{};
  for (int j = 0; j < count; ++j) in.data[j] = inputs[j];
  const unsigned blocks = blocks_for(end - begin);
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  switch (dtype) {
    case core::DType::fp32: sum_float_kernel<float><<<blocks, kThreads, 0, s>>>(in, count, static_cast<float*>(out), begin, end); break;
    case core::DType::bf16:
      sum_float_kernel<__nv_bfloat16><<<blocks, kThreads, 0, s>>>(in, count, static_cast<__nv_bfloat16*>(out), begin, end);
      break;
    case core::DType::fp16: sum_float_kernel<__half><<<blocks, kThreads, 0, s>>>(in, count, static_cast<__half*>(out), begin, end); break;
    case core::DType::fp8:
      sum_wrapping_kernel<unsigned char><<<blocks, kThreads, 0, s>>>(in, count, static_cast<unsigned char*>(out), begin, end);
      break;
    case core::DType::int32:
      sum_wrapping_kernel<unsigned int><<<blocks, kThreads, 0, s>>>(in, count, static_cast<unsigned int*>(out), begin, end);
      break;
    case core::DType::int64:
      sum_wrapping_kernel<unsigned long long>
          <<<blocks, kThreads, 0, s>>>(in, count, static_cast<unsigned long long*>(out), begin, end);
      break;
  }
  check_launch("sum_buffers");
}

void fill_small_values(kernels::Storage storage, void* data, std::int64_t elements, void* stream) {
  if (elements <= 0) return;
  const unsigned blocks = blocks_for(elements);
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  switch (storage) {
    case kernels::Storage::fp32: fill_kernel<float><<<blocks, kThreads, 0, s>>>(static_cast<float*>(data), elements); break;
    case kernels::Storage::bf16:
      fill_kernel<__nv_bfloat16><<<blocks, kThreads, 0, s>>>(static_cast<__nv_bfloat16*>(data), elements);
      break;
    case kernels::Storage::fp16: fill_kernel<__half><<<blocks, kThreads, 0, s>>>(static_cast<__half*>(data), elements); break;
  }
  check_launch("fill_small_values");
}

void stream_floats(const float* in, float* out, std::int64_t count, int passes, void* stream) {
  if (count <= 0) return;
  stream_kernel<<<blocks_for(count), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(in, out, count, passes);
  check_launch("stream_floats");
}

void add_floats(const float* a, const float* b, float* out, std::int64_t count, void* stream) {
  if (count <= 0) return;
  add_kernel<<<blocks_for(count), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(a, b, out, count);
  check_launch("add_floats");
}

}  // namespace lcperf::backends::cuda
