#pragma once
// Tiled-CSL SpMM on the GPU (fp16 values and activations, fp32 accumulation, fp16
// output): Y[N][M] = X[N][K] A^T, A given as TiledCsl arrays copied to the device.
// Load as sparse, compute as dense: each block zero-fills a 128 x 64 shared tile,
// scatters the tile's entries into it, and multiplies on tensor cores (WMMA
// 16x16x16). Simpler than Flash-LLM: no double buffering, no register staging, no
// split-K, and entries are un-swizzled at the scatter (WMMA loads want a plain
// layout). Defined only in the CUDA build.
#include <cstdint>

namespace lcperf::kernels::cuda {

struct DeviceTiledCsl {
  std::int64_t m = 0;
  std::int64_t k = 0;
  const std::uint32_t* entries = nullptr;     // device
  const std::int32_t* tile_offsets = nullptr; // device, tiles + 2
};

void spmm_tiled_csl_cuda(const DeviceTiledCsl& a, std::int64_t n, const void* x_fp16, void* y_fp16, void* stream);

}  // namespace lcperf::kernels::cuda
