// The same pipeline rank programs take the same decisions, hold the same memory and run
// the same ops live on the CUDA backend as in the simulator (single-GPU mode: the
// pipeline's ranks are streams of one device). Each test runs one simulation (SimGrid
// allows one per process; ctest gives each test its own process). Skips without a GPU.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/scenario.hpp"
#include "cuda_test_support.hpp"
#include "schedulers/training/chunkflow_program.hpp"
#include "schedulers/training/megatron_program.hpp"
#include "schedulers/training/training_batch.hpp"
#include "sim/simulator.hpp"

namespace lcperf::backends::cuda {
namespace {

using Log = std::vector<std::vector<std::pair<std::string, std::string>>>;  // [rank] -> (kind, detail)

Log by_rank(const core::RunRecords& records, int ranks) {
  Log log(static_cast<std::size_t>(ranks));
  for (const core::DecisionRecord& d : records.decisions) log[static_cast<std::size_t>(d.rank)].emplace_back(d.kind, d.detail);
  return log;
}

void expect_same_as_simulated(const core::Scenario& s, const std::vector<core::RankProgram>& programs) {
  const int ranks = s.parallel.world_size();
  backends::LiveInput live;
  live.ranks = ranks;
  live.program_for = [&](int r) { return programs[static_cast<std::size_t>(r)]; };
  live.memory_capacity_bytes = static_cast<std::int64_t>(s.cluster.gpu.hbm_bytes);
  // Real kernels: the tiny model's ops are small, and running them is the point.
  const backends::LiveResult measured = run_live_cuda(live, test::one_gpu(ranks));

  sim::SimulationInput in;
  in.cluster = s.cluster;
  in.ranks = ranks;
  in.program_for = [&](int r) { return programs[static_cast<std::size_t>(r)]; };
  in.kernel_price = sim::priced_by([](const core::KernelOp&) { return 1e-3; });
  const core::RunRecords simulated = sim::simulate(in);

  const Log a = by_rank(simulated, ranks);
  const Log b = by_rank(measured.records, ranks);
  for (int r = 0; r < ranks; ++r) {
    EXPECT_FALSE(a[static_cast<std::size_t>(r)].empty()) << "rank " << r;
    EXPECT_EQ(a[static_cast<std::size_t>(r)], b[static_cast<std::size_t>(r)]) << "rank " << r;
  }
  EXPECT_EQ(simulated.peak_bytes_per_rank, measured.records.peak_bytes_per_rank);
  EXPECT_EQ(simulated.peak_bytes_per_rank_tag, measured.records.peak_bytes_per_rank_tag);
  EXPECT_EQ(simulated.oom.happened, measured.records.oom.happened);
  EXPECT_EQ(simulated.timeline.size(), measured.records.timeline.size());
  // Every kernel part was timed on the device.
  std::size_t parts = 0;
  for (const backends::PartTiming& p : measured.parts) {
    EXPECT_GT(p.seconds, 0.0) << p.op_name;
    ++parts;
  }
  EXPECT_GT(parts, 0u);
}

core::Scenario live_scenario(const std::string& file) {
  return core::load_scenario(std::string(LCPERF_SOURCE_DIR) + "/scenarios/live/" + file);
}

TEST(CudaRuntimeDecisions, MegatronOneF1BOnOneGpuMatchesTheSimulator) {
  LCPERF_REQUIRE_CUDA_BACKEND();
  const core::Scenario s = live_scenario("tiny-256-megatron-pp2-dp1.json");
  const std::vector<std::int64_t> batch = schedulers::training::fixed_length_global_batch(s);
  std::vector<core::RankProgram> programs;
  for (int r = 0; r < s.parallel.world_size(); ++r) {
    programs.push_back(schedulers::training::make_megatron_rank_program(s, r, batch));
  }
  expect_same_as_simulated(s, programs);
}

TEST(CudaRuntimeDecisions, ChunkFlowPp2Dp2OnOneGpuMatchesTheSimulator) {
  LCPERF_REQUIRE_CUDA_BACKEND();
  const core::Scenario s = live_scenario("tiny-256-chunkflow-pp2-dp2.json");
  const std::vector<std::int64_t> sequences = {700, 40, 300, 120, 60, 520, 90, 256};
  std::vector<core::RankProgram> programs;
  for (int r = 0; r < s.parallel.world_size(); ++r) {
    programs.push_back(schedulers::training::make_chunkflow_rank_program(
        schedulers::training::make_chunkflow_plan(s, r, sequences)));
  }
  expect_same_as_simulated(s, programs);
}

}  // namespace
}  // namespace lcperf::backends::cuda
