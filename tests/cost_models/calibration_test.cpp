// Calibration: curve fitting recovers the parameters that generated synthetic times,
// held-out errors are what the fitted model gets wrong on rows it never saw, and bad
// kernel profiles are rejected naming the file and the JSON path.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "cost_models/calibration.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_test_support.hpp"

namespace lcperf::cost {
namespace {

EfficiencyCurve curve(SizeVariable v, std::vector<CurvePoint> points) { return EfficiencyCurve{v, std::move(points)}; }

// A device whose ridge (10 FLOP/byte at equal efficiencies) puts square fp32 GEMMs on
// the compute side and one-token GEMMs (0.5 FLOP/byte) on the memory side.
core::HardwareSpec synthetic_hardware() {
  core::HardwareSpec hw = testing::h200_hardware();
  hw.id = "synthetic";
  hw.peak_bf16_flops = hw.peak_fp16_flops = hw.peak_fp32_flops = 1e11;
  hw.hbm_bandwidth_bytes_per_s = 1e10;
  return hw;
}

core::OpPart gemm(std::int64_t m, std::int64_t n, std::int64_t k) {
  return core::GemmShape{m, n, k, 1, core::DType::fp32};
}

// Squares 2^6..2^11 (FLOPs 2^19..2^34, three octaves apart) and one-token GEMMs
// [1 x 2^j] x [2^j x 2^j], j = 8..13.
std::vector<core::OpPart> gemm_grid() {
  std::vector<core::OpPart> parts;
  for (int j = 6; j <= 11; ++j) parts.push_back(gemm(1 << j, 1 << j, 1 << j));
  for (int j = 8; j <= 13; ++j) parts.push_back(gemm(1, 1 << j, 1 << j));
  return parts;
}

// Times the cost model itself gives on `truth`: the independent expectation.
KernelProfile synthetic_profile(const DeviceProfile& truth, const core::HardwareSpec& hw,
                                const std::vector<core::OpPart>& parts) {
  const CostModel model(hw, truth);
  KernelProfile p;
  p.origin = "synthetic.json";
  p.date = "2026-01-01T00:00:00Z";
  p.backend = "cpu";
  p.device = "synthetic CPU";
  p.lcperf_version = "test";
  for (const core::OpPart& part : parts) {
    ProfileRow row;
    row.op_class = *op_class_of(part);
    row.shape = part;
    row.median_s = row.min_s = row.max_s = model.time_s(part);
    row.repetitions = 1;
    p.rows.push_back(row);
  }
  return p;
}

DeviceProfile with_gemm_curves(EfficiencyCurve compute, EfficiencyCurve memory) {
  DeviceProfile p = testing::flat_profile();
  for (OpClass c : kAllOpClasses) p.of(c).min_latency_s = 1e-12;
  p.of(OpClass::gemm).compute_efficiency = std::move(compute);
  p.of(OpClass::gemm).memory_efficiency = std::move(memory);
  return p;
}

TEST(CostCalibration, FitRecoversEveryKnotFromExactSamples) {
  const EfficiencyCurve truth = curve(SizeVariable::flops, {{std::exp2(20), 0.10},
                                                            {std::exp2(23), 0.30},
                                                            {std::exp2(26), 0.50},
                                                            {std::exp2(29), 0.60},
                                                            {std::exp2(32), 0.65},
                                                            {std::exp2(35), 0.70}});
  std::vector<EfficiencySample> samples;
  for (double x = 20; x <= 35.001; x += 0.5) samples.push_back({std::exp2(x), truth.at(std::exp2(x))});
  const CurveFit fit = fit_efficiency_curve(SizeVariable::flops, samples, 6);
  ASSERT_EQ(fit.curve.points.size(), truth.points.size());
  EXPECT_EQ(fit.clamped_points, 0);
  for (std::size_t i = 0; i < truth.points.size(); ++i) {
    EXPECT_NEAR(std::log2(fit.curve.points[i].size), std::log2(truth.points[i].size), 1e-9) << i;
    EXPECT_NEAR(fit.curve.points[i].efficiency, truth.points[i].efficiency, 1e-3) << i;
  }
}

TEST(CostCalibration, FitClampsEfficienciesAbovePeakAndReportsIt) {
  // Rows faster than the hardware peak allows need efficiency 1.5: the curve stays at
  // 1 and says how many knots it had to clamp.
  const CurveFit fit = fit_efficiency_curve(SizeVariable::bytes, {{1e6, 1.5}, {1e8, 1.5}}, 2);
  ASSERT_EQ(fit.curve.points.size(), 2u);
  EXPECT_EQ(fit.clamped_points, 2);
  EXPECT_DOUBLE_EQ(fit.curve.points[0].efficiency, 1.0);
}

TEST(CostCalibration, RecoversGemmCurvesFromTimesTheModelGenerated) {
  const core::HardwareSpec hw = synthetic_hardware();
  // Compute knots at the squares' FLOPs; the memory curve is linear in log2(bytes), which
  // any knot placement represents exactly.
  const EfficiencyCurve compute_truth = curve(SizeVariable::flops, {{std::exp2(19), 0.05},
                                                                    {std::exp2(22), 0.15},
                                                                    {std::exp2(25), 0.30},
                                                                    {std::exp2(28), 0.45},
                                                                    {std::exp2(31), 0.55},
                                                                    {std::exp2(34), 0.60}});
  const EfficiencyCurve memory_truth = curve(SizeVariable::bytes, {{std::exp2(17), 0.2}, {std::exp2(29), 0.8}});
  const DeviceProfile truth = with_gemm_curves(compute_truth, memory_truth);
  const KernelProfile measured = synthetic_profile(truth, hw, gemm_grid());
  // Start far away: flat 0.5 / 0.5.
  const DeviceProfile base = with_gemm_curves(EfficiencyCurve::constant(SizeVariable::flops, 0.5),
                                              EfficiencyCurve::constant(SizeVariable::bytes, 0.5));
  CalibrationOptions options;
  options.holdout_every = 0;  // every row fits: exact recovery is the claim
  const CalibrationResult result = calibrate_device(measured, base, hw, options);

  ASSERT_EQ(result.classes.size(), 1u);
  const ClassCalibration& gemm_report = result.classes.front();
  EXPECT_EQ(gemm_report.compute_rows, 6u);
  EXPECT_EQ(gemm_report.memory_rows, 6u);
  EXPECT_EQ(gemm_report.held_out.count, 0u);
  EXPECT_LT(gemm_report.train.max, 2e-3);

  const OpClassProfile& fitted = result.profile.of(OpClass::gemm);
  ASSERT_EQ(fitted.compute_efficiency.points.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_NEAR(fitted.compute_efficiency.points[i].size, compute_truth.points[i].size, 1e-6 * compute_truth.points[i].size);
    EXPECT_NEAR(fitted.compute_efficiency.points[i].efficiency, compute_truth.points[i].efficiency, 1e-3) << i;
  }
  for (const ProfileRow& row : measured.rows) {
    if (std::get<core::GemmShape>(row.shape).m != 1) continue;  // the memory-bound rows
    const double bytes = core::bytes_of(row.shape);
    EXPECT_NEAR(fitted.memory_efficiency.at(bytes), memory_truth.at(bytes), 1e-3) << bytes;
  }
  // Classes the profile has no rows for keep the base's values.
  EXPECT_EQ(result.profile.of(OpClass::attention_fwd).compute_efficiency.points.size(), 1u);
  EXPECT_DOUBLE_EQ(result.profile.of(OpClass::attention_fwd).compute_efficiency.points[0].efficiency,
                   testing::kFlatCompute);
}

TEST(CostCalibration, HeldOutErrorIsTheFittedModelsMissOnTheUnseenRow) {
  const core::HardwareSpec hw = synthetic_hardware();
  // Curves linear in log2 size: whichever rows are fitted, the fit is exact, so the
  // only error is the one planted below.
  const DeviceProfile truth = with_gemm_curves(curve(SizeVariable::flops, {{std::exp2(19), 0.1}, {std::exp2(34), 0.6}}),
                                               curve(SizeVariable::bytes, {{std::exp2(10), 0.3}, {std::exp2(24), 0.7}}));
  // Six compute-bound squares: sorted by FLOPs, only index 2 (the 256^3 GEMM) is held out.
  std::vector<core::OpPart> squares;
  for (int j = 6; j <= 11; ++j) squares.push_back(gemm(1 << j, 1 << j, 1 << j));
  KernelProfile measured = synthetic_profile(truth, hw, squares);
  const double true_s = measured.rows[2].median_s;
  ASSERT_EQ(std::get<core::GemmShape>(measured.rows[2].shape).m, 256);
  measured.rows[2].median_s = measured.rows[2].max_s = 1.2 * true_s;  // a 20 % slower measurement

  CalibrationOptions options;
  options.holdout_every = 5;
  const CalibrationResult result = calibrate_device(measured, truth, hw, options);
  const ClassCalibration& c = result.classes.front();
  EXPECT_EQ(c.rows, 6u);
  EXPECT_EQ(c.train_rows, 5u);
  ASSERT_EQ(c.held_out.count, 1u);
  // |t - 1.2 t| / (1.2 t) = 1/6, by hand.
  EXPECT_NEAR(c.held_out.median, 1.0 / 6.0, 1e-3);
  EXPECT_NEAR(c.held_out.p90, 1.0 / 6.0, 1e-3);
  EXPECT_LT(c.train.max, 1e-3);
  // The fitted model prices the unseen shape at its true time, not the planted one.
  const CostModel model(hw, result.profile);
  EXPECT_NEAR(model.time_s(measured.rows[2].shape), true_s, 1e-3 * true_s);
}

TEST(CostCalibration, ErrorSummaryHandCases) {
  // Errors 0.1, 0, 0.25, 0.1 -> sorted 0, 0.1, 0.1, 0.25.
  const ErrorSummary four = summarize_relative_errors({1.1, 2.0, 2.5, 4.4}, {1.0, 2.0, 2.0, 4.0});
  EXPECT_EQ(four.count, 4u);
  EXPECT_NEAR(four.median, 0.1, 1e-12);
  EXPECT_NEAR(four.p90, 0.25, 1e-12);  // rank ceil(3.6) = 4
  EXPECT_NEAR(four.max, 0.25, 1e-12);
  // Ten rows with errors 0.01 .. 0.10: median (0.05 + 0.06) / 2, p90 the 9th = 0.09.
  std::vector<double> predicted, measured;
  for (int i = 1; i <= 10; ++i) {
    measured.push_back(1.0);
    predicted.push_back(1.0 - 0.01 * i);
  }
  const ErrorSummary ten = summarize_relative_errors(predicted, measured);
  EXPECT_NEAR(ten.median, 0.055, 1e-12);
  EXPECT_NEAR(ten.p90, 0.09, 1e-12);
  EXPECT_EQ(summarize_relative_errors({}, {}).count, 0u);
}

TEST(CostCalibration, HoldOutTakesEveryFifthInteriorRow) {
  std::vector<std::size_t> held;
  for (std::size_t i = 0; i < 13; ++i) {
    if (is_held_out(i, 13, 5)) held.push_back(i);
  }
  EXPECT_EQ(held, (std::vector<std::size_t>{2, 7}));  // 12 is last: never held out
  EXPECT_FALSE(is_held_out(2, 3, 5));                  // the last row of three
  EXPECT_FALSE(is_held_out(2, 10, 0));                 // hold-out disabled
}

TEST(CostCalibration, CalibratedProfileIsADropInDeviceProfile) {
  const core::HardwareSpec hw = synthetic_hardware();
  const DeviceProfile truth = with_gemm_curves(curve(SizeVariable::flops, {{std::exp2(19), 0.1}, {std::exp2(34), 0.6}}),
                                               curve(SizeVariable::bytes, {{std::exp2(10), 0.3}, {std::exp2(24), 0.7}}));
  KernelProfile measured = synthetic_profile(truth, hw, gemm_grid());
  measured.versions = {{"compiler", "gcc 12"}, {"cuda_runtime", "13.0"}, {"cuda_driver", "13.1"}, {"cublas", "13.0.1"}};
  CalibrationOptions options;
  options.include_tables = true;
  const CalibrationResult result = calibrate_device(measured, testing::flat_profile(), hw, options);
  const std::string text = device_profile_to_json(result.profile);
  const DeviceProfile back = parse_device_profile(text, "calibrated.json");
  EXPECT_EQ(back.provenance.source, "measured");
  EXPECT_EQ(back.provenance.date, "2026-01-01T00:00:00Z");
  EXPECT_EQ(back.provenance.cuda, "13.0");
  EXPECT_EQ(back.provenance.driver, "13.1");
  EXPECT_EQ(back.provenance.libraries.at("cublas"), "13.0.1");
  EXPECT_EQ(back.provenance.libraries.at("lcperf"), "test");
  EXPECT_NE(back.notes.find("gemm: 12 rows"), std::string::npos) << back.notes;
  EXPECT_NE(back.notes.find("held-out median"), std::string::npos) << back.notes;
  EXPECT_EQ(back.of(OpClass::gemm).table.size(), measured.rows.size());
  // With the tables in, a measured shape is answered exactly from them.
  const CostModel model(hw, back);
  const OpCost hit = model.cost(measured.rows[3].shape);
  EXPECT_EQ(hit.model, "table:gemm:exact");
  EXPECT_NEAR(hit.time_s, measured.rows[3].median_s, 1e-9 * measured.rows[3].median_s);
}

std::string error_of(const std::string& text, const std::string& origin) {
  try {
    parse_kernel_profile(text, origin);
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "";
}

nlohmann::json valid_profile_json() {
  return nlohmann::json::parse(R"({
    "format": "lcperf-kernel-profile", "format_version": 1,
    "provenance": {"date": "2026-01-01T00:00:00Z", "backend": "cpu", "device": "x", "threads": 1,
                   "lcperf_version": "0.1.0", "versions": {"compiler": "gcc"},
                   "timing": {"warmup": 1, "repetitions": 3, "cache_bytes": 1e6, "max_copies": 4}},
    "grid": {"gemm": []},
    "rows": [{"class": "gemm", "shape": {"op": "gemm", "m": 64, "n": 64, "k": 64, "dtype": "fp32"},
              "median_s": 2e-5, "min_s": 1e-5, "max_s": 3e-5, "repetitions": 3, "copies": 2}]
  })");
}

TEST(CostCalibration, KernelProfileReaderRejectsBadInputNamingFileAndPath) {
  EXPECT_NO_THROW(parse_kernel_profile(valid_profile_json().dump(), "p.json"));
  EXPECT_NE(error_of("{\"format\": ", "p.json").find("p.json:1:"), std::string::npos);

  nlohmann::json unknown = valid_profile_json();
  unknown["rows"][0]["medain_s"] = 1;
  const std::string unknown_error = error_of(unknown.dump(), "p.json");
  EXPECT_NE(unknown_error.find("p.json"), std::string::npos) << unknown_error;
  EXPECT_NE(unknown_error.find("medain_s"), std::string::npos) << unknown_error;
  EXPECT_NE(unknown_error.find("$.rows[0]"), std::string::npos) << unknown_error;

  nlohmann::json bad_class = valid_profile_json();
  bad_class["rows"][0]["class"] = "attention_fwd";  // a GEMM shape in the wrong class
  EXPECT_NE(error_of(bad_class.dump(), "p.json").find("$.rows[0]"), std::string::npos);

  nlohmann::json unordered = valid_profile_json();
  unordered["rows"][0]["median_s"] = 5e-5;  // above max_s
  EXPECT_NE(error_of(unordered.dump(), "p.json").find("between min_s and max_s"), std::string::npos);

  nlohmann::json device_profile = valid_profile_json();
  device_profile["format"] = "something else";
  EXPECT_NE(error_of(device_profile.dump(), "p.json").find("$.format"), std::string::npos);

  try {
    load_kernel_profile("/nonexistent/profile.json");
    ADD_FAILURE() << "no error for a missing file";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/profile.json"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lcperf::cost
