// The Megatron rank program on a fake, synchronous runtime: memory symmetry and peak
// against the closed form, p2p sends matching receives across ranks, collectives
// agreeing between group members, and the op structure of each granularity.
#include "schedulers/training/megatron_program.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "core/errors.hpp"
#include "fake_runtime.hpp"
#include "schedulers/training/pipeline_schedule.hpp"
#include "test_models.hpp"

namespace lcperf::schedulers::training {
namespace {

struct RunConfig {
  int tp = 2;
  bool sp = true;
  int pp = 2;
  int dp = 2;
  int cp = 1;
  int m = 4;
  std::string schedule = "1f1b";
  std::string recompute = "none";
  std::string granularity = "layer";
  bool distributed_optimizer = false;
  bool tied = false;
};

core::Scenario make_scenario(const RunConfig& s) {
  core::Scenario sc;
  sc.name = "megatron-test";
  sc.model = test::tiny_model(s.tied);
  sc.parallel.tp = s.tp;
  sc.parallel.sequence_parallel = s.sp;
  sc.parallel.pp = s.pp;
  sc.parallel.dp = s.dp;
  sc.parallel.cp = s.cp;
  sc.parallel.num_micro_batches = s.m;
  sc.parallel.micro_batch_size = 2;
  sc.parallel.distributed_optimizer = s.distributed_optimizer;
  sc.cluster.gpus_per_node = 8;
  sc.cluster.nodes = (sc.parallel.world_size() + 7) / 8;
  sc.workload.seq_len = 128;
  sc.strategy.schedule = *core::parse_option<core::PipelineSchedule>(s.schedule);
  sc.strategy.recompute = *core::parse_option<core::RecomputePolicy>(s.recompute);
  sc.sim.granularity = *core::parse_option<core::Granularity>(s.granularity);
  return sc;
}

// A value outside the option's enum: what a scenario naming an option the baseline does
// not know ("op" granularity, a "lognormal" workload) would hold if one could load.
template <class Option>
Option unknown_option() {
  return static_cast<Option>(core::option_names(Option{}).size());
}

std::string describe(const RunConfig& s) {
  return "tp" + std::to_string(s.tp) + (s.sp ? "sp" : "") + " pp" + std::to_string(s.pp) + " dp" +
         std::to_string(s.dp) + " cp" + std::to_string(s.cp) + " m" + std::to_string(s.m) + " " + s.schedule + " " +
         s.recompute + " " + s.granularity + (s.distributed_optimizer ? " distopt" : "") + (s.tied ? " tied" : "");
}

std::unique_ptr<test::FakeWorld> run_world(const core::Scenario& sc) {
  const int world = sc.parallel.world_size();
  std::vector<core::RankProgram> programs;
  for (int r = 0; r < world; ++r) programs.push_back(make_megatron_rank_program(sc, r));
  auto fake = std::make_unique<test::FakeWorld>(world);
  const std::vector<std::string> errors = fake->run(programs);
  for (const std::string& e : errors) ADD_FAILURE() << e;
  return fake;
}

std::size_t tag(core::MemoryTag t) { return static_cast<std::size_t>(t); }

void check_run(const RunConfig& s) {
  SCOPED_TRACE(describe(s));
  const core::Scenario sc = make_scenario(s);
  const auto world = run_world(sc);
  const test::FakeWorld& fake = *world;
  const core::ParallelConfig& par = sc.parallel;
  const core::MicroBatchShape batch{{128, 128}};
  std::map<std::uint64_t, const core::KernelOp*> op_of_parts_id;  // over every rank

  for (int r = 0; r < par.world_size(); ++r) {
    SCOPED_TRACE("rank " + std::to_string(r));
    const test::RankLog& log = fake.log(r);
    const int stage = core::coord_of(par, r).pp;
    const core::RankMemory mem =
        core::rank_memory(sc.model, par, batch, sc.strategy.schedule, core::parse_recompute(s.recompute), stage);

    // Everything allocated is released, tag by tag.
    EXPECT_EQ(log.live_tensors, 0);
    for (int t = 0; t < core::kMemoryTagCount; ++t) {
      EXPECT_EQ(log.allocated[static_cast<std::size_t>(t)], log.released[static_cast<std::size_t>(t)]) << "tag " << t;
    }
    EXPECT_EQ(log.allocated[tag(core::MemoryTag::activations)],
              par.num_micro_batches * mem.activations_per_micro_batch +
                  (mem.recompute_transient > 0 ? par.num_micro_batches * mem.recompute_transient : 0));
    // Model states as the closed form counts them, and the peak exactly.
    EXPECT_EQ(log.tag_peak[tag(core::MemoryTag::weights)], mem.weights);
    EXPECT_EQ(log.tag_peak[tag(core::MemoryTag::gradients)], mem.gradients);
    EXPECT_EQ(log.tag_peak[tag(core::MemoryTag::optimizer)], mem.optimizer);
    EXPECT_EQ(log.tag_peak[tag(core::MemoryTag::activations)], mem.activations_peak() + mem.recompute_transient);
    EXPECT_EQ(log.peak_total, mem.peak());

    // One schedule decision, naming the schedule this stage runs.
    ASSERT_EQ(log.decisions.size(), 1u);
    EXPECT_EQ(log.decisions[0].first, "schedule");
    const auto steps = make_pipeline_schedule(s.schedule, par.pp, stage, par.num_micro_batches);
    EXPECT_NE(log.decisions[0].second.find(to_string(steps)), std::string::npos);
    EXPECT_TRUE(log.synchronized);

    // Compute ops: forward/backward per micro-batch, recompute only when asked, one optimizer.
    std::map<std::string, int> by_category;
    for (const auto& op : log.ops) ++by_category[op.category];
    const int layers = sc.model.layers / par.pp;
    const int edge = (stage == 0 ? 1 : 0) + (stage == par.pp - 1 ? 1 : 0);
    const int per_mb = s.granularity == "layer" ? layers + edge : 1;
    EXPECT_EQ(by_category["forward"], par.num_micro_batches * per_mb);
    EXPECT_EQ(by_category["backward"], par.num_micro_batches * per_mb);
    const int recompute_per_mb = s.recompute == "none" ? 0 : (s.granularity == "layer" ? layers : 1);
    EXPECT_EQ(by_category["recompute"], par.num_micro_batches * recompute_per_mb);
    EXPECT_EQ(by_category["optimizer"], 1);
    EXPECT_EQ(log.ops.back().category, "optimizer");

    // Every micro-batch's op carries a parts identity (KernelOp::parts_id), so a pricer
    // need not compare its parts again; ops sharing an id, on any rank, have equal parts.
    for (const auto& op : log.ops) {
      if (op.category == "forward" || op.category == "backward" || op.category == "recompute") {
        EXPECT_NE(op.parts_id, 0u) << op.name;
      }
      if (op.parts_id == 0) continue;
      const auto [known, fresh] = op_of_parts_id.emplace(op.parts_id, &op);
      if (!fresh) {
        EXPECT_TRUE(known->second->parts == op.parts) << known->second->name << " vs " << op.name;
      }
    }
    // Equal micro-batches share them: one forward region per stage, or the embedding,
    // layer and head ops.
    std::set<std::uint64_t> forward_ids;
    for (const auto& op : log.ops) {
      if (op.category == "forward") forward_ids.insert(op.parts_id);
    }
    EXPECT_LE(forward_ids.size(), s.granularity == "stage" ? 1u : 3u);

    // Sends of r to q are exactly the receives q posted from r, in order.
    for (int q = 0; q < par.world_size(); ++q) {
      std::vector<test::P2pRecord> out;
      std::vector<test::P2pRecord> in;
      for (const auto& x : log.sends) {
        if (x.peer == q) out.push_back({r, x.tag, x.bytes});
      }
      for (const auto& x : fake.log(q).recvs) {
        if (x.peer == r) in.push_back({r, x.tag, x.bytes});
      }
      EXPECT_EQ(out, in) << r << " -> " << q;
    }
    // Pipeline traffic only along the pipeline, one message per micro-batch and direction.
    const int expected_sends =
        (stage > 0 ? 1 : 0) * par.num_micro_batches + (stage < par.pp - 1 ? 1 : 0) * par.num_micro_batches;
    EXPECT_EQ(static_cast<int>(log.sends.size()), expected_sends);
    std::set<int> tags;
    for (const auto& x : log.sends) {
      EXPECT_TRUE(tags.insert(x.tag).second) << "tag reused " << x.tag;
      const bool towards_next = core::coord_of(par, x.peer).pp == stage + 1;
      EXPECT_EQ(x.tag % 2, towards_next ? 0 : 1);  // activations forward, gradients backward
      EXPECT_EQ(core::coord_of(par, x.peer).tp, core::coord_of(par, r).tp);
      EXPECT_EQ(core::coord_of(par, x.peer).dp, core::coord_of(par, r).dp);
    }

    // Every member of a collective's group issued the same collectives on it, in order.
    for (const auto& c : log.collectives) {
      ASSERT_NE(std::find(c.ranks.begin(), c.ranks.end(), r), c.ranks.end());
      for (int member : c.ranks) {
        std::vector<test::CollectiveRecord> mine;
        std::vector<test::CollectiveRecord> theirs;
        for (const auto& x : log.collectives) {
          if (x.ranks == c.ranks) mine.push_back(x);
        }
        for (const auto& x : fake.log(member).collectives) {
          if (x.ranks == c.ranks) theirs.push_back(x);
        }
        EXPECT_EQ(mine, theirs) << "group " << c.group << " rank " << r << " vs " << member;
      }
    }
  }
}

TEST(MegatronProgram, OneFOneBLayerGranularity) { check_run(RunConfig{}); }

TEST(MegatronProgram, StageGranularity) {
  RunConfig s;
  s.granularity = "stage";
  check_run(s);
}

TEST(MegatronProgram, GpipeAndDeepPipelines) {
  for (const char* schedule : {"gpipe", "1f1b"}) {
    for (int pp : {1, 4}) {
      for (int m : {1, 3, 8}) {
        RunConfig s;
        s.schedule = schedule;
        s.pp = pp;
        s.m = m;
        s.dp = 1;
        check_run(s);
      }
    }
  }
}

TEST(MegatronProgram, RecomputeModes) {
  for (const char* recompute : {"selective", "full"}) {
    for (const char* granularity : {"layer", "stage"}) {
      RunConfig s;
      s.recompute = recompute;
      s.granularity = granularity;
      check_run(s);
    }
  }
}

TEST(MegatronProgram, NoSequenceParallelAndNoTensorParallel) {
  RunConfig s;
  s.sp = false;
  check_run(s);
  s.tp = 1;
  check_run(s);
}

TEST(MegatronProgram, DistributedOptimizerTiedEmbeddingsAndContextParallel) {
  RunConfig s;
  s.distributed_optimizer = true;
  s.tied = true;
  s.cp = 2;
  check_run(s);

  const core::Scenario sc = make_scenario(s);
  const auto fake = run_world(sc);
  // Gradients reduce-scatter over dp x cp, new weights all-gather; the tied embedding's
  // two copies (first and last stage) are summed first.
  const auto& log = fake->log(0);
  ASSERT_EQ(log.collectives.size(), 4u);
  EXPECT_EQ(log.collectives[0].group, "embedding");
  EXPECT_EQ(log.collectives[0].kind, core::CollectiveKind::all_reduce);
  EXPECT_EQ(log.collectives[0].ranks, (std::vector<int>{0, core::rank_of(sc.parallel, {0, 0, 0, 1})}));
  EXPECT_EQ(log.collectives[1].kind, core::CollectiveKind::reduce_scatter);
  EXPECT_EQ(log.collectives[1].group, "dp_cp");
  EXPECT_EQ(log.collectives[1].ranks.size(), 4u);
  EXPECT_EQ(log.collectives[3].kind, core::CollectiveKind::all_gather);
}

TEST(MegatronProgram, GradientGroupSpansDataAndContextParallel) {
  core::ParallelConfig par;
  par.tp = 2;
  par.cp = 2;
  par.dp = 2;
  par.pp = 2;
  const core::CommGroup g = gradient_group(par, 1);
  EXPECT_EQ(g.name, "dp_cp");
  EXPECT_EQ(g.ranks, (std::vector<int>{1, 3, 5, 7}));
  par.cp = 1;
  EXPECT_EQ(gradient_group(par, 5).ranks, (std::vector<int>{5, 7}));
}

TEST(MegatronProgram, InterleavedPipelineRunsEveryChunkAndBalancesMemory) {
  RunConfig s;
  s.pp = 2;
  s.m = 4;
  s.schedule = "interleaved_1f1b";
  for (const char* granularity : {"layer", "stage"}) {
    s.granularity = granularity;
    core::Scenario sc = make_scenario(s);
    sc.parallel.virtual_stages = 2;
    SCOPED_TRACE(describe(s));
    const auto world = run_world(sc);
    const int v = 2;
    const int layers_per_chunk = sc.model.layers / (s.pp * v);
    for (int r = 0; r < sc.parallel.world_size(); ++r) {
      const test::RankLog& log = world->log(r);
      EXPECT_EQ(log.live_tensors, 0);
      for (int t = 0; t < core::kMemoryTagCount; ++t) {
        EXPECT_EQ(log.allocated[static_cast<std::size_t>(t)], log.released[static_cast<std::size_t>(t)]);
      }
      std::map<std::string, int> by_category;
      for (const auto& op : log.ops) ++by_category[op.category];
      const int stage = core::coord_of(sc.parallel, r).pp;
      // Embedding on virtual stage 0 (rank 0, chunk 0), head on the last (rank p-1, chunk v-1).
      const int edge = (stage == 0 ? 1 : 0) + (stage == s.pp - 1 ? 1 : 0);
      const int per_chunk = s.granularity == "layer" ? layers_per_chunk : 1;
      const int expected = s.m * v * per_chunk + (s.granularity == "layer" ? s.m * edge : 0);
      EXPECT_EQ(by_category["forward"], expected) << "rank " << r;
      EXPECT_EQ(by_category["backward"], expected) << "rank " << r;
    }
  }
}

TEST(MegatronProgram, RejectsWhatItDoesNotModel) {
  RunConfig s;
  core::Scenario sc = make_scenario(s);
  sc.parallel.virtual_stages = 2;
  EXPECT_THROW(make_megatron_plan(sc, 0), core::InputError);
  sc = make_scenario(s);
  sc.strategy.schedule = core::PipelineSchedule::interleaved_1f1b;
  EXPECT_THROW(make_megatron_plan(sc, 0), core::InputError);
  sc = make_scenario(s);
  sc.sim.granularity = unknown_option<core::Granularity>();
  EXPECT_THROW(make_megatron_plan(sc, 0), core::InputError);
  sc = make_scenario(s);
  sc.workload.kind = unknown_option<core::WorkloadKind>();
  EXPECT_THROW(make_megatron_plan(sc, 0), core::InputError);
}

}  // namespace
}  // namespace lcperf::schedulers::training
