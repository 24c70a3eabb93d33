// One block per row for the norms (a block reduction gives the row statistics);
// one thread per output element for SwiGLU and per rotated pair for RoPE.
#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/elementwise_cuda.hpp"

namespace lcperf::kernels::cuda {

namespace {

constexpr int kThreads = 256;

// Sum over the block; every thread gets the result.
__device__ float block_sum(float x) {
  __shared__ float partial[kThreads / 32];
  for (int o = 16; o > 0; o /= 2) x += __shfl_xor_sync(0xffffffffu, x, o);
  __syncthreads();  // partial may still be read from a previous call
  if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = x;
  __syncthreads();
  float total = 0.0f;
  for (int w = 0; w < kThreads / 32; ++w) total += partial[w];
  return total;
}

template <typename T>
__global__ void rmsnorm_kernel(int cols, const T* x, const T* weight, float eps, T* out) {
  const T* xr = x + static_cast<long long>(blockIdx.x) * cols;
  T* o = out + static_cast<long long>(blockIdx.x) * cols;
  float ss = 0.0f;
  for (int c = threadIdx.x; c < cols; c += kThreads) {
    const float v = detail::load_f(xr + c);
    ss += v * v;
  }
  const float inv = rsqrtf(block_sum(ss) / cols + eps);
  for (int c = threadIdx.x; c < cols; c += kThreads) detail::store_f(o + c, detail::load_f(xr + c) * inv * detail::load_f(weight + c));
}

template <typename T>
__global__ void layernorm_kernel(int cols, const T* x, const T* weight, const T* bias, float eps, T* out) {
  const T* xr = x + static_cast<long long>(blockIdx.x) * cols;
  T* o = out + static_cast<long long>(blockIdx.x) * cols;
  float sum = 0.0f;
  for (int c = threadIdx.x; c < cols; c += kThreads) sum += detail::load_f(xr + c);
  const float mean = block_sum(sum) / cols;
  float dev = 0.0f;  // two passes: sum of squared deviations does not cancel like E[x^2] - mean^2
  for (int c = threadIdx.x; c < cols; c += kThreads) {
    const float d = detail::load_f(xr + c) - mean;
    dev += d * d;
  }
  const float inv = rsqrtf(block_sum(dev) / cols + eps);
  for (int c = threadIdx.x; c < cols; c += kThreads) {
    detail::store_f(o + c, (detail::load_f(xr + c) - mean) * inv * detail::load_f(weight + c) + detail::load_f(bias + c));
  }
}

template <typename T>
__global__ void swiglu_kernel(long long rows, int cols, const T* gate_up, T* out) {
  const long long idx = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= rows * cols) return;
  const long long r = idx / cols, c = idx % cols;
  const float g = detail::load_f(gate_up + r * 2 * cols + c);
  const float u = detail::load_f(gate_up + r * 2 * cols + cols + c);
  detail::store_f(out + idx, g / (1.0f + expf(-g)) * u);
}

// Angles in double: at positions near 1e6 an fp32 angle is off by ~0.1 rad.
template <typename T>
__global__ void rotary_kernel(long long tokens, int heads, int head_dim, const long long* positions, double theta,
                              const T* x, T* out) {
  const int half = head_dim / 2;
  const long long idx = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= tokens * heads * half) return;
  const int i = static_cast<int>(idx % half);
  const long long th = idx / half;  // token * heads + head
  const long long t = th / heads;
  const double angle = static_cast<double>(positions[t]) * pow(theta, -2.0 * i / head_dim);
  double s = 0, c = 0;
  sincos(angle, &s, &c);
  const long long base = th * head_dim;
  const float a = detail::load_f(x + base + i), b = detail::load_f(x + base + i + half);
  detail::store_f(out + base + i, static_cast<float>(a * c - b * s));
  detail::store_f(out + base + i + half, static_cast<float>(b * c + a * s));
}

unsigned grid_for(long long n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

}  // namespace

void rmsnorm_cuda(Storage storage, std::int64_t rows, int cols, const void* x, const void* weight, float eps, void* out,
                  void* stream) {
  if (rows == 0) return;
  detail::dispatch_storage(storage, [&](auto tag) {
    using T = decltype(tag);
    rmsnorm_kernel<T><<<static_cast<unsigned>(rows), kThreads, 0, detail::as_stream(stream)>>>(
        cols, static_cast<const T*>(x), static_cast<const T*>(weight), eps, static_cast<T*>(out));
  });
  detail::check_launch("rmsnorm_kernel");
}

void layernorm_cuda(Storage storage, std::int64_t rows, int cols, const void* x, const void* weight, const void* bias,
                    float eps, void* out, void* stream) {
  if (rows == 0) return;
  detail::dispatch_storage(storage, [&](auto tag) {
    using T = decltype(tag);
    layernorm_kernel<T><<<static_cast<unsigned>(rows), kThreads, 0, detail::as_stream(stream)>>>(
        cols, static_cast<const T*>(x), static_cast<const T*>(weight), static_cast<const T*>(bias), eps,
        static_cast<T*>(out));
  });
  detail::check_launch("layernorm_kernel");
}

void swiglu_cuda(Storage storage, std::int64_t rows, int cols, const void* gate_up, void* out, void* stream) {
  if (rows * cols == 0) return;
  detail::dispatch_storage(storage, [&](auto tag) {
    using T = decltype(tag);
    swiglu_kernel<T><<<grid_for(rows * cols), kThreads, 0, detail::as_stream(stream)>>>(
        rows, cols, static_cast<const T*>(gate_up), static_cast<T*>(out));
  });
  detail::check_launch("swiglu_kernel");
}

void rotary_cuda(Storage storage, std::int64_t tokens, int heads, int head_dim, const std::int64_t* positions,
                 double theta, const void* x, void* out, void* stream) {
  const long long pairs = tokens * heads * (head_dim / 2);
  if (pairs == 0) return;
  detail::dispatch_storage(storage, [&](auto tag) {
    using T = decltype(tag);
    rotary_kernel<T><<<grid_for(pairs), kThreads, 0, detail::as_stream(stream)>>>(
        tokens, heads, head_dim, reinterpret_cast<const long long*>(positions), theta, static_cast<const T*>(x),
        static_cast<T*>(out));
  });
  detail::check_launch("rotary_kernel");
}

}  // namespace lcperf::kernels::cuda
