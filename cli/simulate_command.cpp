// `lcperf simulate SCENARIO.json [--set path=value]... [--out DIR] [--quiet]`: one
// simulated training iteration, written as result.json, timeline.json, memory.csv,
// report.md and timeline.svg.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/budget_flags.hpp"
#include "cli/commands.hpp"
#include "core/exit_codes.hpp"
#include "cli/output_dir.hpp"
#include "cli/serving_progress.hpp"
#include "runs/serving_requests_csv.hpp"
#include "cli/slo_flag.hpp"
#include "cli/set_flags.hpp"
#include "runs/serving_outputs.hpp"
#include "runs/serving_run.hpp"
#include "runs/training_run.hpp"
#include "core/atomic_file.hpp"
#include "core/output_set.hpp"
#include "core/errors.hpp"
#include "core/scenario.hpp"
#include "reports/markdown_report.hpp"
#include "reports/result_json.hpp"
#include "reports/summary_table.hpp"
#include "traces/chrome_trace.hpp"
#include "traces/memory_csv.hpp"

namespace lcperf::cli {

namespace {

namespace fs = std::filesystem;

struct SimulateOptions {
  std::string scenario_path;
  SetFlags overrides;  // --set PATH=VALUE
  std::string out_dir;                 // empty: out/<scenario name>
  bool quiet = false;
  BudgetFlags budget;
  ProgressFlags progress;  // serving scenarios only
  SloFlag slo;
};

// The default output folder is named after the scenario; a name that is not a plain
// folder name ("a/b", "..") must not steer the output elsewhere, so it is flattened.
}  // namespace

std::string folder_name(const core::Scenario& scenario) {
  std::string name = scenario.name.empty() ? fs::path(scenario.source_path).stem().string() : scenario.name;
  for (char& c : name) {
    if (c == '/' || c == '\\') c = '_';
  }
  if (name.empty() || name == "." || name == "..") name = "scenario";
  return name;
}

// DIR is checked before simulating, so an unusable --out is reported at once rather than
// after the simulation, but only created after the run succeeded: a failed run leaves
// nothing behind.
void check_out_dir(const std::filesystem::path& dir) {
  // The files any of simulate, replay, validate and compare put in the folder.
  core::check_output_folder(dir, {"result.json", "timeline.json", "memory.csv", "report.md", "timeline.svg",
                                  "validation.json", "requests.csv", "timeseries.csv"});
}



void throw_if_partial(const std::string& stopped_reason, const fs::path& dir) {
  if (stopped_reason.empty()) return;
  throw core::RunStoppedError(stopped_reason + "; the partial outputs are in " + dir.string() +
                              " (result.json: \"partial\": true); raise sim.max_events or --timeout to run it whole");
}

int write_serving_outputs(const runs::ServingRun& run, const fs::path& dir, bool quiet) {
  core::OutputSet set(dir);
  const std::vector<std::string> names = runs::write_serving_files(run, set.staging_dir());
  set.commit();
  throw_if_partial(run.records.stopped_reason, dir);
  std::vector<fs::path> written;
  for (const std::string& name : names) written.push_back(set.published(name));
  if (quiet) return core::kExitSuccess;
  std::cout << run.summary << "\nwrote:\n";
  for (const fs::path& path : written) std::cout << "  " << path.string() << "\n";
  return core::kExitSuccess;
}

namespace {

int run_simulate(const SimulateOptions& options) {
  std::vector<core::Override> overrides = options.overrides.parsed();
  options.budget.append_to(overrides);
  const core::Scenario scenario = options.slo.apply(core::load_scenario(options.scenario_path, overrides));

  const fs::path dir = options.out_dir.empty() ? fs::path("out") / folder_name(scenario) : fs::path(options.out_dir);
  check_out_dir(dir);
  if (scenario.kind == core::ScenarioKind::serving) {
    return write_serving_outputs(runs::run_serving(scenario, "", "", options.progress.printer("simulate", options.quiet)), dir,
                                 options.quiet);
  }
  const runs::TrainingRun run = runs::run_training(scenario);
  // Nothing is written until the run has succeeded, and then as one set (core/output_set.hpp).
  core::OutputSet set(dir);
  reports::write_training_result_json(set.staged("result.json").string(), run.result, run.scenario,
                                      core::lcperf_version());
  traces::write_chrome_trace(set.staged("timeline.json").string(), run.records, run.scenario.name);
  traces::write_memory_csv(set.staged("memory.csv").string(), run.records);
  reports::write_training_report(set.staging_dir().string(), run.scenario, run.result, run.comparison, run.records);
  set.commit();
  throw_if_partial(run.records.stopped_reason, dir);
  std::vector<fs::path> written;
  for (const char* name : {"result.json", "timeline.json", "memory.csv", "report.md", "timeline.svg"}) {
    written.push_back(set.published(name));
  }

  if (options.quiet) return core::kExitSuccess;
  std::cout << reports::training_summary_text(run.result, run.comparison) << "\nwrote:\n";
  for (const fs::path& path : written) std::cout << "  " << path.string() << "\n";
  return core::kExitSuccess;
}

}  // namespace

Command add_simulate_command(CLI::App& parent) {
  auto options = std::make_shared<SimulateOptions>();
  CLI::App* sub = parent.add_subcommand("simulate", "Simulate one training iteration of a scenario");
  sub->add_option("scenario", options->scenario_path, "Scenario JSON file (see scenarios/README.md)")
      ->required()
      ->type_name("SCENARIO.json");
  options->overrides.add_to(*sub);
  sub->add_option("--out", options->out_dir, "Output folder (default: out/<scenario name>)")->type_name("DIR");
  sub->add_flag("--quiet,-q", options->quiet, "Print nothing on success (errors still go to stderr)");
  options->budget.add_to(*sub);
  options->progress.add_to(*sub);
  options->slo.add_to(*sub);
  sub->footer(
      "Loads the scenario (model, cluster, parallel config, workload, strategy), applies the\n"
      "--set overrides, validates it, and simulates one training iteration on the modelled\n"
      "cluster. Writes DIR/result.json (metrics), DIR/timeline.json (Chrome trace, opens in\n"
      "Perfetto), DIR/memory.csv (memory per rank over time), DIR/report.md and\n"
      "DIR/timeline.svg, each atomically, and prints a summary table with the closed-form\n"
      "checks. A serving scenario is replayed as `lcperf replay` does it (its outputs,\n"
      "and its progress line: --progress / --no-progress). The same scenario and seed give\n"
      "the same files; only wall_time_s differs.\n"
      "Exit code 0 on success, 2 on bad input (also a scenario whose estimated size exceeds\n"
      "sim.max_events or --max-memory), 1 on internal failure or a run stopped by --timeout\n"
      "or sim.max_events (its outputs are then written with \"partial\": true).\n"
      "\n"
      "Example:\n"
      "  lcperf simulate scenarios/smoke/llama3-8b-8xh200-1f1b.json \\\n"
      "      --set parallel.num_micro_batches=16 --out out/mb16");
  return Command{sub, [options] { return run_simulate(*options); }};
}

}  // namespace lcperf::cli
