// cuBLAS GEMM and the CUDA event timer against the CPU reference. Built only with CUDA.
#ifdef LCPERF_HAVE_CUDA
#include <gtest/gtest.h>

#include "cuda_test_util.hpp"
#include "kernel_test_util.hpp"
#include "kernels/cuda/event_timer.hpp"
#include "kernels/cuda/gemm_cuda.hpp"
#include "kernels/gemm.hpp"

namespace lcperf::kernels {
namespace {

void check(Storage s, std::int64_t m, std::int64_t n, std::int64_t k, bool b_transposed) {
  const auto a = round_to_storage(test::random_vector(static_cast<std::size_t>(m * k), 1), s);
  const auto b = round_to_storage(test::random_vector(static_cast<std::size_t>(k * n), 2), s);
  auto da = test::upload(a, s), db = test::upload(b, s);
  auto dc = test::poisoned(static_cast<std::size_t>(m * n), storage_bytes(s));
  cuda::gemm_cuda(s, m, n, k, da.get(), db.get(), dc.get(), b_transposed, 1.0f, 0.0f, nullptr);
  cuda::synchronize();
  std::vector<float> want(static_cast<std::size_t>(m * n));
  GemmArgs g;
  g.m = m, g.n = n, g.k = k, g.a = a.data(), g.lda = k, g.b = b.data(), g.ldb = b_transposed ? k : n;
  g.b_transposed = b_transposed, g.c = want.data(), g.ldc = n;
  gemm_naive_cpu(g);
  EXPECT_LT(test::relative_error(test::download(dc, s), want), test::tolerance(s))
      << storage_name(s) << " " << m << "x" << n << "x" << k;
}

TEST(GemmCuda, MatchesCpuForEveryStorage) {
  LCPERF_REQUIRE_GPU();
  for (Storage s : test::kAllStorages) {
    check(s, 67, 129, 95, false);
    check(s, 64, 256, 512, true);
  }
}

TEST(GemmCuda, SkinnyDecodeShapes) {
  LCPERF_REQUIRE_GPU();
  for (Storage s : test::kAllStorages) {
    check(s, 1, 1024, 512, true);
    check(s, 8, 512, 1024, true);
  }
}

TEST(EventTimer, TimesAGemm) {
  LCPERF_REQUIRE_GPU();
  auto a = test::upload(test::random_vector(512 * 512, 1), Storage::bf16);
  auto c = test::poisoned(512 * 512, 2);
  ProfileCase gemm;
  gemm.op_class = "gemm";
  gemm.shape_json = R"({"m": 512, "n": 512, "k": 512, "dtype": "bf16"})";
  gemm.run = [&](int) { cuda::gemm_cuda(Storage::bf16, 512, 512, 512, a.get(), a.get(), c.get(), true, 1, 0, nullptr); };
  auto timer = cuda::make_event_timer(nullptr);
  const auto results = profile_cases({gemm}, ProfileOptions{}, *timer);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_GT(results[0].median_s, 0.0);
  EXPECT_LT(results[0].median_s, 1e-2);
}

}  // namespace
}  // namespace lcperf::kernels
#endif
