// CUDA norms, SwiGLU, rotary and Tiled-CSL SpMM against the CPU references. Built only with CUDA.
#ifdef LCPERF_HAVE_CUDA
#include <gtest/gtest.h>

#include "cuda_test_util.hpp"
#include "kernel_test_util.hpp"
#include "kernels/cuda/elementwise_cuda.hpp"
#include "kernels/cuda/spmm_cuda.hpp"
#include "kernels/norms.hpp"
#include "kernels/rotary.hpp"
#include "kernels/swiglu.hpp"
#include "kernels/tiled_csl.hpp"

namespace lcperf::kernels {
namespace {

TEST(NormsCuda, RmsNormAndLayerNormMatchCpu) {
  LCPERF_REQUIRE_GPU();
  const int rows = 33, cols = 1000;
  for (Storage s : test::kAllStorages) {
    const auto x = round_to_storage(test::random_vector(rows * cols, 1, -3, 5), s);
    const auto w = round_to_storage(test::random_vector(cols, 2), s), b = round_to_storage(test::random_vector(cols, 3), s);
    std::vector<float> want(x.size());
    auto dx = test::upload(x, s), dw = test::upload(w, s), db = test::upload(b, s);
    auto out = test::poisoned(x.size(), storage_bytes(s));
    rmsnorm_cpu(rows, cols, x.data(), w.data(), 1e-6f, want.data());
    cuda::rmsnorm_cuda(s, rows, cols, dx.get(), dw.get(), 1e-6f, out.get(), nullptr);
    cuda::synchronize();
    EXPECT_LT(test::relative_error(test::download(out, s), want), test::tolerance(s)) << "rmsnorm " << storage_name(s);
    out.poison();
    layernorm_cpu(rows, cols, x.data(), w.data(), b.data(), 1e-5f, want.data());
    cuda::layernorm_cuda(s, rows, cols, dx.get(), dw.get(), db.get(), 1e-5f, out.get(), nullptr);
    cuda::synchronize();
    EXPECT_LT(test::relative_error(test::download(out, s), want), test::tolerance(s)) << "layernorm " << storage_name(s);
  }
}

TEST(SwigluCuda, MatchesCpu) {
  LCPERF_REQUIRE_GPU();
  for (Storage s : test::kAllStorages) {
    const auto gu = round_to_storage(test::random_vector(17 * 2 * 300, 4, -6, 6), s);
    std::vector<float> want(17 * 300);
    swiglu_cpu(17, 300, gu.data(), want.data());
    auto dgu = test::upload(gu, s);
    auto out = test::poisoned(want.size(), storage_bytes(s));
    cuda::swiglu_cuda(s, 17, 300, dgu.get(), out.get(), nullptr);
    cuda::synchronize();
    EXPECT_LT(test::relative_error(test::download(out, s), want), test::tolerance(s)) << storage_name(s);
  }
}

TEST(RotaryCuda, MatchesCpuAtLargePositions) {
  LCPERF_REQUIRE_GPU();
  const int tokens = 9, heads = 3, d = 128;
  const std::vector<std::int64_t> pos = {0, 1, 7, 1000, 65535, 262144, 500000, 999999, 1009999};
  for (Storage s : test::kAllStorages) {
    const auto x = round_to_storage(test::random_vector(tokens * heads * d, 5), s);
    std::vector<float> want(x.size());
    rotary_cpu(tokens, heads, d, pos.data(), 1e7, x.data(), want.data());
    auto dx = test::upload(x, s);
    cuda::DeviceBuffer dpos(pos);
    auto out = test::poisoned(x.size(), storage_bytes(s));
    cuda::rotary_cuda(s, tokens, heads, d, dpos.as<std::int64_t>(), 1e7, dx.get(), out.get(), nullptr);
    cuda::synchronize();
    EXPECT_LT(test::relative_error(test::download(out, s), want), test::tolerance(s)) << storage_name(s);
  }
}

TEST(SpmmTiledCslCuda, MatchesCpu) {
  LCPERF_REQUIRE_GPU();
  const std::int64_t m = 256, k = 320;
  auto w = test::random_vector(static_cast<std::size_t>(m * k), 6);
  magnitude_prune_cpu(m, k, 0.8, w.data());
  const TiledCsl a = tiled_csl_from_dense(m, k, w.data());
  cuda::DeviceBuffer entries(a.entries), offsets(a.tile_offsets);
  for (std::int64_t n : {1, 8, 16, 45, 128}) {
    const auto x = round_to_storage(test::random_vector(static_cast<std::size_t>(n * k), 7), Storage::fp16);
    std::vector<float> want(static_cast<std::size_t>(n * m));
    spmm_tiled_csl_cpu(a, n, x.data(), want.data());
    auto dx = test::upload(x, Storage::fp16);
    auto out = test::poisoned(want.size(), 2);
    cuda::spmm_tiled_csl_cuda(cuda::DeviceTiledCsl{m, k, entries.as<std::uint32_t>(), offsets.as<std::int32_t>()}, n,
                              dx.get(), out.get(), nullptr);
    cuda::synchronize();
    EXPECT_LT(test::relative_error(test::download(out, Storage::fp16), want), 1e-2) << n;
  }
}

}  // namespace
}  // namespace lcperf::kernels
#endif
