// The shipped A100 and H100 profiles are fitted to the measured tables in
// cost_models/measured/vidur with one model family held out (cost_models/README.md,
// "Calibration from measured tables"). This recomputes that check from the files as
// shipped: the held-out family's rows (collectives: one size in five) priced by the
// cost model on the shipped profile, per group, must agree with what the profile's
// provenance says and stay at or under the figures reached when it was fitted, so an
// edit of a profile or of the cost model that prices the held-out family worse fails
// here. Deterministic: nothing is timed.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/scenario.hpp"
#include "cost_models/measured_calibration.hpp"
#include "cost_models/op_cost.hpp"

namespace lcperf::cost {
namespace {

const std::string kVidur = LCPERF_SOURCE_DIR "/cost_models/measured/vidur";

struct Limit {
  double median;
  double p90;
};

struct Tally {
  std::vector<double> predicted, measured;
};

std::map<std::string, ErrorSummary> held_out_errors(const DeviceProfile& profile) {
  const core::HardwareSpec hw = core::load_hardware(profile.hardware);
  const CostModel model(hw, profile);
  std::map<std::string, Tally> tallies;
  const MeasuredKernels kernels = load_vidur_compute(kVidur, profile.provenance.data->gpu);
  for (std::size_t i = 0; i < kernels.profile.rows.size(); ++i) {
    if (kernels.sources[i].family != profile.provenance.held_out->family) continue;
    Tally& t = tallies[kernels.sources[i].group];
    t.predicted.push_back(model.time_s(kernels.profile.rows[i].shape));
    t.measured.push_back(kernels.profile.rows[i].median_s);
  }
  const MeasuredCollectives collectives = load_vidur_network(kVidur, profile.provenance.data->network);
  const std::vector<bool> held = collective_held_out_rows(collectives.rows, 5);
  for (std::size_t i = 0; i < collectives.rows.size(); ++i) {
    const MeasuredCollective& row = collectives.rows[i];
    if (!held[i] || row.nodes > 1) continue;
    Tally& t = tallies[row.kind == MeasuredCollectiveKind::send_recv ? "send_recv" : "all_reduce"];
    t.predicted.push_back(modeled_time_s(row, model.collectives()));
    t.measured.push_back(row.time_s);
  }
  std::map<std::string, ErrorSummary> out;
  for (const auto& [group, t] : tallies) out[group] = summarize_relative_errors(t.predicted, t.measured);
  return out;
}

void check(const std::string& id, const std::string& family, const std::map<std::string, Limit>& limits) {
  SCOPED_TRACE(id);
  const DeviceProfile profile = load_device_profile(id);
  ASSERT_EQ(profile.provenance.source, "measured");
  ASSERT_TRUE(profile.provenance.data && profile.provenance.held_out);
  EXPECT_EQ(profile.provenance.data->commit, "7d47513363ec447a741ac5e47241580b47724fbf");
  EXPECT_EQ(profile.provenance.held_out->family, family);
  const std::map<std::string, ErrorSummary> errors = held_out_errors(profile);
  ASSERT_EQ(errors.size(), limits.size());
  for (const auto& [group, limit] : limits) {
    SCOPED_TRACE(group);
    const ErrorSummary& e = errors.at(group);
    const ErrorFigures& recorded = profile.provenance.held_out->errors.at(group);
    EXPECT_EQ(static_cast<std::int64_t>(e.count), recorded.rows);
    EXPECT_NEAR(e.median, recorded.median, 1e-9);
    EXPECT_NEAR(e.p90, recorded.p90, 1e-9);
    EXPECT_LE(e.median, limit.median);
    EXPECT_LE(e.p90, limit.p90);
  }
}

// The figures reached on 2026-12-07 (rounded up to 0.1 %); GEMM with the tile model and
// its stream-K kernels (gemm_tile_model.hpp; before the tile model A100 5.8 % / 19.4 %,
// H100 9.4 % / 23.9 %; the tile model without stream-K A100 5.7 % / 14.3 %, H100 7.2 % /
// 17.3 %, tightened to 5.1 % / 13.0 % and 7.0 % / 16.1 % when stream-K landed). The issue's
// target for GEMM is a median of 3 % and a p90 of 8 %: not met; see cost_models/README.md
// ("Shipped profiles") for why and what would close the gap.
TEST(ShippedMeasuredProfiles, A100HeldOutErrorsStayAtOrUnderTheFiguresReached) {
  check("a100-80gb", "meta-llama",
        {{"gemm", {0.051, 0.130}},
         {"norm", {0.070, 0.179}},
         {"rotary", {0.075, 0.246}},
         {"activation", {0.042, 0.144}},
         {"add", {0.033, 0.177}},
         {"embedding", {0.049, 0.115}},
         {"all_reduce", {0.053, 0.226}},
         {"send_recv", {0.094, 0.163}}});
}

TEST(ShippedMeasuredProfiles, H100HeldOutErrorsStayAtOrUnderTheFiguresReached) {
  check("h100", "meta-llama",
        {{"gemm", {0.070, 0.161}},
         {"norm", {0.073, 0.250}},
         {"rotary", {0.061, 0.288}},
         {"activation", {0.059, 0.288}},
         {"add", {0.085, 0.249}},
         {"embedding", {0.028, 0.081}},
         {"all_reduce", {0.062, 0.229}},
         {"send_recv", {0.017, 0.086}}});
}

}  // namespace
}  // namespace lcperf::cost
