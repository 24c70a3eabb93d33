#include "tiny_model/linear.hpp"

#include <vector>

#include "kernels/gemm.hpp"

namespace lcperf::tiny {

void linear_fwd(const LinearShape& s, const float* x, const float* w, float* y) {
  kernels::GemmArgs g;
  g.m = s.rows, g.n = s.out, g.k = s.in;
  g.a = x, g.lda = s.in;
  g.b = w, g.ldb = s.in, g.b_transposed = true;
  g.c = y, g.ldc = s.out;
  kernels::gemm_cpu(g);
}

void linear_bwd(const LinearShape& s, const float* x, const float* w, const float* dy, float* dx, float* dw) {
  kernels::GemmArgs input;  // dx[rows][in] = dy[rows][out] W[out][in]
  input.m = s.rows, input.n = s.in, input.k = s.out;
  input.a = dy, input.lda = s.out;
  input.b = w, input.ldb = s.in;
  input.c = dx, input.ldc = s.in;
  kernels::gemm_cpu(input);

  // dw[out][in] += dy^T[out][rows] x[rows][in]; the GEMM takes no transposed A, so
  // dy is transposed once here (rows x out floats, small next to the product).
  std::vector<float> dy_t(static_cast<std::size_t>(s.rows * s.out));
  for (std::int64_t r = 0; r < s.rows; ++r) {
    for (std::int64_t o = 0; o < s.out; ++o) dy_t[static_cast<std::size_t>(o * s.rows + r)] = dy[r * s.out + o];
  }
  kernels::GemmArgs weight;
  weight.m = s.out, weight.n = s.in, weight.k = s.rows;
  weight.a = dy_t.data(), weight.lda = s.rows;
  weight.b = x, weight.ldb = s.in;
  weight.c = dw, weight.ldc = s.in;
  weight.beta = 1.0f;
  kernels::gemm_cpu(weight);
}

}  // namespace lcperf::tiny
