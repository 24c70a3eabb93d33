#pragma once
// Internal: the row-streaming attention kernel shared by dense varlen, paged decode
// and block-sparse attention. A `Keys` policy says, for a block of query rows, which
// query rows exist, how many logical keys to visit, where logical key n lives
// (physical row, or -1 to skip) and its position for the causal test.
#include <climits>
#include <cmath>

#include "kernels/cuda/cuda_check.cuh"

namespace lcperf::kernels::cuda::detail {

constexpr int kWarps = 4;
constexpr int kRowsPerWarp = 4;
constexpr int kRowsPerBlock = kWarps * kRowsPerWarp;  // divides 64, so a block never spans two sparse query blocks
constexpr int kKeyTile = 32;                          // one key per lane when scoring

__device__ __forceinline__ float warp_max(float x) {
  for (int o = 16; o > 0; o /= 2) x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, o));
  return x;
}

__device__ __forceinline__ float warp_sum(float x) {
  for (int o = 16; o > 0; o /= 2) x += __shfl_xor_sync(0xffffffffu, x, o);
  return x;
}

template <typename T, int D, typename Keys>
__global__ void __launch_bounds__(kWarps * 32)
    attention_rows_kernel(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v, T* __restrict__ out,
                          float* __restrict__ lse, int heads_q, int heads_kv, float scale, Keys keys) {
  const int b = blockIdx.z, h = blockIdx.y;
  const long long first_row = static_cast<long long>(blockIdx.x) * kRowsPerBlock;
  if (!keys.begin(b, h, first_row)) return;  // uniform over the block: before any barrier
  const int hk = h / (heads_q / heads_kv);
  const int rows_here = static_cast<int>(min(static_cast<long long>(kRowsPerBlock), keys.q_len - first_row));
  const int count = keys.count(first_row + rows_here - 1);

  __shared__ float sq[kRowsPerBlock][D];
  __shared__ float sk[kKeyTile][D + 1];  // +1: lane j reads row j, conflict-free
  __shared__ float sv[kKeyTile][D + 1];
  __shared__ long long srow[kKeyTile];
  __shared__ long long spos[kKeyTile];

  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
  for (int idx = tid; idx < kRowsPerBlock * D; idx += blockDim.x) {
    const int r = idx / D, x = idx % D;
    sq[r][x] = r < rows_here ? load_f(q + (keys.query_row(first_row + r) * heads_q + h) * D + x) * scale : 0.0f;
  }

  constexpr int kPerLane = D / 32;
  float m[kRowsPerWarp], l[kRowsPerWarp], acc[kRowsPerWarp][kPerLane];
#pragma unroll
  for (int i = 0; i < kRowsPerWarp; ++i) {
    m[i] = -INFINITY;
    l[i] = 0.0f;
#pragma unroll
    for (int c = 0; c < kPerLane; ++c) acc[i][c] = 0.0f;
  }

  for (int t0 = 0; t0 < count; t0 += kKeyTile) {
    __syncthreads();  // the previous tile is consumed (and sq is written)
    if (tid < kKeyTile) {
      long long row = -1, pos = 0;
      if (t0 + tid < count) keys.locate(t0 + tid, row, pos);
      srow[tid] = row;
      spos[tid] = pos;
    }
    __syncthreads();
    for (int idx = tid; idx < kKeyTile * D; idx += blockDim.x) {
      const int j = idx / D, x = idx % D;
      const long long row = srow[j];
      float kx = 0.0f, vx = 0.0f;
      if (row >= 0) {
        const long long off = (row * heads_kv + hk) * D + x;
        kx = load_f(k + off);
        vx = load_f(v + off);
      }
      sk[j][x] = kx;
      sv[j][x] = vx;
    }
    __syncthreads();
#pragma unroll
    for (int i = 0; i < kRowsPerWarp; ++i) {
      const int r = warp * kRowsPerWarp + i;
      if (r >= rows_here) break;  // warp-uniform
      const bool valid = srow[lane] >= 0 && spos[lane] <= keys.limit(first_row + r);
      float s = -INFINITY;
      if (valid) {
        float dot = 0.0f;
#pragma unroll 16
        for (int x = 0; x < D; ++x) dot += sq[r][x] * sk[lane][x];
        s = dot;
      }
      const float new_m = fmaxf(m[i], warp_max(s));
      if (new_m == -INFINITY) continue;  // nothing visible yet; warp-uniform
      const float p = valid ? expf(s - new_m) : 0.0f;
      const float correction = m[i] == -INFINITY ? 0.0f : expf(m[i] - new_m);
      l[i] = l[i] * correction + warp_sum(p);
#pragma unroll
      for (int c = 0; c < kPerLane; ++c) acc[i][c] *= correction;
      for (int j = 0; j < kKeyTile; ++j) {
        const float pj = __shfl_sync(0xffffffffu, p, j);
#pragma unroll
        for (int c = 0; c < kPerLane; ++c) acc[i][c] += pj * sv[j][lane + 32 * c];
      }
      m[i] = new_m;
    }
  }

#pragma unroll
  for (int i = 0; i < kRowsPerWarp; ++i) {
    const int r = warp * kRowsPerWarp + i;
    if (r >= rows_here) break;
    const long long row = keys.query_row(first_row + r) * heads_q + h;
    const float inv = l[i] > 0.0f ? 1.0f / l[i] : 0.0f;
#pragma unroll
    for (int c = 0; c < kPerLane; ++c) store_f(out + row * D + lane + 32 * c, acc[i][c] * inv);
    if (lane == 0) lse[row] = l[i] > 0.0f ? m[i] + logf(l[i]) : -INFINITY;
  }
}

// Launches the kernel for storage type T and head dim 64 or 128.
template <typename T, typename Keys>
void launch_attention_rows(int head_dim, dim3 grid, cudaStream_t stream, const void* q, const void* k, const void* v,
                           void* out, float* lse, int heads_q, int heads_kv, float scale, const Keys& keys) {
  if (grid.x == 0 || grid.y == 0 || grid.z == 0) return;
  const T* qt = static_cast<const T*>(q);
  const T* kt = static_cast<const T*>(k);
  const T* vt = static_cast<const T*>(v);
  T* ot = static_cast<T*>(out);
  if (head_dim == 64) {
    attention_rows_kernel<T, 64, Keys><<<grid, kWarps * 32, 0, stream>>>(qt, kt, vt, ot, lse, heads_q, heads_kv, scale, keys);
  } else if (head_dim == 128) {
    attention_rows_kernel<T, 128, Keys><<<grid, kWarps * 32, 0, stream>>>(qt, kt, vt, ot, lse, heads_q, heads_kv, scale, keys);
  } else {
    throw std::invalid_argument("CUDA attention supports head_dim 64 and 128");
  }
  check_launch("attention_rows_kernel");
}

}  // namespace lcperf::kernels::cuda::detail
