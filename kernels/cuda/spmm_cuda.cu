// One block = 128 output features x 32 tokens, 8 warps; warp w owns features
// [16w, 16w + 16) and both 16-token halves. The K loop walks the row-tile's 64-wide
// sparse tiles.
#include <mma.h>

#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/spmm_cuda.hpp"

namespace lcperf::kernels::cuda {

namespace {

constexpr int kTileM = 128;
constexpr int kTileK = 64;
constexpr int kTileN = 32;
constexpr int kThreads = 256;
constexpr int kLdc = kTileM + 4;  // float tile leading dimension; multiple of 4 as WMMA requires

__global__ void __launch_bounds__(kThreads)
    spmm_tiled_csl_kernel(long long m, long long k, long long n, const std::uint32_t* __restrict__ entries,
                          const std::int32_t* __restrict__ tile_offsets, const __half* __restrict__ x,
                          __half* __restrict__ y) {
  using namespace nvcuda;
  __shared__ __align__(32) __half a_tile[kTileM * kTileK];
  __shared__ __align__(32) __half b_tile[kTileN * kTileK];  // [token][k]: B (k x n) column-major
  __shared__ __align__(32) float c_tile[kTileN * kLdc];     // [token][feature]: C column-major

  const long long m0 = static_cast<long long>(blockIdx.y) * kTileM;
  const long long n0 = static_cast<long long>(blockIdx.x) * kTileN;
  const int warp = threadIdx.x / 32;
  const long long k_tiles = k / kTileK;

  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2];
  wmma::fill_fragment(acc[0], 0.0f);
  wmma::fill_fragment(acc[1], 0.0f);

  for (long long tk = 0; tk < k_tiles; ++tk) {
    const long long tile = blockIdx.y * k_tiles + tk;
    for (int i = threadIdx.x; i < kTileM * kTileK; i += kThreads) a_tile[i] = __float2half(0.0f);
    for (int i = threadIdx.x; i < kTileN * kTileK; i += kThreads) {
      const long long token = n0 + i / kTileK;
      b_tile[i] = token < n ? x[token * k + tk * kTileK + i % kTileK] : __float2half(0.0f);
    }
    __syncthreads();  // zero-fill before the scatter
    const long long begin = 4LL * tile_offsets[tile], end = 4LL * tile_offsets[tile + 1];
    for (long long e = begin + threadIdx.x; e < end; e += kThreads) {
      const std::uint32_t word = entries[e];
      const int pos = static_cast<int>(word >> 16);
      const int row = pos / kTileK;
      const int col = (pos % kTileK) ^ ((row % 8) * 8);  // undo the swizzle
      a_tile[row * kTileK + col] = __ushort_as_half(static_cast<unsigned short>(word & 0xffffu));
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kTileK; kk += 16) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> fa;
      wmma::load_matrix_sync(fa, a_tile + warp * 16 * kTileK + kk, kTileK);
#pragma unroll
      for (int j = 0; j < 2; ++j) {
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> fb;
        wmma::load_matrix_sync(fb, b_tile + j * 16 * kTileK + kk, kTileK);
        wmma::mma_sync(acc[j], fa, fb, acc[j]);
      }
    }
    __syncthreads();  // tiles are overwritten next iteration
  }
  for (int j = 0; j < 2; ++j) {
    wmma::store_matrix_sync(c_tile + j * 16 * kLdc + warp * 16, acc[j], kLdc, wmma::mem_col_major);
  }
  __syncthreads();
  for (int i = threadIdx.x; i < kTileN * kTileM; i += kThreads) {
    const int token = i / kTileM, feature = i % kTileM;
    if (n0 + token < n) y[(n0 + token) * m + m0 + feature] = __float2half(c_tile[token * kLdc + feature]);
  }
}

}  // namespace

void spmm_tiled_csl_cuda(const DeviceTiledCsl& a, std::int64_t n, const void* x_fp16, void* y_fp16, void* stream) {
  if (a.m % kTileM != 0 || a.k % kTileK != 0) throw std::invalid_argument("Tiled-CSL needs m % 128 == 0 and k % 64 == 0");
  if (n == 0 || a.m == 0) return;
  const dim3 grid(static_cast<unsigned>((n + kTileN - 1) / kTileN), static_cast<unsigned>(a.m / kTileM));
  spmm_tiled_csl_kernel<<<grid, kThreads, 0, detail::as_stream(stream)>>>(
      a.m, a.k, n, a.entries, a.tile_offsets, static_cast<const __half*>(x_fp16), static_cast<__half*>(y_fp16));
  detail::check_launch("spmm_tiled_csl_kernel");
}

}  // namespace lcperf::kernels::cuda
