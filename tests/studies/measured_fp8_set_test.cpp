// The shipped FP8 measured set, validation/measured/training-h100-fp8.jsonl: every row
// loads with its layers' GEMMs in FP8 and its BF16 twin in training-h100.jsonl exists
// (same scenario and overrides but the precision), so the two sets compare the same
// runs. Reading only (fast); `lcperf compare` on it is in validation/measured/README.md.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "studies/measured_runs.hpp"

namespace lcperf::studies {
namespace {

TEST(MeasuredFp8Set, EveryRowIsAnFp8TwinOfAShippedBf16Row) {
  const MeasuredRuns fp8 = read_measured_runs(LCPERF_SOURCE_DIR "/validation/measured/training-h100-fp8.jsonl");
  const MeasuredRuns bf16 = read_measured_runs(LCPERF_SOURCE_DIR "/validation/measured/training-h100.jsonl");
  ASSERT_EQ(fp8.rows.size(), 12u);
  std::set<std::string> bf16_ids;
  for (const MeasuredRow& row : bf16.rows) bf16_ids.insert(row.id);
  for (const MeasuredRow& row : fp8.rows) {
    SCOPED_TRACE(row.id);
    EXPECT_TRUE(row.scenario.model.kernels.fp8());
    std::string twin = row.id;
    twin.replace(twin.find("/fp8/"), 5, "/bf16/");
    EXPECT_EQ(bf16_ids.count(twin), 1u);
  }
}

}  // namespace
}  // namespace lcperf::studies
