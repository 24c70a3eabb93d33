// Row-major through column-major cuBLAS: a row-major X is the column-major X^T, so
// C^T = B(k, n)^T A^T is computed with the operands swapped and no copies.
#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/gemm_cuda.hpp"

namespace lcperf::kernels::cuda {

namespace {

// One handle per thread (handles are not thread-safe to share); created on first use
// and kept for the process, since creation costs milliseconds.
cublasHandle_t thread_handle() {
  thread_local cublasHandle_t handle = [] {
    cublasHandle_t h = nullptr;
    detail::check(cublasCreate(&h), "cublasCreate");
    // Default math: bf16/fp16 use tensor cores; fp32 data with COMPUTE_32F stays
    // fp32 (TF32 only with CUBLAS_TF32_TENSOR_OP_MATH), as its CPU comparison needs.
    detail::check(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    return h;
  }();
  return handle;
}

cudaDataType_t data_type(Storage s) {
  return s == Storage::fp32 ? CUDA_R_32F : (s == Storage::bf16 ? CUDA_R_16BF : CUDA_R_16F);
}

}  // namespace

void gemm_cuda(Storage storage, std::int64_t m, std::int64_t n, std::int64_t k, const void* a, const void* b, void* c,
               bool b_transposed, float alpha, float beta, void* stream) {
  cublasHandle_t handle = thread_handle();
  detail::check(cublasSetStream(handle, detail::as_stream(stream)), "cublasSetStream");
  const cudaDataType_t type = data_type(storage);
  detail::check(cublasGemmEx(handle, b_transposed ? CUBLAS_OP_T : CUBLAS_OP_N, CUBLAS_OP_N, static_cast<int>(n),
                             static_cast<int>(m), static_cast<int>(k), &alpha, b, type,
                             static_cast<int>(b_transposed ? k : n), a, type, static_cast<int>(k), &beta, c, type,
                             static_cast<int>(n), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                "cublasGemmEx");
}

}  // namespace lcperf::kernels::cuda
