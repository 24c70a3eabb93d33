// `lcperf reproduce flashllm --quick`: the analytic Flash-LLM study writes its kernel and
// serving tables, byte-for-byte the same on every run.
#include <gtest/gtest.h>

#include <string>

#include "core/exit_codes.hpp"
#include "studies/flashllm_study.hpp"
#include "tests/support/cli_test_support.hpp"
#include "tests/support/reproduce_test_support.hpp"

namespace lcperf::studies {
namespace testing = cli::testing;  // the binary-running helpers of tests/support/
namespace {

using testing::read_file;
using testing::run_lcperf;
using testing::ScratchDir;

TEST(FlashllmStudy, QuickWritesDeterministicTables) {
  const ScratchDir dir;
  std::string md;
  ASSERT_NO_FATAL_FAILURE(testing::reproduce_quick_twice("flashllm", dir, md));
  for (const char* text :
       {"## Kernel level: SpMM vs dense GEMM on the OPT weight shapes", "## Serving: tokens per GPU-second",
        "## Where the simulation agrees or disagrees with the paper", "`lcperf reproduce flashllm --quick`",
        "| opt-30b | qkv | 21504 x 7168 | 8 |", "| opt-30b | a100-80gb | 80 % | 64 |", "paper: up to 3.8x / 3.6x",
        "Where the SpMM's time goes at N = 16", "| opt-30b | out | 90 % |"}) {
    EXPECT_NE(md.find(text), std::string::npos) << text;
  }
  EXPECT_EQ(md.find("opt-175b"), std::string::npos);  // quick: OPT-30B only
}

TEST(FlashllmStudy, SparseModelNeedsFewerGpusAndServesMorePerGpu) {
  const FlashllmStudy study = plan_flashllm_study(true);
  const auto pts = flashllm_points(study);
  ASSERT_EQ(pts.size(), 4u * 2u);  // sparsities x batches
  const FlashllmPoint& dense64 = pts[1];
  const FlashllmPoint& s80_64 = pts[5];
  ASSERT_DOUBLE_EQ(s80_64.sparsity, 0.8);
  ASSERT_GT(dense64.gpus, 0);
  ASSERT_GT(s80_64.gpus, 0);
  EXPECT_LE(s80_64.gpus, dense64.gpus);
  EXPECT_LT(s80_64.weight_bytes_per_gpu * s80_64.gpus, 0.85 * dense64.weight_bytes_per_gpu * dense64.gpus);
  // Two of the four weight classes run sparse: at N = 64 on TP2 the output projection
  // (7168 x 3584) is no faster as a Flash-LLM SpMM once its pipeline (Split-K reduction,
  // 128 x 64 tiles, exposed extraction) is priced, and since the A100's dense GEMMs are
  // priced by the measured tile model (cost_models/gemm_tile_model.hpp) neither is the QKV
  // projection (10752 x 7168: dense 103.8 us, streaming its weights at 0.73 of HBM
  // bandwidth as the measured decode GEMMs do, against the SpMM's 110.1 us; the single
  // curve had priced the dense one at 118.5 us), so the break-even keeps both dense and the
  // sparse model keeps 0.61 of the dense weight bytes instead of under half. (Was 4 with
  // the ideal-overlap SpMM model, 3 with the pipeline on the single curve.) The SpMM is not
  // measured; its curves follow the dense GEMM's compute curve, not the tile model.
  // Since the tile model prices stream-K kernels (issue 18), the FC1 projection (14336 x
  // 7168 at N = 64: 112 tiles of 64 x 128 on 108 SMs) no longer pays a second whole wave:
  // dense 150.4 -> 140.3 us against the SpMM's 149.7 us, so it stays dense too, one weight
  // class runs sparse and the sparse model keeps 0.80 of the dense weight bytes (the bound
  // above was 0.65 for 0.61; changed with this reason, the GPU count still not above
  // dense's and the throughput per GPU still higher).
  EXPECT_EQ(s80_64.sparse_classes, 1);
  EXPECT_GT(s80_64.tokens_per_gpu_s, dense64.tokens_per_gpu_s);
}

}  // namespace
}  // namespace lcperf::studies
