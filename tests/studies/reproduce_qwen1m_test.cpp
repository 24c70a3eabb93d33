// `lcperf reproduce qwen1m`: the quick study writes its tables deterministically, and the
// in-process TTFT equals a replay of a one-request trace through the serving engine.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "core/exit_codes.hpp"
#include "studies/qwen1m_study.hpp"
#include "runs/serving_run.hpp"
#include "tests/support/cli_test_support.hpp"
#include "tests/support/reproduce_test_support.hpp"
#include "core/scenario.hpp"

namespace lcperf::studies {
namespace testing = cli::testing;  // the binary-running helpers of tests/support/
namespace {

using testing::read_file;
using testing::run_lcperf;
using testing::ScratchDir;

TEST(Qwen1mReproduce, QuickWritesTheTablesDeterministically) {
  const ScratchDir dir;
  std::string md;
  ASSERT_NO_FATAL_FAILURE(testing::reproduce_quick_twice("qwen1m", dir, md));
  for (const char* heading : {"## TTFT vs context length, dense vs sparse attention", "### Speedup at 1M tokens",
                              "## Peak memory of one 1M-token prefill", "## Dynamic chunked pipeline parallelism",
                              "### Where the sparse 1M-token prefill spends its time",
                              "### Where the slash lines fall: the placement bounds",
                              "## Where the model may be wrong"}) {
    EXPECT_NE(md.find(heading), std::string::npos) << heading;
  }
  EXPECT_NE(md.find("| 1M | 128K |"), std::string::npos) << md;
  EXPECT_NE(md.find("the paper's 3–7× range"), std::string::npos) << md;
}

TEST(Qwen1mReproduce, DirectPricingMatchesAOneRequestReplay) {
  const ScratchDir dir;
  const std::string trace = (dir / "one.jsonl").string();
  std::ofstream(trace) << "{\"timestamp\":0,\"input_length\":65536,\"output_length\":1}\n";
  core::Scenario s = core::load_scenario(std::string(LCPERF_SOURCE_DIR) + "/scenarios/qwen1m/7b-h20-tp4-prefill.json");
  s.serving.prefill_chunk_tokens = 16384;
  s.serving.max_num_batched_tokens = 16384;
  s.serving.dca_chunk_tokens = 20000;  // all three DCA partials in play
  const runs::ServingRun run = runs::run_serving(s, trace, "mooncake");
  const double direct = single_prefill_ttft_s(s, 65536, 16384, core::long_context_options(s.serving));
  EXPECT_GT(direct, 0);
  // The replay adds only kernel-launch and step scheduling latencies.
  EXPECT_NEAR(run.simulated_s, direct, 0.02 * direct);
}

}  // namespace
}  // namespace lcperf::studies
