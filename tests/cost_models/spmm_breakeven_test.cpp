// SpMM break-even sparsity and compute-bound crossover from the cost model.
#include <gtest/gtest.h>

#include "core/scenario.hpp"
#include "cost_models/spmm_breakeven.hpp"

namespace lcperf::cost {
namespace {

CostModel model_for(const std::string& id) { return CostModel(core::load_hardware(id), load_device_profile(id)); }

TEST(SpmmBreakEven, TimesMatchAtTheBreakEven) {
  const CostModel cost = model_for("a100-80gb");
  const WeightMatmul w{7168, 7168, 16, core::DType::fp16};
  const auto be = spmm_break_even_sparsity(cost, w);
  ASSERT_TRUE(be.has_value());
  EXPECT_GE(*be, 0.5);  // cannot beat dense below the format-only bound (4 B vs 2 B)
  EXPECT_LT(*be, 0.8);
  const double dense = cost.time_s(dense_gemm_of(w));
  EXPECT_LE(cost.time_s(spmm_of(w, *be)), dense);
  EXPECT_GT(cost.time_s(spmm_of(w, *be - 1e-3)), dense);
}

TEST(SpmmBreakEven, HigherSparsityIsFasterWhenMemoryBound) {
  const CostModel cost = model_for("a100-80gb");
  const WeightMatmul w{28672, 7168, 8, core::DType::fp16};
  double last = 1e30;
  for (double s : {0.5, 0.6, 0.7, 0.8, 0.9, 0.95}) {
    const double t = cost.time_s(spmm_of(w, s));
    EXPECT_LT(t, last) << s;
    last = t;
  }
  EXPECT_GT(spmm_speedup(cost, w, 0.9), spmm_speedup(cost, w, 0.7));
}

TEST(SpmmBreakEven, NoneWhenComputeBound) {
  const CostModel cost = model_for("a100-80gb");
  EXPECT_FALSE(spmm_break_even_sparsity(cost, WeightMatmul{7168, 7168, 8192, core::DType::fp16}).has_value());
}

TEST(SpmmBreakEven, ComputeBoundCrossoverInN) {
  const CostModel a100 = model_for("a100-80gb");
  const CostModel h200 = model_for("h200");
  const WeightMatmul w{7168, 7168, 0, core::DType::fp16};
  const auto n70 = spmm_compute_bound_tokens(a100, w, 0.7);
  const auto n90 = spmm_compute_bound_tokens(a100, w, 0.9);
  ASSERT_TRUE(n70 && n90);
  EXPECT_GE(*n70, *n90);  // more bytes per FLOP: compute-bound later
  EXPECT_GT(*n90, 8);     // decode-sized N stays memory-bound
  const auto h90 = spmm_compute_bound_tokens(h200, w, 0.9);
  ASSERT_TRUE(h90);
  EXPECT_GE(*h90, *n90);  // higher FLOP/byte ridge
}

TEST(SpmmBreakEven, IdealCrossoverMatchesReference) {
  const core::HardwareSpec hw = core::load_hardware("a100-80gb");
  // rho = N * BW / (2 * peak) for fp16: 97 / 95 / 89.5 / 79 % at N = 8 / 16 / 32 / 64.
  EXPECT_NEAR(ideal_compute_bound_sparsity(hw, 8, core::DType::fp16), 0.974, 0.001);
  EXPECT_NEAR(ideal_compute_bound_sparsity(hw, 32, core::DType::fp16), 0.895, 0.001);
  EXPECT_NEAR(ideal_compute_bound_sparsity(hw, 64, core::DType::fp16), 0.791, 0.001);
  EXPECT_LT(ideal_compute_bound_sparsity(hw, 128, core::DType::fp16),
            ideal_compute_bound_sparsity(hw, 64, core::DType::fp16));
}

TEST(SpmmBreakEven, ChoiceFollowsTheBreakEven) {
  const CostModel cost = model_for("a100-80gb");
  const auto choice = spmm_beats_dense(cost);
  const WeightMatmul w{7168, 7168, 16, core::DType::fp16};
  const double be = *spmm_break_even_sparsity(cost, w);
  EXPECT_TRUE(choice(spmm_of(w, std::min(0.99, be + 0.01))));
  EXPECT_FALSE(choice(spmm_of(w, be - 0.01)));
}

}  // namespace
}  // namespace lcperf::cost
