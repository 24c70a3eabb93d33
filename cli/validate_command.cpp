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

#include "backends/cpu/cpu_runtime.hpp"
#include "backends/cuda/cuda_runtime.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output_dir.hpp"
#include "cli/serving_validate.hpp"
#include "cli/training_run.hpp"
#include "cli/validation.hpp"
#include "core/atomic_file.hpp"
#include "core/errors.hpp"
#include "core/scenario.hpp"
#include "kernels/speed_probe.hpp"

namespace lcperf::cli {

namespace {

namespace fs = std::filesystem;

struct ValidateOptions {
  std::string scenario_path;
  std::string backend = "cpu";
  std::string device;
  int runs = 3;
  std::vector<std::string> overrides;
  std::string out_dir;
  bool quiet = false;
};

double cpu_share(const backends::cpu::LiveResult& run) {
  return run.kernel_wall_s > 0 ? run.kernel_cpu_s / run.kernel_wall_s : 1.0;
}

struct LiveRuns {
  std::vector<backends::cpu::LiveResult> kept;
  std::vector<double> probe_s;  // per kept run (CPU): mean host speed probe before and after it
  std::vector<SetAsideRun> set_aside;
};

LiveRuns run_live_iterations(const core::Scenario& scenario, int runs, bool on_cuda) {
  const std::vector<std::int64_t> sequences = training_sequences(scenario);
  const int ranks = scenario.parallel.world_size();
  std::vector<core::RankProgram> programs;
  for (int r = 0; r < ranks; ++r) programs.push_back(rank_program(scenario, r, sequences));
  backends::cpu::LiveInput in;
  in.ranks = ranks;
  in.program_for = [&programs](int rank) { return programs[static_cast<std::size_t>(rank)]; };
  in.memory_capacity_bytes = static_cast<std::int64_t>(scenario.cluster.gpu.hbm_bytes);
  for (int r = 0; r < ranks; ++r) in.node_of_rank.push_back(scenario.cluster.node_of(r));
  LiveRuns out;
  // Run 0 is an untimed warm-up: it grows and faults in the kernels' scratch buffers
  // (kept for later runs, op_executor.cpp), which a simulated iteration has no notion of.
  // Preempted runs are retaken while attempts remain to still make `runs` runs.
  const int attempts = 2 * runs;
  // The host's speed around each CPU run, probed on as many threads as ranks share cores.
  const int probe_threads =
      static_cast<int>(std::min<unsigned>(static_cast<unsigned>(ranks), std::max(1u, std::thread::hardware_concurrency())));
  // One probe between two runs serves as the first's "after" and the next's "before".
  auto probe = [&] { return on_cuda ? 0.0 : kernels::host_speed_probe_s(probe_threads); };
  double before = 0;
  for (int i = 0; i <= attempts && static_cast<int>(out.kept.size()) < runs; ++i) {
    try {
      backends::cpu::LiveResult result = on_cuda ? backends::cuda::run_live_cuda(in) : backends::cpu::run_live(in);
      const double after = probe();
      const double around = 0.5 * (before + after);
      before = after;
      if (i == 0) continue;
      const int still_needed = runs - static_cast<int>(out.kept.size());
      if (!on_cuda && retake_live_run(cpu_share(result), attempts - i, still_needed)) {
        out.set_aside.push_back({result.records.end_time_s, cpu_share(result)});
      } else {
        out.kept.push_back(std::move(result));
        out.probe_s.push_back(around);
      }
    } catch (const backends::cpu::LiveDeadlockError& e) {
      throw std::runtime_error(std::string("the live rank programs deadlocked\n") + e.what());
    }
  }
  return out;
}

void print_summary(const Validation& v, const std::string& backend, const fs::path& dir) {
  const auto pct = [](double x) { return std::to_string(static_cast<long long>(std::llround(x * 1000))) + "e-3"; };
  std::cout << "validate " << v.scenario << " (" << backend << " backend, " << v.measured_end_s.size() << " live runs, " << v.ranks
            << " ranks on " << v.hardware_threads << " hardware threads, live CPU share " << v.live_cpu_share
            << ")\n";
  for (const SetAsideRun& run : v.set_aside_runs) {
    std::cout << "  set aside a preempted live run: " << run.measured_s << " s at CPU share " << run.cpu_share << "\n";
  }
  if (const SpeedNormalized n = speed_normalized(v); n.available) {
    std::cout << "  at the profile's host speed (probe " << v.profile_probe_s << " s; runs' probes";
    for (double p : v.run_probe_s) std::cout << " " << p;
    std::cout << "): measured median " << n.measured_median_s << " s, relative error "
              << pct(relative_error(v.simulated_end_s, n.measured_median_s)) << "\n";
    if (n.probe_spread > kSteadyProbeSpread) {
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
  std::vector<core::Override> overrides;
  for (const std::string& text : options.overrides) overrides.push_back(core::parse_override(text));
  core::Scenario scenario = core::load_scenario(options.scenario_path, overrides);
  if (!options.device.empty()) {
    std::error_code ec;
    scenario.sim.device_profile = fs::absolute(options.device, ec).string();
  }
  const fs::path dir =
      options.out_dir.empty() ? fs::path("out") / (folder_name(scenario) + "-validate") : fs::path(options.out_dir);
  check_out_dir(dir);
  if (scenario.kind == "serving") {
    if (on_cuda) throw core::InputError(options.scenario_path + ": serving scenarios validate on --backend cpu only");
    return validate_serving(scenario, dir, options.quiet);
  }

  const cost::CostModel model = scenario_cost_model(scenario);
  // Live first: the simulation (SimGrid) must be the last engine of the process.
  const LiveRuns runs = run_live_iterations(scenario, options.runs, on_cuda);
  const std::vector<backends::cpu::LiveResult>& live = runs.kept;
  const TrainingRun simulated = run_training(scenario);

  Validation v = compare_runs(simulated.records, live, model);
  v.scenario = scenario.name;
  v.device_profile = model.profile().origin;
  v.ranks = scenario.parallel.world_size();
  v.hardware_threads = std::thread::hardware_concurrency();
  double kernel_wall_s = 0, kernel_cpu_s = 0;
  for (const backends::cpu::LiveResult& run : live) {
    kernel_wall_s += run.kernel_wall_s;
    kernel_cpu_s += run.kernel_cpu_s;
  }
  v.live_cpu_share = kernel_wall_s > 0 ? kernel_cpu_s / kernel_wall_s : 0.0;
  v.set_aside_runs = runs.set_aside;
  v.profile_probe_s = model.profile().provenance.host_speed_probe_s;
  if (!on_cuda) v.run_probe_s = runs.probe_s;

  create_out_dir(dir);
  core::write_file_atomically((dir / "validation.json").string(), validation_json(v));
  core::write_file_atomically((dir / "timeline.json").string(),
                              side_by_side_trace_json(simulated.records, live[v.median_run].records, scenario.name));
  if (!options.quiet) print_summary(v, options.backend, dir);
  if (!v.decisions.identical) {
    std::cerr << "lcperf: error: the simulated and live runs took different decisions:\n" << v.decisions.excerpt;
    return kExitInternalFailure;
  }
  return kExitSuccess;
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
  sub->add_option("--set", options->overrides, "Override one scenario field by its dotted JSON path; repeatable")
      ->type_name("PATH=VALUE")
      ->allow_extra_args(false);
  sub->add_option("--out", options->out_dir, "Output folder (default: out/<scenario name>-validate)")->type_name("DIR");
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
