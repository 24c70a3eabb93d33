// The symbolic peak: evaluated at any shape in the box it equals the maximum of the
// concrete timeline; and the symbolic threshold S* separates fitting from not fitting.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/layer_ops.hpp"
#include "schedulers/memory/peak_memory.hpp"
#include "schedulers/memory/threshold.hpp"
#include "schedulers/memory/transformer_graph.hpp"
#include "test_models.hpp"

namespace lcperf::schedulers::memory {
namespace {

const Polynomial S = Polynomial::symbol("S");
const Polynomial B = Polynomial::symbol("B");

// A random DAG in program order: each op reads up to three earlier tensors and writes
// one or two tensors of random size c0 + c1*S + c2*B*S + c3*S^2.
OpGraph random_graph(std::mt19937_64& rng, int ops) {
  std::uniform_int_distribution<int> coef(0, 50);
  std::uniform_int_distribution<int> pct(0, 99);
  OpGraph g;
  std::vector<TensorId> tensors{g.add_input("in", 8 * S * B)};
  for (int o = 0; o < ops; ++o) {
    std::vector<TensorId> in;
    const int reads = static_cast<int>(rng() % 4);
    for (int k = 0; k < reads; ++k) in.push_back(tensors[rng() % tensors.size()]);
    std::vector<OpGraph::OutputSpec> out;
    const int writes = 1 + static_cast<int>(rng() % 2);
    for (int k = 0; k < writes; ++k) {
      Polynomial bytes = coef(rng) + coef(rng) * S + coef(rng) * B * S;
      if (pct(rng) < 30) bytes += coef(rng) * S * S;
      out.push_back({std::string("t") + std::to_string(o) + "_" + std::to_string(k), bytes, "g"});
    }
    const OpId id = g.add_op("op" + std::to_string(o), "forward", in, out, 100 * S * B + coef(rng), pct(rng) < 80);
    for (TensorId t : g.op(id).outputs) tensors.push_back(t);
  }
  g.mark_output(tensors.back());
  return g;
}

void expect_peak_matches(const OpGraph& g, const Box& box, std::mt19937_64& rng, int samples) {
  const std::vector<OpId> order = g.program_order();
  const SymbolicPeak peak = symbolic_peak(g, order, box);
  ASSERT_FALSE(peak.points.empty());
  const Range s = box.at("S");
  const Range b = box.at("B");
  for (int i = 0; i < samples; ++i) {
    const Binding at{{"S", s.lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(s.hi - s.lo + 1))},
                     {"B", b.lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(b.hi - b.lo + 1))}};
    const std::vector<std::int64_t> live = live_timeline_at(g, order, at);
    const std::int64_t truth = *std::max_element(live.begin(), live.end());
    EXPECT_EQ(peak.evaluate(at), truth);
    EXPECT_EQ(peak_bytes(g, order, at), truth);
    EXPECT_EQ(live[static_cast<std::size_t>(peak.step_at(at))], truth);
  }
}

TEST(PeakMemory, SymbolicPeakEqualsTimelineMaxOnRandomGraphs) {
  std::mt19937_64 rng(7);
  const Box box{{"S", {1, 300}}, {"B", {1, 8}}};
  for (int i = 0; i < 60; ++i) expect_peak_matches(random_graph(rng, 6 + i % 20), box, rng, 40);
}

TEST(PeakMemory, SymbolicPeakEqualsTimelineMaxOnTrainingGraphs) {
  std::mt19937_64 rng(11);
  const Box box = training_box({64, 32768}, {1, 4});
  for (core::Recompute rc : {core::Recompute::none, core::Recompute::selective, core::Recompute::full}) {
    for (bool flash : {true, false}) {
      core::ParallelConfig par;
      par.tp = 2;
      par.sequence_parallel = true;
      TrainingGraphOptions opt;
      opt.layers = 4;
      opt.recompute = rc;
      opt.activation.flash_attention = flash;
      const OpGraph g = build_training_graph(test::llama3_8b(), par, opt);
      expect_peak_matches(g, box, rng, 60);
      const SymbolicPeak peak = symbolic_peak(g, g.program_order(), box);
      // A handful of candidate peaks out of hundreds of steps.
      EXPECT_LE(peak.points.size(), 8u) << peak.to_string();
    }
  }
}

TEST(PeakMemory, LifetimesAndTimelineByHand) {
  OpGraph g;
  const TensorId x = g.add_input("x", 10);
  const OpId a = g.add_op("a", "forward", {x}, {{"y", S, "g"}}, 0);
  const OpId b = g.add_op("b", "forward", {g.output_of(a)}, {{"z", 2 * S, "g"}, {"unused", 5, "g"}}, 0);
  g.add_op("c", "forward", {x, g.output_of(b)}, {{"w", Polynomial(1), "g"}}, 0);
  g.mark_output(g.find_tensor("w"));
  const std::vector<Polynomial> live = live_timeline(g, g.program_order());
  ASSERT_EQ(live.size(), 3u);
  EXPECT_EQ(live[0], 10 + S);          // x, y
  EXPECT_EQ(live[1], 10 + 3 * S + 5);  // x, y, z, unused
  EXPECT_EQ(live[2], 10 + 2 * S + 1);  // x, z, w
  const SymbolicPeak peak = symbolic_peak(live, {{"S", {1, 100}}});
  ASSERT_EQ(peak.points.size(), 1u);
  EXPECT_EQ(peak.points[0].step, 1);
  EXPECT_THROW(lifetimes(g, {2, 1, 0}), std::invalid_argument);
}

TEST(PeakMemory, AntichainKeepsCrossingPoints) {
  // 100*S wins for small S, S^2 for large: both must stay.
  const SymbolicPeak peak = symbolic_peak({100 * S, S * S, 50 * S, S * S - 1}, {{"S", {1, 1000}}});
  ASSERT_EQ(peak.points.size(), 2u);
  EXPECT_EQ(peak.evaluate({{"S", 10}}), 1000);
  EXPECT_EQ(peak.evaluate({{"S", 1000}}), 1000000);
}

TEST(PeakMemory, ThresholdSeparatesFittingShapes) {
  core::ParallelConfig par;
  par.tp = 2;
  par.sequence_parallel = true;
  TrainingGraphOptions opt;
  opt.layers = 4;
  opt.activation.flash_attention = false;  // S^2 terms make the threshold non-linear
  const OpGraph g = build_training_graph(test::llama3_8b(), par, opt);
  const Box box = training_box({1, 65536}, {1, 4});
  const SymbolicPeak peak = symbolic_peak(g, g.program_order(), box);
  const std::int64_t limit = 40LL << 30;
  for (std::int64_t b : {1, 2, 4}) {
    const Threshold t = symbolic_threshold(peak, box, "S", {{"B", b}}, limit);
    ASSERT_TRUE(t.max_fitting.has_value());
    EXPECT_LT(*t.max_fitting, 65536);
    std::mt19937_64 rng(static_cast<std::uint64_t>(b));
    for (int i = 0; i < 200; ++i) {
      const std::int64_t s = 1 + static_cast<std::int64_t>(rng() % 65536);
      EXPECT_EQ(t.exceeds(s), peak_bytes(g, g.program_order(), training_shape(s, b)) > limit) << s;
    }
    EXPECT_FALSE(t.exceeds(*t.max_fitting));
    EXPECT_TRUE(t.exceeds(*t.max_fitting + 1));
  }
  EXPECT_FALSE(symbolic_threshold(peak, box, "S", {{"B", 1}}, 10).max_fitting.has_value());
  const Threshold all = symbolic_threshold(peak, box, "S", {{"B", 1}}, INT64_MAX);
  EXPECT_EQ(all.max_fitting, 65536);
  EXPECT_THROW(symbolic_threshold(symbolic_peak({S - 3 * B}, box), box, "S", {{"B", 1}}, 5), std::invalid_argument);
}

}  // namespace
}  // namespace lcperf::schedulers::memory
