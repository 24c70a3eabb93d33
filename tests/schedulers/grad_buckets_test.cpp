// Gradient buckets: whole units in backward order, closed at the bucket size, every
// parameter in exactly one bucket.
#include <gtest/gtest.h>

#include <numeric>

#include "core/layer_ops.hpp"
#include "core/model_spec.hpp"
#include "schedulers/training/grad_buckets.hpp"
#include "test_models.hpp"

namespace lcperf::schedulers::training {
namespace {

TEST(GradBuckets, CloseOnceTheyReachTheSize) {
  const auto b = make_grad_buckets({5, 3, 4, 10, 1, 1}, 8);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].params, 8);  // 5 + 3
  EXPECT_EQ(b[0].first_unit, 0);
  EXPECT_EQ(b[0].last_unit, 1);
  EXPECT_EQ(b[1].params, 14);  // 4 + 10: a unit never splits
  EXPECT_EQ(b[1].last_unit, 3);
  EXPECT_EQ(b[2].params, 2);  // the remainder is a bucket too
  EXPECT_EQ(b[2].first_unit, 4);
  EXPECT_EQ(b[2].last_unit, 5);
}

TEST(GradBuckets, AUnitLargerThanABucketIsItsOwnBucket) {
  const auto b = make_grad_buckets({100, 100}, 1);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1].params, 100);
}

TEST(GradBuckets, ChunkUnitsAddUpToTheStageParameters) {
  for (bool tied : {false, true}) {
    for (int pp : {1, 2}) {
      for (int v : {1, 2}) {
        core::ParallelConfig par;
        par.tp = 2;
        par.pp = pp;
        par.virtual_stages = v;
        const core::ModelSpec m = test::tiny_model(tied);
        const int layers_per_chunk = m.layers / (pp * v);
        for (int stage = 0; stage < pp; ++stage) {
          std::int64_t total = 0;
          for (int c = 0; c < v; ++c) {
            const int vs = c * pp + stage;
            for (bool per_layer : {true, false}) {
              const auto units =
                  chunk_unit_params(m, par, stage, layers_per_chunk, vs == 0, vs == pp * v - 1, per_layer);
              const std::int64_t sum = std::accumulate(units.begin(), units.end(), std::int64_t{0});
              if (per_layer) {
                total += sum;
                EXPECT_EQ(units.size(), static_cast<std::size_t>(layers_per_chunk + (vs == 0) + (vs == pp * v - 1)));
              } else {
                EXPECT_EQ(units.size(), 1u);
              }
            }
          }
          EXPECT_EQ(total, core::params_on_rank(m, par, stage))
              << "tied " << tied << " pp " << pp << " v " << v << " stage " << stage;
        }
      }
    }
  }
}

}  // namespace
}  // namespace lcperf::schedulers::training
