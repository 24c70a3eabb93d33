// The ChunkFlow rank program on the fake runtime (memory, op counts, the K bound) and
// on the simulator (its decision log must equal the fake runtime's: the scheduler does
// not know which runtime executes it).
#include "schedulers/training/chunkflow_program.hpp"

#include <gtest/gtest.h>

#include <map>

#include "core/layer_ops.hpp"
#include "core/training_memory.hpp"
#include "fake_runtime.hpp"
#include "sim/simulator.hpp"
#include "test_models.hpp"

namespace lcperf::schedulers::training {
namespace {

// Two long sequences (4 and 3 chunks of 128) among short ones.
const std::vector<std::int64_t> kBatch = {40, 60, 500, 30, 90, 20, 300, 10};

core::Scenario chunkflow_scenario(int pp, int dp, int k) {
  core::Scenario sc;
  sc.name = "chunkflow-test";
  sc.model = test::tiny_model(false);
  sc.parallel.tp = 2;
  sc.parallel.sequence_parallel = true;
  sc.parallel.pp = pp;
  sc.parallel.dp = dp;
  sc.cluster.gpus_per_node = 8;
  sc.cluster.nodes = 1;
  sc.cluster.gpu.hbm_bytes = 80e9;
  sc.cluster.gpu.nvlink_bandwidth_bytes_per_s = 400e9;
  sc.cluster.gpu.pcie_bandwidth_bytes_per_s = 50e9;
  sc.cluster.gpu.nic_bandwidth_bytes_per_s = 50e9;
  sc.workload.kind = core::WorkloadKind::dataset;
  sc.workload.global_batch = static_cast<int>(kBatch.size());
  sc.workload.context_length = 512;
  sc.strategy.name = core::Strategy::chunkflow;
  sc.strategy.chunk_size = 128;
  sc.strategy.k = k;
  sc.strategy.recompute = core::RecomputePolicy::none;
  return sc;
}

std::unique_ptr<test::FakeWorld> run_fake(const core::Scenario& sc) {
  std::vector<core::RankProgram> programs;
  for (int r = 0; r < sc.parallel.world_size(); ++r) {
    programs.push_back(make_chunkflow_rank_program(make_chunkflow_plan(sc, r, kBatch)));
  }
  auto fake = std::make_unique<test::FakeWorld>(sc.parallel.world_size());
  for (const std::string& e : fake->run(programs)) ADD_FAILURE() << e;
  return fake;
}

std::size_t tag(core::MemoryTag t) { return static_cast<std::size_t>(t); }

TEST(ChunkFlowProgram, ReleasesEverythingAndRunsEveryChunkOnEveryStage) {
  for (int k : {1, 2, 4}) {
    const core::Scenario sc = chunkflow_scenario(2, 2, k);
    SCOPED_TRACE("K=" + std::to_string(k));
    const auto fake = run_fake(sc);
    int chunks_seen = 0;
    for (int r = 0; r < sc.parallel.world_size(); ++r) {
      const test::RankLog& log = fake->log(r);
      EXPECT_EQ(log.live_tensors, 0);
      for (int t = 0; t < core::kMemoryTagCount; ++t) {
        EXPECT_EQ(log.allocated[static_cast<std::size_t>(t)], log.released[static_cast<std::size_t>(t)]) << "tag " << t;
      }
      // The state store holds K/V of long sequences only.
      EXPECT_GT(log.allocated[tag(core::MemoryTag::kv_cache)], 0);
      std::map<int, int> forwards;
      for (const auto& op : log.ops) {
        if (op.category == "forward" && op.name.rfind("fwd L", 0) == 0) ++forwards[op.micro_batch];
      }
      if (core::coord_of(sc.parallel, r).tp == 0 && core::coord_of(sc.parallel, r).pp == 0) {
        chunks_seen += static_cast<int>(forwards.size());
      }
    }
    // Chunks of the whole batch: 7 dependent (4 + 3) plus the packed short ones, each on
    // exactly one DP replica.
    const auto plan0 = make_chunkflow_plan(sc, 0, kBatch);
    const int dp1 = core::rank_of(sc.parallel, {0, 0, 1, 0});
    const auto plan1 = make_chunkflow_plan(sc, dp1, kBatch);
    int planned = 0;
    for (const auto* plan : {&plan0, &plan1}) {
      for (const ChunkUnit& u : plan->units) planned += static_cast<int>(u.chunks.size());
    }
    EXPECT_EQ(chunks_seen, planned);
    std::int64_t tokens = 0;
    for (const auto* plan : {&plan0, &plan1}) {
      for (const ChunkUnit& u : plan->units) tokens += u.tokens();
    }
    std::int64_t batch_tokens = 0;
    for (std::int64_t len : kBatch) batch_tokens += len;
    EXPECT_EQ(tokens, batch_tokens);  // token conservation (before SP padding)
  }
}

TEST(ChunkFlowProgram, KAtLeastChunkCountMeansNoReforward) {
  const auto fake = run_fake(chunkflow_scenario(2, 1, 4));
  for (int r = 0; r < 4; ++r) {
    for (const auto& op : fake->log(r).ops) EXPECT_NE(op.category, "recompute") << op.name;
  }
  // With K = 1 the dropped chunks (3 of the 4-chunk sequence, 2 of the 3-chunk one) are
  // re-forwarded once each, on every stage.
  const auto k1 = run_fake(chunkflow_scenario(2, 1, 1));
  std::map<int, int> reforwarded;
  for (const auto& op : k1->log(0).ops) {
    if (op.category == "recompute" && op.name.rfind("fwd L", 0) == 0) ++reforwarded[op.micro_batch];
  }
  EXPECT_EQ(reforwarded.size(), 5u);
}

TEST(ChunkFlowProgram, ActivationPeakIsBoundedByKChunksNotTheSequence) {
  // One stage, one replica, one 1024-token sequence in 8 chunks of 128: the activations
  // held at once are exactly min(K, 8) chunks' worth.
  std::int64_t previous = 0;
  for (int k : {1, 2, 4, 8}) {
    core::Scenario sc = chunkflow_scenario(1, 1, k);
    sc.workload.global_batch = 1;
    sc.workload.context_length = 1024;
    std::vector<core::RankProgram> programs;
    for (int r = 0; r < sc.parallel.world_size(); ++r) {
      programs.push_back(make_chunkflow_rank_program(make_chunkflow_plan(sc, r, {1024})));
    }
    test::FakeWorld fake(sc.parallel.world_size());
    for (const std::string& e : fake.run(programs)) ADD_FAILURE() << e;
    const core::MicroBatchShape chunk{{128}};
    const std::int64_t per_chunk =
        sc.model.layers * core::layer_activation_bytes(sc.model, sc.parallel, chunk, core::Recompute::none) +
        core::stage_extra_activation_bytes(sc.model, sc.parallel, chunk, 0);
    EXPECT_EQ(fake.log(0).tag_peak[tag(core::MemoryTag::activations)], std::min(k, 8) * per_chunk) << "K=" << k;
    EXPECT_GT(fake.log(0).tag_peak[tag(core::MemoryTag::activations)], previous);
    previous = fake.log(0).tag_peak[tag(core::MemoryTag::activations)];
  }
}

TEST(ChunkFlowProgram, DecisionLogIsTheSameWhicheverRuntimeRunsIt) {
  const core::Scenario sc = chunkflow_scenario(2, 2, 2);
  const auto fake = run_fake(sc);
  sim::SimulationInput in;
  in.cluster = sc.cluster;
  in.ranks = sc.parallel.world_size();
  in.program_for = [&sc](int r) { return make_chunkflow_rank_program(make_chunkflow_plan(sc, r, kBatch)); };
  in.kernel_price = sim::priced_by([](const core::KernelOp& op) { return core::flops_of(op) / 1e14; });
  const core::RunRecords records = sim::simulate(in);
  std::map<int, std::vector<std::pair<std::string, std::string>>> simulated;
  for (const auto& d : records.decisions) simulated[d.rank].push_back({d.kind, d.detail});
  for (int r = 0; r < sc.parallel.world_size(); ++r) {
    EXPECT_EQ(simulated[r], fake->log(r).decisions) << "rank " << r;
    EXPECT_GE(simulated[r].size(), 2u);
  }
}

}  // namespace
}  // namespace lcperf::schedulers::training
