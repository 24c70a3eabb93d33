// Rematerialization: the planning filters, the run-time eviction policy against brute
// force over eviction sets, FLOPs accounting, and Megatron's fixed recompute modes.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "schedulers/memory/recompute_comparison.hpp"
#include "schedulers/memory/remat.hpp"
#include "schedulers/memory/transformer_graph.hpp"
#include "test_models.hpp"

namespace lcperf::schedulers::memory {
namespace {

const Polynomial S = Polynomial::symbol("S");

OpGraph random_graph(std::mt19937_64& rng, int ops) {
  std::uniform_int_distribution<int> coef(0, 40);
  std::uniform_int_distribution<int> pct(0, 99);
  OpGraph g;
  std::vector<TensorId> tensors{g.add_input("in", 2 * S)};
  for (int o = 0; o < ops; ++o) {
    std::vector<TensorId> in;
    const int reads = 1 + static_cast<int>(rng() % 2);
    // Mostly recent tensors, sometimes a far one: far uses make eviction windows.
    for (int k = 0; k < reads; ++k) {
      const std::size_t back = pct(rng) < 70 ? std::min<std::size_t>(tensors.size(), 1 + rng() % 3) : tensors.size();
      in.push_back(tensors[tensors.size() - 1 - rng() % back]);
    }
    const Polynomial bytes = coef(rng) + coef(rng) * S;
    const OpId id = g.add_op("op" + std::to_string(o), "forward", in, {{std::string("t") + std::to_string(o), bytes, "g"}},
                             10 * S + coef(rng), pct(rng) < 80);
    tensors.push_back(g.output_of(id));
  }
  g.mark_output(tensors.back());
  return g;
}

// Peak when the candidates in `mask` are evicted for their whole window.
std::int64_t peak_with(const RematPlan& plan, const Binding& at, unsigned mask) {
  std::int64_t peak = 0;
  for (std::size_t i = 0; i < plan.timeline.size(); ++i) {
    std::int64_t live = plan.timeline[i].evaluate(at);
    for (std::size_t c = 0; c < plan.candidates.size(); ++c) {
      const RematCandidate& cand = plan.candidates[c];
      const int step = static_cast<int>(i);
      if ((mask >> c) & 1u && cand.evict_after < step && step < cand.regenerate_at) live -= cand.bytes.evaluate(at);
    }
    peak = std::max(peak, live);
  }
  return peak;
}

TEST(Remat, RuntimePolicyFitsWheneverSomeEvictionSetFits) {
  std::mt19937_64 rng(31);
  const Box box{{"S", {1, 64}}};
  RematOptions opt;
  opt.min_bytes = 1;
  opt.min_distance = 2;
  int feasible_cases = 0;
  int infeasible_cases = 0;
  int checked_plans = 0;
  for (int i = 0; i < 200; ++i) {
    const OpGraph g = random_graph(rng, 8 + i % 10);
    const RematPlan plan = plan_remat(g, g.program_order(), box, opt);
    if (plan.candidates.empty() || plan.candidates.size() > 12) continue;
    ++checked_plans;
    for (std::int64_t s : {1, 17, 64}) {
      const Binding at{{"S", s}};
      std::int64_t best = INT64_MAX;
      for (unsigned mask = 0; mask < (1u << plan.candidates.size()); ++mask) best = std::min(best, peak_with(plan, at, mask));
      const std::int64_t baseline = peak_with(plan, at, 0);
      for (std::int64_t limit : {best - 1, best, (best + baseline) / 2, baseline}) {
        const RematRun run = run_remat(plan, at, limit);
        const bool feasible = best <= limit;
        EXPECT_EQ(run.feasible, feasible) << "limit " << limit << " best " << best;
        if (feasible) {
          ++feasible_cases;
          EXPECT_LE(run.peak, limit);
        } else {
          ++infeasible_cases;
          EXPECT_GT(run.shortfall, 0);
          EXPECT_GE(run.infeasible_step, 0);
        }
        EXPECT_EQ(run.baseline_peak, baseline);
        std::int64_t flops = 0;
        for (const Eviction& e : run.evictions) {
          const RematCandidate& cand = plan.candidates[static_cast<std::size_t>(e.candidate)];
          EXPECT_EQ(e.recompute_flops, cand.recompute_flops.evaluate(at));
          EXPECT_EQ(e.bytes, cand.bytes.evaluate(at));
          EXPECT_GT(e.trigger_step, cand.evict_after);
          EXPECT_LT(e.trigger_step, cand.regenerate_at);
          flops += e.recompute_flops;
        }
        EXPECT_EQ(run.recompute_flops, flops);
        if (limit >= baseline) {
          EXPECT_TRUE(run.evictions.empty());
          EXPECT_EQ(run.peak, baseline);
        }
      }
    }
  }
  std::printf("%d plans checked: %d feasible and %d infeasible limits\n", checked_plans, feasible_cases,
              infeasible_cases);
  EXPECT_GT(checked_plans, 30);
  EXPECT_GT(infeasible_cases, 10);
}

TEST(Remat, PlanningFiltersByHand) {
  // p0 writes A (big) from x; A is read at step 1 and again at step 6; filler ops between.
  OpGraph g;
  const TensorId x = g.add_input("x", 4 * S);
  const OpId p0 = g.add_op("p0", "forward", {x}, {{"A", 100 * S, "g"}}, 7 * S);
  const TensorId a = g.output_of(p0);
  g.add_op("use1", "forward", {a}, {{"u1", Polynomial(1), "g"}}, 0);
  TensorId prev = g.output_of(1);
  for (int i = 0; i < 4; ++i) prev = g.output_of(g.add_op("f" + std::to_string(i), "forward", {prev}, {{"f" + std::to_string(i) + ".o", Polynomial(1), "g"}}, 0));
  const OpId coll = g.add_op("allreduce", "collective", {prev}, {{"C", 50 * S, "g"}}, 0, false);
  g.add_op("use2", "forward", {a, prev, g.output_of(coll)}, {{"u2", Polynomial(1), "g"}}, 0);
  for (int i = 0; i < 3; ++i) g.add_op("g" + std::to_string(i), "forward", {}, {{"g" + std::to_string(i) + ".o", Polynomial(1), "g"}}, 0);
  g.add_op("use3", "forward", {g.output_of(coll)}, {{"u3", Polynomial(1), "g"}}, 0);
  g.mark_output(g.find_tensor("u3"));
  const Box box{{"S", {1, 1000}}};
  RematOptions opt;
  opt.min_bytes = 1000;
  opt.min_distance = 3;
  const RematPlan plan = plan_remat(g, g.program_order(), box, opt);
  // A's window (step 1, step 7): x must live until 7 to regenerate A; saving 96*S.
  ASSERT_EQ(plan.candidates.size(), 1u);
  const RematCandidate& c = plan.candidates[0];
  EXPECT_EQ(c.tensor, a);
  EXPECT_EQ(c.evict_after, 1);
  EXPECT_EQ(c.regenerate_at, 7);
  EXPECT_EQ(c.saving, 96 * S);
  EXPECT_EQ(c.extended_inputs, std::vector<TensorId>{x});
  EXPECT_EQ(c.recompute_flops, 7 * S);
  EXPECT_EQ(plan.death[static_cast<std::size_t>(x)], 7);
  EXPECT_GE(plan.rejected.at("not_recomputable"), 1);  // C comes from a collective
  EXPECT_GE(plan.rejected.at("near"), 1);
  // The tiny filler tensors fall below min_bytes only when their window is far enough.
  opt.min_distance = 0;
  EXPECT_GE(plan_remat(g, g.program_order(), box, opt).rejected.at("small"), 1);
  // A producer whose input is bigger than its output saves nothing.
  OpGraph h;
  const TensorId big = h.add_input("big", 10 * S);
  const OpId shrink = h.add_op("shrink", "forward", {big}, {{"small", 5 * S, "g"}}, 0);
  h.add_op("u", "forward", {big}, {{"u.o", Polynomial(1), "g"}}, 0);
  for (int i = 0; i < 4; ++i) h.add_op("n" + std::to_string(i), "forward", {}, {{"n" + std::to_string(i) + ".o", Polynomial(1), "g"}}, 0);
  h.add_op("late", "forward", {h.output_of(shrink)}, {{"late.o", Polynomial(1), "g"}}, 0);
  opt.min_bytes = 1;
  opt.min_distance = 2;
  const RematPlan none = plan_remat(h, h.program_order(), box, opt);
  EXPECT_TRUE(none.candidates.empty());
  EXPECT_EQ(none.rejected.at("no_saving"), 1);
}

TEST(Remat, TrainingGraphAgainstMegatronRecompute) {
  const core::ModelSpec model = test::llama3_8b();
  core::ParallelConfig par;
  par.tp = 2;
  par.sequence_parallel = true;
  TrainingGraphOptions opt;
  opt.layers = 4;
  const Box box = training_box({1024, 131072}, {1, 2});
  const Binding at = training_shape(32768, 1);
  // Limit: Megatron's selective peak; eviction must fit it too.
  TrainingGraphOptions sel = opt;
  sel.recompute = core::Recompute::selective;
  const OpGraph selective = build_training_graph(model, par, sel);
  const std::int64_t limit = peak_bytes(selective, selective.program_order(), at);
  const std::vector<StrategyResult> rows = compare_recompute_strategies(model, par, opt, box, at, limit);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].name, "megatron-none");
  EXPECT_EQ(rows[0].recompute_flops, 0);
  EXPECT_GT(rows[0].peak, rows[1].peak);
  EXPECT_GT(rows[1].peak, rows[2].peak);
  EXPECT_LT(rows[1].recompute_flops, rows[2].recompute_flops);
  EXPECT_TRUE(rows[1].fits);
  EXPECT_TRUE(rows[3].fits);
  EXPECT_LE(rows[3].peak, limit);
  EXPECT_GT(rows[3].recompute_flops, 0);
  for (const StrategyResult& r : rows) {
    std::printf("%-20s peak %8.3f GiB  recompute %8.3f TFLOP  %s\n", r.name.c_str(),
                static_cast<double>(r.peak) / (1 << 30), static_cast<double>(r.recompute_flops) / 1e12,
                r.fits ? "fits" : "over");
  }
  // Under a generous limit nothing is evicted and no FLOPs are spent.
  const OpGraph g = build_training_graph(model, par, opt);
  const RematPlan plan = plan_remat(g, g.program_order(), box);
  EXPECT_FALSE(plan.candidates.empty());
  const RematRun relaxed = run_remat(plan, at, INT64_MAX);
  EXPECT_TRUE(relaxed.evictions.empty());
  EXPECT_EQ(relaxed.recompute_flops, 0);
  // Collectives are never candidates.
  for (const RematCandidate& c : plan.candidates) {
    EXPECT_TRUE(g.op(g.tensor(c.tensor).producer).recomputable) << g.tensor(c.tensor).name;
  }
  // Below what evicting everything can reach: infeasible, with the point and shortfall.
  const RematRun tight = run_remat(plan, at, 1);
  EXPECT_FALSE(tight.feasible);
  EXPECT_GE(tight.infeasible_step, 0);
  EXPECT_GT(tight.shortfall, 0);
}

}  // namespace
}  // namespace lcperf::schedulers::memory
