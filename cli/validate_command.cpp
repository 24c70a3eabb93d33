// `lcperf validate SCENARIO.json --backend cpu [--device PROFILE.json] [--runs N]
// [--out DIR] [--set PATH=VALUE]...`: runs the scenario's rank programs live on the CPU
// backend and in the simulator, checks that both took the same decisions, and writes
// how far the simulated times and memory are from the measured ones.
#include <filesystem>
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "backends/cuda/cuda_runtime.hpp"
#include "backends/live_input.hpp"
#include "cli/budget_flags.hpp"
#include "cli/commands.hpp"
#include "core/exit_codes.hpp"
#include "cli/output_dir.hpp"
#include "cli/serving_validate.hpp"
#include "cli/set_flags.hpp"
#include "runs/live_training.hpp"
#include "runs/training_run.hpp"
#include "runs/validation.hpp"
#include "core/atomic_file.hpp"
#include "core/output_set.hpp"
#include "core/errors.hpp"
#include "core/scenario.hpp"
#include "kernels/speed_probe.hpp"

namespace lcperf::cli {

namespace {

namespace fs = std::filesystem;

struct ValidateOptions {
  BudgetFlags budget;
  std::string scenario_path;
  std::string backend = "cpu";
  std::string device;
  int runs = 3;
  SetFlags overrides;  // --set PATH=VALUE
  std::string out_dir;
  bool quiet = false;
};

void print_summary(const runs::Validation& v, const std::string& backend, const fs::path& dir) {
  const auto pct = [](double x) { return std::to_string(static_cast<long long>(std::llround(x * 1000))) + "e-3"; };
  std::cout << "validate " << v.scenario << " (" << backend << " backend, " << v.measured_end_s.size() << " live runs, " << v.ranks
            << " ranks on " << v.hardware_threads << " hardware threads, live CPU share " << v.live_cpu_share
            << ")\n";
  for (const runs::SetAsideRun& run : v.set_aside_runs) {
    std::cout << "  set aside a preempted live run: " << run.measured_s << " s at CPU share " << run.cpu_share << "\n";
  }
  if (const runs::SpeedNormalized n = runs::speed_normalized(v); n.available) {
    std::cout << "  at the profile's host speed (probe " << v.profile_probe_s << " s; runs' probes";
    for (double p : v.run_probe_s) std::cout << " " << p;
    std::cout << "): measured median " << n.measured_median_s << " s, relative error "
              << pct(runs::relative_error(v.simulated_end_s, n.measured_median_s)) << "\n";
    if (n.probe_spread > runs::kSteadyProbeSpread) {
      std::cout << "  warning: the host changed speed during this loop (probes differ " << n.probe_spread
                << "x); errors include it: profile and validate again on a steadier machine\n";
    }
  }
  std::cout << "  decision logs: " << (v.decisions.identical ? "identical" : "DIFFERENT") << " ("
            << v.decisions.simulated << " decisions)\n";
  std::cout << "  iteration: simulated " << v.simulated_end_s << " s, measured median " << v.measured_median_end_s
            << " s, relative error " << pct((v.simulated_end_s - v.measured_median_end_s) / v.measured_median_end_s)
            << "\n";
  for (const auto& [name, s] : v.op_classes) {
    std::cout << "  " << name << ": " << s.count << " parts, median error " << pct(s.median_relative_error)
              << ", p90 |error| " << pct(s.p90_abs_relative_error) << "\n";
  }
  std::cout << "wrote:\n  " << (dir / "validation.json").string() << "\n  " << (dir / "timeline.json").string() << "\n";
}

int run_validate(const ValidateOptions& options) {
  const bool on_cuda = options.backend == "cuda";
  if (std::string why; on_cuda && !backends::cuda::cuda_backend_available(&why)) {
    throw core::InputError("--backend cuda: " + why + "; use --backend cpu");
  }
  if (options.runs < 1) throw core::InputError("--runs must be at least 1 (got " + std::to_string(options.runs) + ")");
  std::vector<core::Override> overrides = options.overrides.parsed();
  options.budget.append_to(overrides);
  core::Scenario scenario = core::load_scenario(options.scenario_path, overrides);
  if (!options.device.empty()) {
    std::error_code ec;
    scenario.sim.device_profile = fs::absolute(options.device, ec).string();
  }
  const fs::path dir =
      options.out_dir.empty() ? fs::path("out") / (folder_name(scenario) + "-validate") : fs::path(options.out_dir);
  check_out_dir(dir);
  if (scenario.kind == core::ScenarioKind::serving) {
    if (on_cuda) throw core::InputError(options.scenario_path + ": serving scenarios validate on --backend cpu only");
    return validate_serving(scenario, dir, options.quiet);
  }

  const cost::CostModel model = runs::scenario_cost_model(scenario);
  // Live first: the simulation (SimGrid) must be the last engine of the process.
  const runs::LiveRuns runs = runs::run_live_iterations(scenario, options.runs, on_cuda);
  const std::vector<backends::LiveResult>& live = runs.kept;
  const runs::TrainingRun simulated = runs::run_training(scenario);
  // A validation compares whole runs: a partial simulation has nothing to compare.
  if (!simulated.records.stopped_reason.empty()) throw core::RunStoppedError(simulated.records.stopped_reason);

  runs::Validation v = runs::compare_runs(simulated.records, live, model);
  v.scenario = scenario.name;
  v.device_profile = model.profile().origin;
  v.ranks = scenario.parallel.world_size();
  v.hardware_threads = std::thread::hardware_concurrency();
  double kernel_wall_s = 0, kernel_cpu_s = 0;
  for (const backends::LiveResult& run : live) {
    kernel_wall_s += run.kernel_wall_s;
    kernel_cpu_s += run.kernel_cpu_s;
  }
  v.live_cpu_share = kernel_wall_s > 0 ? kernel_cpu_s / kernel_wall_s : 0.0;
  v.set_aside_runs = runs.set_aside;
  v.profile_probe_s = model.profile().provenance.host_speed_probe_s;
  if (!on_cuda) v.run_probe_s = runs.probe_s;

  core::OutputSet set(dir);
  core::write_file_atomically(set.staged("validation.json").string(), runs::validation_json(v));
  core::write_file_atomically(set.staged("timeline.json").string(),
                              runs::side_by_side_trace_json(simulated.records, live[v.median_run].records, scenario.name));
  set.commit();
  if (!options.quiet) print_summary(v, options.backend, dir);
  if (!v.decisions.identical) {
    std::cerr << "lcperf: error: the simulated and live runs took different decisions:\n" << v.decisions.excerpt;
    return core::kExitInternalFailure;
  }
  return core::kExitSuccess;
}

}  // namespace

Command add_validate_command(CLI::App& parent) {
  auto options = std::make_shared<ValidateOptions>();
  CLI::App* sub = parent.add_subcommand("validate", "Run a scenario live and simulated, and compare them");
  sub->add_option("scenario", options->scenario_path, "Training or serving scenario JSON file")
      ->required()
      ->type_name("SCENARIO.json");
  sub->add_option("--backend", options->backend, "Live backend: cpu, or cuda (built with nvcc and a GPU visible)")
      ->check(CLI::IsMember({"cpu", "cuda"}))
      ->type_name("NAME");
  sub->add_option("--device", options->device,
                  "Device profile JSON the simulation prices ops with (default: the scenario's sim.device_profile)")
      ->type_name("PROFILE.json");
  sub->add_option("--runs", options->runs, "Live runs; the measured time is their median (default 3)")->type_name("N");
  options->overrides.add_to(*sub);
  sub->add_option("--out", options->out_dir, "Output folder (default: out/<scenario name>-validate)")->type_name("DIR");
  options->budget.add_to(*sub);
  sub->add_flag("--quiet,-q", options->quiet, "Print nothing on success");
  sub->footer(
      "Runs the scenario's rank programs --runs times live on the CPU backend (threads as\n"
      "devices, real buffers, CPU reference kernels; --backend cuda: backends/cuda, ranks on\n"
      "GPUs) and once in the simulator, pricing ops\n"
      "with the device profile. Writes DIR/validation.json (iteration time simulated vs\n"
      "measured, per-op-class and per-category errors, peak memory per rank; errors are\n"
      "(simulated - measured) / measured) and DIR/timeline.json (Chrome trace, simulated and\n"
      "measured side by side). Exit code 1 when the decision logs differ, with a diff\n"
      "excerpt; 2 on bad input (also --backend cuda without a CUDA build or GPU, with the\n"
      "reason).\n"
      "A serving scenario (one instance) runs its engine live and simulated with every\n"
      "arrival at t = 0 and writes DIR/validation.json (decisions, steps, end-to-end time,\n"
      "tokens per request, KV blocks allocated and freed).\n"
      "\n"
      "Example (profile the scenario's own shapes, calibrate with tables, validate):\n"
      "  lcperf profile --backend cpu --for-scenario S.json --out p.json\n"
      "  lcperf calibrate p.json --base cost_models/devices/cpu-reference.json --with-tables --out d.json\n"
      "  lcperf validate S.json --backend cpu --device d.json --runs 3");
  return Command{sub, [options] { return run_validate(*options); }};
}

}  // namespace lcperf::cli
