#pragma once
// Element type of a device buffer. Kept free of CUDA headers so host code (tests,
// the profiling harness) can describe device buffers without including the toolkit.
#include <cstddef>

namespace lcperf::kernels {

enum class Storage { fp32, bf16, fp16 };

inline std::size_t storage_bytes(Storage s) { return s == Storage::fp32 ? 4 : 2; }
inline const char* storage_name(Storage s) {
  return s == Storage::fp32 ? "fp32" : (s == Storage::bf16 ? "bf16" : "fp16");
}

}  // namespace lcperf::kernels
