#pragma once
// Dense GEMM on the GPU through cuBLAS (cublasGemmEx), same row-major contract as
// gemm_cpu: C[m][n] = alpha * A[m][k] B(k, n) + beta * C, B(k, n) = B[k][n] or, when
// b_transposed, B[n][k]. A, B and C share one storage type; accumulation is fp32
// (fp32 storage is computed in fp32, not TF32). Leading dimensions are dense.
// Skinny decode shapes (m = tokens as small as 1) go through the same call; cuBLAS
// picks a GEMV-like kernel. Defined only in the CUDA build.
#include <cstdint>

#include "kernels/storage_type.hpp"

namespace lcperf::kernels::cuda {

void gemm_cuda(Storage storage, std::int64_t m, std::int64_t n, std::int64_t k, const void* a, const void* b, void* c,
               bool b_transposed, float alpha, float beta, void* stream);

}  // namespace lcperf::kernels::cuda
