// The memory-aware list scheduler: always a valid order, and never a higher peak than
// program order at any shape in the box (the acceptance guard makes it unconditional).
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "schedulers/memory/op_schedule.hpp"
#include "schedulers/memory/transformer_graph.hpp"
#include "test_models.hpp"

namespace lcperf::schedulers::memory {
namespace {

const Polynomial S = Polynomial::symbol("S");
const Polynomial B = Polynomial::symbol("B");

// A random DAG whose program order is deliberately memory-unfriendly at times: big
// producers early, their readers late.
OpGraph random_graph(std::mt19937_64& rng, int ops) {
  std::uniform_int_distribution<int> coef(0, 40);
  std::uniform_int_distribution<int> pct(0, 99);
  OpGraph g;
  std::vector<TensorId> tensors{g.add_input("in", 4 * S)};
  for (int o = 0; o < ops; ++o) {
    std::vector<TensorId> in;
    const int reads = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < reads; ++k) in.push_back(tensors[rng() % tensors.size()]);
    Polynomial bytes = coef(rng) + coef(rng) * S + coef(rng) * B * S;
    if (pct(rng) < 25) bytes += coef(rng) * S * S;
    const OpId id = g.add_op("op" + std::to_string(o), "forward", in, {{std::string("t") + std::to_string(o), bytes, "g"}}, 0);
    tensors.push_back(g.output_of(id));
  }
  g.mark_output(tensors.back());
  return g;
}

void expect_never_worse(const OpGraph& g, const Box& box, std::mt19937_64& rng, int samples, int* improved) {
  const ScheduleResult r = schedule_for_memory(g, box);
  ASSERT_TRUE(g.is_topological(r.candidate));
  ASSERT_TRUE(g.is_topological(r.order));
  const std::vector<OpId> program = g.program_order();
  const Range s = box.at("S");
  const Range b = box.at("B");
  bool better_somewhere = false;
  for (int i = 0; i < samples; ++i) {
    const Binding at{{"S", s.lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(s.hi - s.lo + 1))},
                     {"B", b.lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(b.hi - b.lo + 1))}};
    const std::int64_t scheduled = peak_bytes(g, r.order, at);
    const std::int64_t base = peak_bytes(g, program, at);
    EXPECT_LE(scheduled, base);
    EXPECT_EQ(r.peak.evaluate(at), scheduled);
    better_somewhere = better_somewhere || scheduled < base;
  }
  // Corners too: the extremes are where crossing terms flip.
  for (const Binding& at : {lower_corner(box), upper_corner(box)}) {
    EXPECT_LE(peak_bytes(g, r.order, at), peak_bytes(g, program, at));
  }
  if (!r.accepted) {
    EXPECT_EQ(r.order, program);
  }
  if (better_somewhere) ++*improved;
}

TEST(OpSchedule, RandomGraphsNeverRaiseThePeak) {
  std::mt19937_64 rng(2024);
  const Box box{{"S", {1, 512}}, {"B", {1, 8}}};
  int improved = 0;
  for (int i = 0; i < 150; ++i) expect_never_worse(random_graph(rng, 5 + i % 25), box, rng, 50, &improved);
  std::printf("scheduler lowered the peak somewhere on %d of 150 random graphs\n", improved);
  EXPECT_GT(improved, 10);
}

TEST(OpSchedule, TrainingGraphsNeverRaiseThePeak) {
  std::mt19937_64 rng(5);
  const Box box = training_box({128, 32768}, {1, 4});
  int improved = 0;
  for (core::Recompute rc : {core::Recompute::none, core::Recompute::selective, core::Recompute::full}) {
    for (bool last : {true, false}) {
      core::ParallelConfig par;
      par.tp = 2;
      par.sequence_parallel = true;
      TrainingGraphOptions opt;
      opt.layers = 3;
      opt.recompute = rc;
      opt.last_stage = last;
      opt.activation.flash_attention = rc != core::Recompute::none;
      expect_never_worse(build_training_graph(test::llama3_8b(), par, opt), box, rng, 40, &improved);
    }
  }
  std::printf("scheduler lowered the peak somewhere on %d of 6 training graphs\n", improved);
}

// Program order allocates both big buffers before freeing either; the scheduler runs
// each consumer right after its producer.
TEST(OpSchedule, InterleavesProducersWithConsumersByHand) {
  OpGraph g;
  const TensorId x = g.add_input("x", 1);
  const OpId a = g.add_op("a", "forward", {x}, {{"A", 100 * S, "g"}}, 0);
  const OpId b = g.add_op("b", "forward", {x}, {{"Bt", 100 * S, "g"}}, 0);
  const OpId ca = g.add_op("ca", "forward", {g.output_of(a)}, {{"a_out", S, "g"}}, 0);
  const OpId cb = g.add_op("cb", "forward", {g.output_of(b)}, {{"b_out", S, "g"}}, 0);
  g.add_op("join", "forward", {g.output_of(ca), g.output_of(cb)}, {{"y", Polynomial(1), "g"}}, 0);
  g.mark_output(g.find_tensor("y"));
  const Box box{{"S", {1, 1 << 20}}};
  const ScheduleResult r = schedule_for_memory(g, box);
  EXPECT_TRUE(r.accepted);
  EXPECT_EQ(r.order, (std::vector<OpId>{a, ca, b, cb, 4}));
  // Program order: A, Bt and a_out live together (201*S dominates 200*S + 1 one step
  // earlier); scheduled: at most Bt, a_out and b_out (102*S).
  EXPECT_EQ(r.program_peak.to_string(), "max(201*S @ step 2)");
  EXPECT_EQ(r.peak.to_string(), "max(102*S @ step 3)");
}

}  // namespace
}  // namespace lcperf::schedulers::memory
