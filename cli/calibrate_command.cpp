// `lcperf calibrate`: writes a device profile in the format every other command reads,
// fitted to one of three inputs:
//   INPUT.json   a kernel profile from `lcperf profile` (cost_models/calibration.hpp);
//   INPUT/       a folder of measured tables in Vidur's layout, told apart by its
//                compute/ or network/ subfolder (cost_models/measured_calibration.hpp);
//   --derive-from a measured device profile rescaled to another GPU's datasheet
//                (cost_models/device_derivation.hpp).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "core/output_set.hpp"
#include "core/exit_codes.hpp"
#include "core/atomic_file.hpp"
#include "core/scenario.hpp"
#include "core/errors.hpp"
#include "cost_models/calibration.hpp"
#include "cost_models/device_derivation.hpp"
#include "cost_models/device_profile.hpp"
#include "cost_models/measured_calibration.hpp"

namespace lcperf::cli {

namespace {

struct CalibrateOptions {
  std::string input;     // kernel profile from `lcperf profile`, or a folder of measured tables
  std::string base;      // device profile id or file to start from
  std::string out;
  std::string hardware;  // hardware id or path to fit against; default: the base's
  std::size_t holdout_every = 5;
  int knots = 6;
  bool with_tables = false;
  // Measured tables (Vidur layout).
  std::string gpu;      // compute/<gpu>
  std::string network;  // network/<setup>; default <gpu>_dgx when that folder exists
  std::string hold_out_family = "meta-llama";
  std::string data_name;    // default: the folder's source.json
  std::string data_commit;  // default: the folder's source.json
  std::string date;         // default: today (UTC)
  // Derivation.
  std::string derive_from;  // measured device profile (id or file)
};

std::string percent_cell(const cost::ErrorSummary& e, double value) {
  return e.count == 0 ? "-" : cost::format_percent(value);
}

std::string today_utc() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
  return text;
}

// Reads the text back before writing: the file must be a drop-in device profile.
void write_profile(const cost::DeviceProfile& profile, const std::string& out) {
  const std::string text = cost::device_profile_to_json(profile);
  cost::parse_device_profile(text, out);
  core::write_file_atomically(out, text);
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

void print_measured_table(const cost::MeasuredCalibration& result, std::ostream& out) {
  char line[256];
  std::snprintf(line, sizeof line, "%-37s %9s %10s %10s %7s %10s %10s\n", "group", "held-out", "held med", "held p90",
                "fit", "train med", "train p90");
  out << line;
  for (const cost::GroupErrors& g : result.groups) {
    std::snprintf(line, sizeof line, "%-37s %9zu %10s %10s %7zu %10s %10s\n", g.group.c_str(), g.held_out.count,
                  percent_cell(g.held_out, g.held_out.median).c_str(), percent_cell(g.held_out, g.held_out.p90).c_str(),
                  g.train.count, percent_cell(g.train, g.train.median).c_str(),
                  percent_cell(g.train, g.train.p90).c_str());
    out << line;
  }
}

int run_measured(const CalibrateOptions& options) {
  namespace fs = std::filesystem;
  if (options.gpu.empty()) {
    std::string gpus;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::path(options.input) / "compute", ec)) {
      if (entry.is_directory()) gpus += (gpus.empty() ? "" : ", ") + entry.path().filename().string();
    }
    throw core::InputError(options.input + ": a folder of measured tables needs --gpu (compute/ holds: " +
                           (gpus.empty() ? "none" : gpus) + ")");
  }
  const cost::DeviceProfile base = cost::load_device_profile(options.base);
  const std::string hardware_id = options.hardware.empty() ? base.hardware : options.hardware;
  const core::HardwareSpec hw = core::load_hardware(hardware_id);

  std::string network = options.network;
  std::error_code ec;
  if (network.empty() && fs::is_directory(fs::path(options.input) / "network" / (options.gpu + "_dgx"), ec)) {
    network = options.gpu + "_dgx";
  }
  const cost::MeasuredKernels kernels = cost::load_vidur_compute(options.input, options.gpu);
  const cost::MeasuredCollectives collectives =
      network.empty() ? cost::MeasuredCollectives{} : cost::load_vidur_network(options.input, network);

  cost::MeasuredCalibrationOptions fit;
  fit.hold_out_family = options.hold_out_family;
  fit.max_knots = options.knots;
  fit.collective_holdout_every = options.holdout_every;
  fit.data = cost::load_data_source(options.input).value_or(cost::MeasuredData{});
  fit.data.path = options.input;
  fit.data.gpu = options.gpu;
  fit.data.network = network;
  if (!options.data_name.empty()) fit.data.name = options.data_name;
  if (!options.data_commit.empty()) fit.data.commit = options.data_commit;
  if (fit.data.name.empty() || fit.data.commit.empty()) {
    throw core::InputError(options.input + ": say what the data is and where it came from: a source.json there ({\"name\": "
                           "..., \"commit\": ...}) or --data-name and --data-commit");
  }
  fit.date = options.date.empty() ? today_utc() : options.date;
  const cost::MeasuredCalibration result = cost::calibrate_from_measured(kernels, collectives, base, hw, fit);
  write_profile(result.profile, options.out);

  std::cout << "calibrated against hardware '" << hardware_id << "' from " << kernels.files.size()
            << " layer tables (" << kernels.profile.rows.size() << " op rows) of " << options.input << "/compute/"
            << options.gpu << (network.empty() ? "" : " and the NCCL tables of network/" + network) << "\n"
            << "GEMM compute curve over " << cost::to_string(result.gemm_variable)
            << "; collectives: NVLink efficiency " << result.profile.collective.nvlink_efficiency
            << ", bus efficiency x" << result.collective.bus_efficiency_factor << ", base latency x"
            << result.collective.base_latency_factor << ", hop latency x" << result.collective.hop_latency_factor
            << "\nrelative error |model - measured| / measured of the written profile; held out: model family '"
            << (options.hold_out_family.empty() ? "none" : options.hold_out_family)
            << "' (never fitted), collectives one size in " << options.holdout_every << ":\n";
  print_measured_table(result, std::cout);
  std::cout << "wrote " << options.out << "\n";
  return core::kExitSuccess;
}

int run_derive(const CalibrateOptions& options) {
  if (options.hardware.empty()) throw core::InputError("--derive-from needs --hardware: the GPU to derive a profile for");
  const cost::DeviceProfile measured = cost::load_device_profile(options.derive_from);
  const cost::DeviceProfile base = cost::load_device_profile(options.base);
  const core::HardwareSpec measured_hw = core::load_hardware(measured.hardware);
  const core::HardwareSpec target_hw = core::load_hardware(options.hardware);
  const std::string date = options.date.empty() ? today_utc() : options.date;
  const cost::DeviceProfile derived = cost::derive_device_profile(measured, measured_hw, base, target_hw, date);
  write_profile(derived, options.out);
  std::cout << "derived '" << target_hw.id << "' from the measured profile of '" << measured_hw.id << "' ("
            << options.derive_from << "); datasheet ratios target/source:";
  for (const auto& [name, value] : derived.provenance.derived_from->ratios) std::cout << " " << name << " " << value;
  std::cout << "\nwrote " << options.out << "\n";
  return core::kExitSuccess;
}

int run_calibrate(const CalibrateOptions& options) {
  core::check_output_file(options.out);
  if (!options.derive_from.empty()) {
    if (!options.input.empty()) throw core::InputError("--derive-from takes no INPUT (it rescales a measured profile)");
    return run_derive(options);
  }
  if (options.input.empty()) throw core::InputError("calibrate needs an INPUT (kernel profile or measured folder) or --derive-from");
  std::error_code ec;
  if (std::filesystem::is_directory(options.input, ec)) {
    if (!cost::is_vidur_directory(options.input)) {
      throw core::InputError(options.input + ": a folder of measured tables has compute/ or network/ subfolders "
                             "(Vidur's layout: compute/<gpu>/<org>/<model>/mlp.csv, network/<setup>/*.csv)");
    }
    if (options.with_tables) throw core::InputError("--with-tables applies to a kernel profile, not a folder of tables");
    return run_measured(options);
  }
  const cost::KernelProfile measured = cost::load_kernel_profile(options.input);
  const cost::DeviceProfile base = cost::load_device_profile(options.base);
  const std::string hardware_id = options.hardware.empty() ? base.hardware : options.hardware;
  const core::HardwareSpec hw = core::load_hardware(hardware_id);

  cost::CalibrationOptions fit;
  fit.holdout_every = options.holdout_every;
  fit.max_knots = options.knots;
  fit.include_tables = options.with_tables;
  cost::CalibrationResult result = cost::calibrate_device(measured, base, hw, fit);
  result.profile.hardware = hardware_id;

  write_profile(result.profile, options.out);

  std::cout << "calibrated " << measured.rows.size() << " rows of " << options.input << " (" << measured.backend
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
  CLI::App* sub = parent.add_subcommand(
      "calibrate", "Fit a device profile to measured kernel times (`lcperf profile` output or imported tables)");
  sub->add_option("input", options->input,
                  "Kernel profile JSON written by `lcperf profile`, or a folder of measured tables in Vidur's layout")
      ->type_name("PROFILE.json|DIR");
  sub->add_option("--base", options->base, "Device profile (id or file) whose other values the result keeps")
      ->required()
      ->type_name("DEVICE");
  sub->add_option("--out", options->out, "Device profile JSON to write")->required()->type_name("DEVICE.json");
  sub->add_option("--hardware", options->hardware,
                  "Hardware id or file whose peaks the efficiencies are fitted against (default: the base's); "
                  "with --derive-from, the GPU to derive for")
      ->type_name("ID_OR_FILE");
  sub->add_option("--holdout-every", options->holdout_every,
                  "Hold out one row in N per class, or per collective series for a folder (default 5; 0 = none)")
      ->check(CLI::Range(0, 1000));
  sub->add_option("--knots", options->knots, "Most knots per efficiency curve (default 6)")->check(CLI::Range(1, 32));
  sub->add_flag("--with-tables", options->with_tables,
                "Kernel profile: also store every measured row as a measured-table point (exact at measured shapes)");
  sub->add_option("--gpu", options->gpu, "Folder: the GPU whose tables to fit (compute/<GPU>/)")->type_name("GPU");
  sub->add_option("--network", options->network,
                  "Folder: the collective tables to fit (network/<SETUP>/; default <GPU>_dgx if present)")
      ->type_name("SETUP");
  sub->add_option("--hold-out-family", options->hold_out_family,
                  "Folder: the model family (compute/<GPU>/<FAMILY>/) left out of the fit and checked "
                  "(default meta-llama; \"\" = none)")
      ->type_name("FAMILY");
  sub->add_option("--data-name", options->data_name, "Folder: the data set and its licence (default: DIR/source.json)");
  sub->add_option("--data-commit", options->data_commit, "Folder: the commit the data came from (default: DIR/source.json)");
  sub->add_option("--date", options->date, "Folder and --derive-from: the provenance date (default: today, UTC)")
      ->type_name("YYYY-MM-DD");
  sub->add_option("--derive-from", options->derive_from,
                  "Derive a profile for --hardware from this measured profile by datasheet ratios (no INPUT)")
      ->type_name("DEVICE");
  sub->footer(
      "Three inputs, one output format (a drop-in device profile).\n"
      "\n"
      "PROFILE.json (from `lcperf profile`): per op class, each row is assigned to the roofline\n"
      "term that binds it (compute or memory), the efficiency it needed becomes a sample of that\n"
      "term's curve, and the curves (piecewise linear in log2 size, the device-profile format) are\n"
      "refitted by least squares on relative residuals; rows are re-assigned with the new curves\n"
      "until stable. Floors drop to half the fastest row if lower. Peaks stay those of the\n"
      "hardware file. One row in N per class (sorted by size, never the ends) is held out; its\n"
      "median and p90 relative errors are printed and recorded in the output's notes, with the\n"
      "provenance (source \"measured\", date, device, compiler/CUDA/cuBLAS/lcperf versions).\n"
      "Classes the profile lacks keep the base's values; so does the collective section.\n"
      "\n"
      "DIR (measured tables, Vidur's layout: compute/<gpu>/<org>/<model>/mlp.csv with per-layer op\n"
      "times in ms per token count and TP degree; network/<setup>/{all_reduce,send_recv}.csv):\n"
      "each op is mapped to the lcperf part it prices (core/layer_ops). GEMM: the same curve fit,\n"
      "compute curve over FLOPs or min(m,n,k), whichever fits the training rows better. Element-\n"
      "wise: one curve per kind (norm, rope, SwiGLU/GeLU, add, embedding) as measured-table points;\n"
      "the class curves (kinds without a table) from the residual add. Collectives: NVLink\n"
      "efficiency and p2p latency from send/recv, bus-efficiency and latency factors from\n"
      "all-reduce, single node only. One whole model family is held out (--hold-out-family) and\n"
      "one size in N of each collective series; the errors of the written file on them, per\n"
      "group, are printed and stored in provenance.held_out. Provenance names the data\n"
      "(DIR/source.json or --data-name/--data-commit). Bad tables exit 2 naming file:line and\n"
      "the column.\n"
      "\n"
      "--derive-from MEASURED --hardware ID: the measured GEMM, element-wise and collective\n"
      "sections for another GPU, scaled by datasheet ratios (efficiencies are fractions of each\n"
      "GPU's own peaks; table times by the roofline ratio, not below their latency floor); the\n"
      "other classes stay the base's. Provenance source \"derived\" with the ratios.\n"
      "Exit code 0 on success, 2 on bad input, 1 on internal failure.\n"
      "\n"
      "Examples:\n"
      "  lcperf calibrate cpu-profile.json --base cost_models/devices/cpu-reference.json --out cpu.json\n"
      "  lcperf calibrate cost_models/measured/vidur --gpu h100 --base h100 --out h100.json\n"
      "  lcperf calibrate --derive-from h100.json --hardware h200 --base h200 --out h200.json\n"
      "  lcperf cost --device cpu.json --op '{\"op\":\"gemm\",\"m\":256,\"n\":256,\"k\":256,\"dtype\":\"fp32\"}'");
  return Command{sub, [options] { return run_calibrate(*options); }};
}

}  // namespace lcperf::cli
