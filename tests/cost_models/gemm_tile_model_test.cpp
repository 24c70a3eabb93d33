// The GEMM tile model (cost_models/gemm_tile_model.hpp): tile and wave counts, split-K,
// the price of one tile shape against the formula worked by hand, the fastest shape,
// the handover to the compute curve beyond the measured sizes, the fit recovering known
// parameters, and the profile JSON that carries the model.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "cost_models/device_profile.hpp"
#include "cost_models/gemm_tile_fit.hpp"
#include "cost_models/gemm_tile_model.hpp"
#include "cost_models/nelder_mead.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_test_support.hpp"

namespace lcperf::cost {
namespace {

constexpr double kPeak = 1e15;
constexpr double kBandwidth = 2e12;

core::GemmShape gemm(std::int64_t m, std::int64_t n, std::int64_t k) { return {m, n, k, 1, core::DType::bf16}; }

GemmTileModel one_tile(std::int64_t tm, std::int64_t tn, double efficiency) {
  GemmTileModel model;
  model.sm_count = 132;
  model.tiles = {{tm, tn, efficiency}};
  model.k_overhead = 0;
  model.min_split_depth = 256;
  model.memory_efficiency = 1;
  model.overlap_exponent = 1;  // no overlap: compute + memory
  model.latency_s = 0;
  return model;
}

TEST(GemmTileModel, TilesAndWavesRoundUp) {
  EXPECT_EQ(gemm_output_tiles(1000, 300, {128, 128, 1}), 8 * 3);  // ceil(1000/128) = 8, ceil(300/128) = 3
  EXPECT_EQ(gemm_output_tiles(128, 128, {128, 128, 1}), 1);
  EXPECT_EQ(gemm_output_tiles(129, 1, {128, 128, 1}), 2);
  EXPECT_EQ(gemm_waves(132, 132), 1);
  EXPECT_EQ(gemm_waves(133, 132), 2);
  EXPECT_EQ(gemm_waves(264, 132), 2);
  EXPECT_EQ(gemm_waves(265, 132), 3);
}

TEST(GemmTileModel, SplitKFillsTheSmsWithoutSlicesShorterThanTheMinimum) {
  // 24 tiles on 132 SMs: x2 = 48, x4 = 96 fit, x8 = 192 does not.
  EXPECT_EQ(split_k_factor(24, 8192, 132, 256), 4);
  // K = 600: a slice of 300 is allowed, one of 150 is not.
  EXPECT_EQ(split_k_factor(24, 600, 132, 256), 2);
  // 70 tiles already fill more than half the SMs: no split.
  EXPECT_EQ(split_k_factor(70, 8192, 132, 256), 1);
  EXPECT_EQ(split_k_factor(1, 8192, 132, 256), 32);   // 8192 / 32 = 256, 32 <= 132
  EXPECT_EQ(split_k_factor(1, 65536, 132, 256), 128);  // 128 <= 132 < 256
}

TEST(GemmTileModel, OneShapePricesWavesKAndBytesAsWorkedByHand) {
  const GemmTileModel model = one_tile(128, 128, 0.5);
  // 4 x 64 = 256 tiles > 132 SMs: no split-K, 2 waves of 2*128*128*K FLOPs per SM.
  const core::GemmShape g = gemm(512, 8192, 24576);
  const GemmTilePlan plan = gemm_tile_plan(g, model.tiles[0], model, kPeak, kBandwidth);
  EXPECT_EQ(plan.tiles, 256);
  EXPECT_EQ(plan.split_k, 1);
  EXPECT_EQ(plan.waves, 2);
  const double wave_s = 2.0 * 128 * 128 * 24576 * 132 / (kPeak * 0.5);
  EXPECT_NEAR(plan.compute_s, 2 * wave_s, 1e-15);
  const double bytes = 2.0 * (512.0 * 24576 + 24576.0 * 8192 + 512.0 * 8192);
  EXPECT_NEAR(plan.memory_s, bytes / kBandwidth, 1e-15);
  EXPECT_EQ(plan.reduce_s, 0.0);
  EXPECT_NEAR(plan.time_s, 2 * wave_s + bytes / kBandwidth, 1e-15);
}

TEST(GemmTileModel, OneTilePastAFullWaveCostsASecondWave) {
  GemmTileModel model = one_tile(128, 128, 0.8);
  model.overlap_exponent = 64;  // ~max(compute, memory)
  // N = 4096 is 32 tile columns: M = 512 makes 128 tiles (one wave), M = 520 160 (two).
  const GemmTilePlan full = gemm_tile_plan(gemm(512, 4096, 8192), model.tiles[0], model, kPeak, kBandwidth);
  const GemmTilePlan past = gemm_tile_plan(gemm(520, 4096, 8192), model.tiles[0], model, kPeak, kBandwidth);
  EXPECT_EQ(full.waves, 1);
  EXPECT_EQ(past.waves, 2);
  EXPECT_NEAR(past.compute_s / full.compute_s, 2.0, 1e-12);
}

TEST(GemmTileModel, SmallMSplitsKAndPaysTheReduction) {
  GemmTileModel model = one_tile(128, 128, 0.5);
  model.k_overhead = 32;
  // 64 x 1024: 8 tiles; x16 = 128 <= 132 with slices of 512, x32 = 256 > 132.
  const core::GemmShape g = gemm(64, 1024, 8192);
  const GemmTilePlan plan = gemm_tile_plan(g, model.tiles[0], model, kPeak, kBandwidth);
  EXPECT_EQ(plan.split_k, 16);
  EXPECT_EQ(plan.waves, 1);
  EXPECT_NEAR(plan.compute_s, 2.0 * 128 * 128 * (512 + 32) * 132 / (kPeak * 0.5), 1e-15);
  // fp32 partials written and read: 8 bytes per element of each of the 16 slices.
  EXPECT_NEAR(plan.reduce_s, 8.0 * 64 * 1024 * 16 / kBandwidth, 1e-15);
}

TEST(GemmTileModel, OverlapExponentBlendsComputeAndMemory) {
  GemmTileModel model = one_tile(128, 128, 0.5);
  model.overlap_exponent = 2;
  model.latency_s = 3e-6;
  const GemmTilePlan plan = gemm_tile_plan(gemm(512, 8192, 24576), model.tiles[0], model, kPeak, kBandwidth);
  EXPECT_NEAR(plan.time_s, 3e-6 + std::hypot(plan.compute_s, plan.memory_s), 1e-15);
}

TEST(GemmTileModel, TheFastestShapeIsChosen) {
  GemmTileModel model = one_tile(256, 128, 0.8);
  model.tiles.push_back({64, 128, 0.6});
  // M = 64: the 256-row tile computes 4x the rows it needs, the 64-row one at 0.6 wins.
  const GemmTileCost small = gemm_tile_cost(gemm(64, 16384, 4096), model, kPeak, kBandwidth);
  EXPECT_EQ(small.tile, 1u);
  // M = 4096, N = 16384: both fill many waves; the efficient 256-row tile wins.
  const GemmTileCost large = gemm_tile_cost(gemm(4096, 16384, 4096), model, kPeak, kBandwidth);
  EXPECT_EQ(large.tile, 0u);
  EXPECT_EQ(large.plan.waves, gemm_waves(16 * 128, 132));
}

TEST(GemmTileModel, StreamKDealsTheTailWaveOutEvenlyAndPaysOnePartialTilePerSm) {
  GemmTileModel model = one_tile(128, 128, 0.8);
  model.stream_k_efficiency = 0.9;
  model.stream_k_fixup_s = 1e-6;
  // 520 x 4096: 5 x 32 = 160 tiles on 132 SMs, two whole waves (264 tiles' time).
  const core::GemmShape g = gemm(520, 4096, 8192);
  const GemmTilePlan waves = gemm_tile_plan(g, model.tiles[0], model, kPeak, kBandwidth);
  ASSERT_EQ(waves.waves, 2);
  const auto stream_k = gemm_stream_k_plan(g, model.tiles[0], model, waves.waves, kPeak, kBandwidth);
  ASSERT_TRUE(stream_k);
  EXPECT_TRUE(stream_k->stream_k);
  // The 160 tiles' work at 0.8 x 0.9 of the peak, with no idle SMs.
  EXPECT_NEAR(stream_k->compute_s, 160.0 * 2 * 128 * 128 * 8192 / (kPeak * 0.8 * 0.9), 1e-15);
  // One fp32 partial tile per SM written and read back, and the fix-up.
  EXPECT_NEAR(stream_k->reduce_s, 8.0 * 128 * 128 * 132 / kBandwidth + 1e-6, 1e-15);
  EXPECT_NEAR(stream_k->time_s, stream_k->compute_s + stream_k->memory_s + stream_k->reduce_s, 1e-15);
  // 160 / 0.72 = 222 tile-times against 264 / 0.8 = 330: the library would pick stream-K.
  const GemmTileCost best = gemm_tile_cost(g, model, kPeak, kBandwidth);
  EXPECT_TRUE(best.plan.stream_k);
  EXPECT_EQ(best.plan.time_s, stream_k->time_s);
  // One wave has no tail to even out, and a model without stream-K kernels has none.
  EXPECT_FALSE(gemm_stream_k_plan(gemm(512, 4096, 8192), model.tiles[0], model, 1, kPeak, kBandwidth));
  model.stream_k_efficiency = 0;
  EXPECT_FALSE(gemm_stream_k_plan(g, model.tiles[0], model, 2, kPeak, kBandwidth));
  EXPECT_FALSE(gemm_tile_cost(g, model, kPeak, kBandwidth).plan.stream_k);
}

TEST(GemmTileModel, FullWavesKeepTheWholeWaveKernel) {
  GemmTileModel model = one_tile(128, 128, 0.8);
  model.stream_k_efficiency = 0.9;
  // 1024 x 4224: 8 x 33 = 264 tiles, exactly two waves: stream-K only loses its 10 %.
  const GemmTileCost best = gemm_tile_cost(gemm(1024, 4224, 8192), model, kPeak, kBandwidth);
  EXPECT_FALSE(best.plan.stream_k);
  EXPECT_EQ(best.plan.waves, 2);
}

TEST(GemmTileModel, HandoverIsLinearInLog2BetweenTheMeasuredSizeAndTheCurveEnd) {
  EXPECT_EQ(gemm_handover_weight(4096, 4096, 16384), 0.0);
  EXPECT_EQ(gemm_handover_weight(1024, 4096, 16384), 0.0);
  EXPECT_NEAR(gemm_handover_weight(8192, 4096, 16384), 0.5, 1e-12);
  EXPECT_EQ(gemm_handover_weight(16384, 4096, 16384), 1.0);
  EXPECT_EQ(gemm_handover_weight(32768, 4096, 16384), 1.0);
  // A curve that ends inside the measured sizes takes over right past them.
  EXPECT_EQ(gemm_handover_weight(4097, 4096, 2048), 1.0);
}

TEST(GemmTileModel, CostModelUsesTheTilesUpToTheMeasuredSizeAndTheCurveBeyond) {
  const core::HardwareSpec hw = testing::h200_hardware();
  DeviceProfile profile = testing::flat_profile();
  GemmTileModel tiles = one_tile(128, 128, 0.7);
  tiles.latency_s = 2e-6;
  tiles.measured_min_dim = 4096;
  profile.of(OpClass::gemm).tile_model = tiles;
  // The curve's last point is a 16384^3 GEMM: the handover ends there.
  profile.of(OpClass::gemm).compute_efficiency = {SizeVariable::min_dim, {{1024, 0.6}, {16384, 0.8}}};
  const CostModel model(hw, profile);

  const core::GemmShape inside = gemm(2048, 4096, 4096);
  EXPECT_NEAR(model.time_s(inside), gemm_tile_cost(inside, tiles, hw.peak_bf16_flops, hw.hbm_bandwidth_bytes_per_s).plan.time_s,
              1e-15);
  const core::GemmShape beyond = gemm(16384, 16384, 16384);
  const double curve_s = 2.0 * 16384.0 * 16384 * 16384 / (hw.peak_bf16_flops * 0.8);
  EXPECT_NEAR(model.time_s(beyond), curve_s, curve_s * 1e-12);
  // Halfway (8192 is one of the two octaves from 4096 to 16384): the geometric mean.
  const core::GemmShape half = gemm(8192, 8192, 8192);
  const double tile_s = gemm_tile_cost(half, tiles, hw.peak_bf16_flops, hw.hbm_bandwidth_bytes_per_s).plan.time_s;
  const double half_curve_s = 2.0 * 8192.0 * 8192 * 8192 / (hw.peak_bf16_flops * profile.of(OpClass::gemm).compute_efficiency.at(8192));
  EXPECT_NEAR(model.time_s(half), std::sqrt(tile_s * half_curve_s), tile_s * 1e-9);
}

TEST(GemmTileModel, NelderMeadFindsAQuadraticsMinimum) {
  auto f = [](const std::vector<double>& x) { return (x[0] - 3) * (x[0] - 3) + 10 * (x[1] + 1) * (x[1] + 1) + 2; };
  const SimplexResult r = nelder_mead(f, {0, 0}, {1, 1}, 500);
  EXPECT_NEAR(r.x[0], 3, 1e-4);
  EXPECT_NEAR(r.x[1], -1, 1e-4);
  EXPECT_NEAR(r.value, 2, 1e-8);
}

TEST(GemmTileModel, FitRecoversTheParametersThatMadeTheSamples) {
  const core::HardwareSpec hw = testing::h200_hardware();
  GemmTileModel truth;
  truth.sm_count = 132;
  truth.tiles = {{64, 128, 0.6}, {128, 128, 0.75}};
  truth.k_overhead = 64;
  truth.memory_efficiency = 0.85;
  truth.overlap_exponent = 3;
  truth.latency_s = 4e-6;
  std::vector<GemmSample> samples;
  for (std::int64_t m : {1, 16, 64, 128, 200, 512, 520, 1024, 2048, 4096}) {
    for (std::int64_t n : {1024, 4096, 11008}) {
      for (std::int64_t k : {1024, 4096, 14336}) {
        const core::GemmShape g = gemm(m, n, k);
        samples.push_back({g, gemm_tile_cost(g, truth, hw.peak_bf16_flops, hw.hbm_bandwidth_bytes_per_s).plan.time_s});
      }
    }
  }
  GemmTileModel start = truth;
  start.tiles = {{64, 128, 0.7}, {128, 128, 0.7}};
  start.k_overhead = 10;
  start.memory_efficiency = 0.7;
  start.overlap_exponent = 2;
  start.latency_s = 8e-6;
  const GemmTileFit fit = fit_gemm_tile_model(samples, start, hw);
  EXPECT_LT(fit.mean_squared_log_error, 1e-6);
  EXPECT_NEAR(fit.model.tiles[1].efficiency, 0.75, 0.01);
  EXPECT_NEAR(fit.model.memory_efficiency, 0.85, 0.01);
  EXPECT_NEAR(fit.model.latency_s, 4e-6, 0.2e-6);
  EXPECT_EQ(fit.model.measured_min_dim, 4096.0);
  EXPECT_EQ(fit.model.sm_count, 132);
}

TEST(GemmTileModel, ProfileJsonRoundTripsAndChecksRanges) {
  DeviceProfile profile = testing::flat_profile();
  GemmTileModel tiles = one_tile(128, 256, 0.75);
  tiles.measured_min_dim = 4096;
  tiles.latency_s = 3e-6;
  profile.of(OpClass::gemm).tile_model = tiles;
  const std::string once = device_profile_to_json(profile);
  const DeviceProfile again = parse_device_profile(once, "tiles.json");
  ASSERT_TRUE(again.of(OpClass::gemm).tile_model);
  EXPECT_EQ(again.of(OpClass::gemm).tile_model->tiles[0].n, 256);
  EXPECT_EQ(again.of(OpClass::gemm).tile_model->latency_s, 3e-6);
  EXPECT_EQ(device_profile_to_json(again), once);
  // Profiles fitted before stream-K kernels have no such keys: none.
  EXPECT_EQ(again.of(OpClass::gemm).tile_model->stream_k_efficiency, 0.0);
  EXPECT_EQ(once.find("stream_k"), std::string::npos);
  tiles.stream_k_efficiency = 0.95;
  tiles.stream_k_fixup_s = 1.5e-6;
  profile.of(OpClass::gemm).tile_model = tiles;
  const std::string with_stream_k = device_profile_to_json(profile);
  const DeviceProfile read = parse_device_profile(with_stream_k, "tiles.json");
  EXPECT_EQ(read.of(OpClass::gemm).tile_model->stream_k_efficiency, 0.95);
  EXPECT_EQ(read.of(OpClass::gemm).tile_model->stream_k_fixup_s, 1.5e-6);
  EXPECT_EQ(device_profile_to_json(read), with_stream_k);

  nlohmann::json j = nlohmann::json::parse(with_stream_k);
  j["gemm"]["tile_model"]["stream_k_efficiency"] = 1.2;
  EXPECT_THROW(parse_device_profile(j.dump(), "tiles.json"), core::InputError);

  j = nlohmann::json::parse(once);
  j["gemm"]["tile_model"]["tiles"][0]["efficiency"] = 1.5;
  try {
    parse_device_profile(j.dump(), "tiles.json");
    FAIL() << "efficiency 1.5 accepted";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("$.gemm.tile_model.tiles[0].efficiency"), std::string::npos) << e.what();
  }
  // Only the gemm class has a tile model.
  j = nlohmann::json::parse(once);
  j["spmm"]["tile_model"] = j["gemm"]["tile_model"];
  EXPECT_THROW(parse_device_profile(j.dump(), "tiles.json"), core::InputError);
}

}  // namespace
}  // namespace lcperf::cost
