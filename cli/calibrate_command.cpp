// `lcperf calibrate PROFILE.json --base DEVICE.json --out DEVICE.json`: fits a device
// profile's efficiency curves to a kernel profile (cost_models/calibration.hpp) and
// writes a device profile in the format every other command reads.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "core/output_set.hpp"
#include "core/exit_codes.hpp"
#include "core/atomic_file.hpp"
#include "core/scenario.hpp"
#include "cost_models/calibration.hpp"
#include "cost_models/device_profile.hpp"

namespace lcperf::cli {

namespace {

struct CalibrateOptions {
  std::string profile;   // kernel profile from `lcperf profile`
  std::string base;      // device profile id or file to start from
  std::string out;
  std::string hardware;  // hardware id or path to fit against; default: the base's
  std::size_t holdout_every = 5;
  int knots = 6;
  bool with_tables = false;
};

std::string percent_cell(const cost::ErrorSummary& e, double value) {
  if (e.count == 0) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100.0 * value);
  return text;
}

void print_table(const cost::CalibrationResult& result, std::ostream& out) {
  char line[256];
  std::snprintf(line, sizeof line, "%-17s %5s %5s %9s %10s %10s %10s %10s\n", "class", "rows", "fit", "held-out",
                "held med", "held p90", "train med", "train p90");
  out << line;
  for (const cost::ClassCalibration& c : result.classes) {
    std::snprintf(line, sizeof line, "%-17s %5zu %5zu %9zu %10s %10s %10s %10s\n",
                  std::string(cost::to_string(c.op_class)).c_str(), c.rows, c.train_rows, c.held_out.count,
                  percent_cell(c.held_out, c.held_out.median).c_str(), percent_cell(c.held_out, c.held_out.p90).c_str(),
                  percent_cell(c.train, c.train.median).c_str(), percent_cell(c.train, c.train.p90).c_str());
    out << line;
    if (c.held_out_with_tables.count > 0) {
      out << "  held out, priced with tables of the fitted rows: median "
          << percent_cell(c.held_out_with_tables, c.held_out_with_tables.median) << ", p90 "
          << percent_cell(c.held_out_with_tables, c.held_out_with_tables.p90) << "\n";
    }
    if (c.clamped_points > 0) {
      out << "  warning: " << c.clamped_points
          << " knot(s) clamped into (0, 1]; above 1 means the hardware peak is below the measured rate\n";
    }
  }
}

int run_calibrate(const CalibrateOptions& options) {
  core::check_output_file(options.out);
  const cost::KernelProfile measured = cost::load_kernel_profile(options.profile);
  const cost::DeviceProfile base = cost::load_device_profile(options.base);
  const std::string hardware_id = options.hardware.empty() ? base.hardware : options.hardware;
  const core::HardwareSpec hw = core::load_hardware(hardware_id);

  cost::CalibrationOptions fit;
  fit.holdout_every = options.holdout_every;
  fit.max_knots = options.knots;
  fit.include_tables = options.with_tables;
  cost::CalibrationResult result = cost::calibrate_device(measured, base, hw, fit);
  result.profile.hardware = hardware_id;

  // Read the text back before writing: the file must be a drop-in device profile.
  const std::string text = cost::device_profile_to_json(result.profile);
  cost::parse_device_profile(text, options.out);
  core::write_file_atomically(options.out, text);

  std::cout << "calibrated " << measured.rows.size() << " rows of " << options.profile << " (" << measured.backend
            << ", " << measured.device << ") against hardware '" << hardware_id << "'\n"
            << "relative error |model - measured| / measured of the fitted curves (held out: one row in "
            << options.holdout_every << ", never fitted):\n";
  print_table(result, std::cout);
  std::cout << "wrote " << options.out << "\n";
  return core::kExitSuccess;
}

}  // namespace

Command add_calibrate_command(CLI::App& parent) {
  auto options = std::make_shared<CalibrateOptions>();
  CLI::App* sub = parent.add_subcommand("calibrate", "Fit a device profile to a kernel profile from `lcperf profile`");
  sub->add_option("profile", options->profile, "Kernel profile JSON written by `lcperf profile`")
      ->required()
      ->type_name("PROFILE.json");
  sub->add_option("--base", options->base, "Device profile (id or file) whose other values the result keeps")
      ->required()
      ->type_name("DEVICE");
  sub->add_option("--out", options->out, "Device profile JSON to write")->required()->type_name("DEVICE.json");
  sub->add_option("--hardware", options->hardware,
                  "Hardware id or file whose peaks the efficiencies are fitted against (default: the base's)")
      ->type_name("ID_OR_FILE");
  sub->add_option("--holdout-every", options->holdout_every, "Hold out one row in N per class (default 5; 0 = none)")
      ->check(CLI::Range(0, 1000));
  sub->add_option("--knots", options->knots, "Most knots per efficiency curve (default 6)")->check(CLI::Range(1, 32));
  sub->add_flag("--with-tables", options->with_tables,
                "Also store every measured row as a measured-table point (exact at measured shapes)");
  sub->footer(
      "Per op class, each row is assigned to the roofline term that binds it (compute or\n"
      "memory), the efficiency it needed becomes a sample of that term's curve, and the curves\n"
      "(piecewise linear in log2 size, the device-profile format) are refitted by least squares\n"
      "on relative residuals; rows are re-assigned with the new curves until stable. Floors\n"
      "drop to half the fastest row if lower. Peaks stay those of the hardware file. One row\n"
      "in N per class (sorted by size, never the ends) is held out; its median and p90\n"
      "relative errors are printed and recorded in the output's notes, with the provenance\n"
      "(source \"measured\", date, device, compiler/CUDA/cuBLAS/lcperf versions). Classes the\n"
      "profile lacks keep the base's values; so does the collective section.\n"
      "Exit code 0 on success, 2 on bad input, 1 on internal failure.\n"
      "\n"
      "Examples:\n"
      "  lcperf calibrate cpu-profile.json --base cost_models/devices/cpu-reference.json --out cpu.json\n"
      "  lcperf cost --device cpu.json --op '{\"op\":\"gemm\",\"m\":256,\"n\":256,\"k\":256,\"dtype\":\"fp32\"}'");
  return Command{sub, [options] { return run_calibrate(*options); }};
}

}  // namespace lcperf::cli
