// Pipeline schedules: each micro-batch once forward and once backward, in-flight bounds,
// and the closed-form 1F1B bubble from a tiny dependency-driven timing calculator.
#include "schedulers/training/pipeline_schedule.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "core/errors.hpp"
#include "core/training_memory.hpp"

namespace lcperf::schedulers::training {
namespace {

using Kind = PipelineStep::Kind;

const char* kSchedules[] = {"gpipe", "1f1b"};

TEST(PipelineSchedule, EveryMicroBatchOnceForwardBeforeBackward) {
  for (const char* name : kSchedules) {
    for (int p : {1, 2, 3, 4, 8}) {
      for (int m : {1, 2, 3, 4, 7, 16}) {
        for (int s = 0; s < p; ++s) {
          const auto steps = make_pipeline_schedule(name, p, s, m);
          ASSERT_EQ(steps.size(), 2u * static_cast<std::size_t>(m));
          std::vector<int> fwd_at(static_cast<std::size_t>(m), -1);
          std::vector<int> bwd_at(static_cast<std::size_t>(m), -1);
          for (std::size_t i = 0; i < steps.size(); ++i) {
            auto& at = steps[i].kind == Kind::forward ? fwd_at : bwd_at;
            ASSERT_EQ(at[static_cast<std::size_t>(steps[i].micro_batch)], -1) << name << " duplicate step";
            at[static_cast<std::size_t>(steps[i].micro_batch)] = static_cast<int>(i);
          }
          for (int j = 0; j < m; ++j) {
            EXPECT_GE(fwd_at[static_cast<std::size_t>(j)], 0);
            EXPECT_GT(bwd_at[static_cast<std::size_t>(j)], fwd_at[static_cast<std::size_t>(j)])
                << name << " p=" << p << " s=" << s << " m=" << m << " mb=" << j;
          }
        }
      }
    }
  }
}

TEST(PipelineSchedule, InFlightBoundMatchesMemoryModel) {
  for (int p : {1, 2, 4, 8}) {
    for (int m : {1, 3, 4, 8, 16}) {
      for (int s = 0; s < p; ++s) {
        const int one_f_one_b = max_in_flight(one_f_one_b_schedule(p, s, m));
        EXPECT_EQ(one_f_one_b, std::min(m, p - s));
        EXPECT_EQ(one_f_one_b, core::max_in_flight_micro_batches("1f1b", p, s, m));
        EXPECT_EQ(max_in_flight(gpipe_schedule(p, s, m)), m);
        EXPECT_EQ(core::max_in_flight_micro_batches("gpipe", p, s, m), m);
      }
    }
  }
}

TEST(PipelineSchedule, OneFOneBWarmupSteadyCooldown) {
  EXPECT_EQ(to_string(one_f_one_b_schedule(4, 0, 6)), "F0 F1 F2 F3 B0 F4 B1 F5 B2 B3 B4 B5");
  EXPECT_EQ(to_string(one_f_one_b_schedule(4, 2, 6)), "F0 F1 B0 F2 B1 F3 B2 F4 B3 F5 B4 B5");
  EXPECT_EQ(to_string(one_f_one_b_schedule(4, 3, 3)), "F0 B0 F1 B1 F2 B2");
  EXPECT_EQ(to_string(one_f_one_b_schedule(4, 0, 2)), "F0 F1 B0 B1");
  EXPECT_EQ(to_string(gpipe_schedule(2, 1, 3)), "F0 F1 F2 B0 B1 B2");
}

TEST(PipelineSchedule, RejectsUnknownAndMisfitInterleaving) {
  EXPECT_THROW(make_pipeline_schedule("interleaved_1f1b", 4, 0, 6, 2), core::InputError);  // m not a multiple of p
  EXPECT_THROW(make_pipeline_schedule("1f1b", 4, 0, 8, 2), core::InputError);  // chunks need interleaving
  EXPECT_THROW(make_pipeline_schedule("interleaved_1f1b", 4, 0, 8, 1), core::InputError);  // and interleaving chunks
  EXPECT_THROW(make_pipeline_schedule("zigzag", 4, 0, 8), core::InputError);
  EXPECT_THROW(make_pipeline_schedule("1f1b", 4, 4, 8), core::InputError);
  EXPECT_THROW(make_pipeline_schedule("1f1b", 4, 0, 0), core::InputError);
}

// Makespan of per-stage step lists with uniform step times and free communication. A
// stage runs its steps in order; chunk c of stage s is virtual stage c*p + s (v = 1
// for plain schedules). Forward (mb, vs) waits for forward (mb, vs-1); backward (mb, vs)
// for backward (mb, vs+1), the last virtual stage's for its own forward. Each step takes
// 1/v of a stage's time.
double makespan_of(const std::vector<std::vector<PipelineStep>>& steps, int p, int v, double tf, double tb) {
  std::map<std::tuple<int, int, int>, double> end;  // (kind, virtual stage, mb) -> end time
  std::vector<std::size_t> next(static_cast<std::size_t>(p), 0);
  std::vector<double> free_at(static_cast<std::size_t>(p), 0.0);
  const int last = p * v - 1;
  double total = 0;
  for (bool progress = true; progress;) {
    progress = false;
    for (int s = 0; s < p; ++s) {
      auto& i = next[static_cast<std::size_t>(s)];
      if (i == steps[static_cast<std::size_t>(s)].size()) continue;
      const PipelineStep st = steps[static_cast<std::size_t>(s)][i];
      const bool fwd = st.kind == Kind::forward;
      const int vs = st.model_chunk * p + s;
      std::tuple<int, int, int> dep{fwd ? 0 : 1, fwd ? vs - 1 : vs + 1, st.micro_batch};
      if (!fwd && vs == last) dep = {0, vs, st.micro_batch};
      double ready = 0;
      if (!fwd || vs > 0) {
        auto it = end.find(dep);
        if (it == end.end()) continue;
        ready = it->second;
      }
      const double start = std::max(ready, free_at[static_cast<std::size_t>(s)]);
      const double finish = start + (fwd ? tf : tb) / v;
      end[{fwd ? 0 : 1, vs, st.micro_batch}] = finish;
      free_at[static_cast<std::size_t>(s)] = finish;
      total = std::max(total, finish);
      ++i;
      progress = true;
    }
  }
  for (int s = 0; s < p; ++s) {
    EXPECT_EQ(next[static_cast<std::size_t>(s)], steps[static_cast<std::size_t>(s)].size()) << "schedule stalls";
  }
  return total;
}

double makespan(const char* name, int p, int m, double tf, double tb, int v = 1) {
  std::vector<std::vector<PipelineStep>> steps;
  for (int s = 0; s < p; ++s) steps.push_back(make_pipeline_schedule(name, p, s, m, v));
  return makespan_of(steps, p, v, tf, tb);
}

TEST(PipelineSchedule, BubbleMatchesClosedForm) {
  for (const char* name : kSchedules) {
    for (int p : {1, 2, 4, 8}) {
      for (int m : {1, 2, 4, 8, 13, 32}) {
        for (auto [tf, tb] : {std::pair{1.0, 1.0}, std::pair{1.0, 2.0}}) {
          const double total = makespan(name, p, m, tf, tb);
          EXPECT_DOUBLE_EQ(total, (m + p - 1) * (tf + tb)) << name << " p=" << p << " m=" << m;
          const double bubble = 1.0 - m * (tf + tb) / total;
          EXPECT_NEAR(bubble, static_cast<double>(p - 1) / (m + p - 1), 1e-12);
        }
      }
    }
  }
  // ChunkFlow's Figure 2 check: p = 4, m = 4 gives 3/7.
  EXPECT_NEAR(1.0 - 4 * 2.0 / makespan("1f1b", 4, 4, 1, 1), 3.0 / 7.0, 1e-12);
}

TEST(PipelineSchedule, InterleavedBubbleMatchesClosedForm) {
  for (int p : {2, 4, 8}) {
    for (int v : {2, 3, 4}) {
      for (int groups : {1, 2, 4}) {
        const int m = groups * p;
        const double tf = 1.0;
        const double tb = 2.0;
        const double total = makespan("interleaved_1f1b", p, m, tf, tb, v);
        const double bubble = 1.0 - m * (tf + tb) / total;
        EXPECT_NEAR(bubble, static_cast<double>(p - 1) / (v * m + p - 1), 1e-12) << "p=" << p << " v=" << v
                                                                                   << " m=" << m;
      }
    }
  }
}

TEST(PipelineSchedule, InterleavedRunsEveryChunkOfEveryMicroBatchOnce) {
  const int p = 4, m = 8, v = 2;
  for (int s = 0; s < p; ++s) {
    const auto steps = interleaved_1f1b_schedule(p, s, m, v);
    std::map<std::tuple<int, int, int>, int> seen;
    for (const PipelineStep& st : steps) ++seen[{st.kind == Kind::forward ? 0 : 1, st.micro_batch, st.model_chunk}];
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(2 * m * v));
    for (const auto& [key, count] : seen) EXPECT_EQ(count, 1);
  }
}

}  // namespace
}  // namespace lcperf::schedulers::training
