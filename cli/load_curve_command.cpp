// `lcperf load-curve SCENARIO.json --scales 2,1,0.5,0.25 [--jobs N] [--slo ...]
// [--set path=value]... [--out DIR] [--quiet]`: the serving scenario replayed once per
// arrival-time scale, each run's files under DIR/scale-<s>/, and the throughput-vs-load
// curve as DIR/load_curve.csv and DIR/load_curve.json (runs/load_curve.hpp).
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/forked_progress.hpp"
#include "cli/output_dir.hpp"
#include "cli/slo_flag.hpp"
#include "cli/set_flags.hpp"
#include "core/atomic_file.hpp"
#include "core/errors.hpp"
#include "core/exit_codes.hpp"
#include "core/number_text.hpp"
#include "core/output_set.hpp"
#include "core/scenario.hpp"
#include "reports/format.hpp"
#include "reports/text_table.hpp"
#include "runs/load_curve.hpp"

namespace lcperf::cli {

namespace {

namespace fs = std::filesystem;

struct LoadCurveOptions {
  std::string scenario_path;
  std::vector<double> scales;
  int jobs = 2;
  SetFlags overrides;  // --set PATH=VALUE
  std::string out_dir;  // empty: out/<scenario name>-load-curve
  bool quiet = false;
  SloFlag slo;
};

// The scenario with the user's --set overrides, then the time scale (none: the file's),
// then the --slo.
core::Scenario scenario_at(const LoadCurveOptions& options, std::optional<double> scale) {
  std::vector<core::Override> overrides = options.overrides.parsed();
  if (scale) overrides.push_back({"workload.time_scale", core::number_text(*scale, 17)});
  return options.slo.apply(core::load_scenario(options.scenario_path, overrides));
}

int run_load_curve(const LoadCurveOptions& options) {
  check_forked_jobs(options.jobs);
  std::set<std::string> folders;
  for (const double scale : options.scales) {
    // Two scales that print alike would share a folder.
    if (!folders.insert(runs::scale_folder(scale)).second) {
      throw core::InputError("--scales: " + runs::scale_folder(scale) + " is given twice");
    }
  }
  // The scenario as given first: a training scenario or a fixed closed loop (which has
  // no workload.time_scale to set) is refused by what it is.
  const core::Scenario given = scenario_at(options, std::nullopt);
  if (given.kind != core::ScenarioKind::serving) {
    throw core::InputError(options.scenario_path + ": $.kind: load-curve needs a serving scenario (got \"" +
                           std::string(to_string(given.kind)) + "\")");
  }
  if (given.requests.kind == core::ServingWorkloadKind::fixed) runs::offered_load(given);  // throws, naming why
  const core::Scenario base = scenario_at(options, 1.0);
  const runs::OfferedLoad offered = runs::offered_load(base);
  std::vector<runs::LoadCurveRun> runs;
  for (const double scale : options.scales) runs.push_back({scale, scenario_at(options, scale)});

  const fs::path dir =
      options.out_dir.empty() ? fs::path("out") / (folder_name(base) + "-load-curve") : fs::path(options.out_dir);
  core::check_output_folder(dir, {"load_curve.csv", "load_curve.json"});
  core::OutputSet set(dir);
  const auto progress = [quiet = options.quiet](const runs::ForkedOutcome& o, std::size_t done, std::size_t total) {
    if (quiet) return;
    std::cerr << "load-curve: [" << done << "/" << total << "] " << o.id << ": "
              << (o.ok ? reports::printf_string("%.0f tokens/s", o.serving_figures.throughput_tokens_per_s)
                       : std::string("FAILED"))
              << "\n"
              << std::flush;
  };
  const std::vector<runs::LoadCurveRow> rows =
      runs::run_load_curve(runs, offered, options.jobs, set.staging_dir(), progress);
  core::write_file_atomically(set.staged("load_curve.csv").string(), runs::load_curve_csv(rows));
  core::write_file_atomically(set.staged("load_curve.json").string(),
                              runs::load_curve_json(base.name, base.serving.slo, rows));
  set.commit();
  if (options.quiet) return core::kExitSuccess;
  std::cout << reports::render_text(runs::load_curve_table(rows)) << "\nwrote:\n  "
            << set.published("load_curve.csv").string() << "\n  " << set.published("load_curve.json").string()
            << "\n  " << (dir / "scale-*").string() << "/ (each run's result.json, requests.csv, ...)\n";
  return core::kExitSuccess;
}

}  // namespace

Command add_load_curve_command(CLI::App& parent) {
  auto options = std::make_shared<LoadCurveOptions>();
  CLI::App* sub = parent.add_subcommand("load-curve", "Replay a serving scenario at several loads: throughput vs load");
  sub->add_option("scenario", options->scenario_path, "Serving scenario JSON file with a trace workload")
      ->required()
      ->type_name("SCENARIO.json");
  sub->add_option("--scales", options->scales,
                  "Arrival-time scales, comma-separated: each run sets workload.time_scale (arrivals multiplied "
                  "by it, so 0.5 offers twice the trace's rate)")
      ->required()
      ->delimiter(',')
      ->check(CLI::PositiveNumber)
      ->type_name("S1,S2,...");
  sub->add_option("--jobs,-j", options->jobs, "Runs at once, each in its own process (default 2)");
  options->overrides.add_to(*sub);
  sub->add_option("--out", options->out_dir, "Output folder (default: out/<scenario name>-load-curve)")
      ->type_name("DIR");
  sub->add_flag("--quiet,-q", options->quiet, "Print nothing on success");
  options->slo.add_to(*sub);
  sub->footer(
      "Replays the scenario's trace once per scale, each run in its own process, and writes\n"
      "each run's files (result.json, requests.csv, timeline.json, memory.csv) under\n"
      "DIR/scale-<s>/, then DIR/load_curve.csv and DIR/load_curve.json: per scale the offered\n"
      "load (the trace's requests per second over its arrival span, divided by the scale),\n"
      "throughput, completed requests, TTFT/TPOT percentiles, E2E p90 and, with an SLO\n"
      "(--slo or serving.slo), attainment and goodput. All files are published as one set.\n"
      "`lcperf report DIR` draws the curves. Exit 2 on bad input (also a fixed workload,\n"
      "which has no arrival rate), 1 when a run fails.\n"
      "\n"
      "Example:\n"
      "  lcperf load-curve scenarios/serving/qwen2.5-7b-h200-azure-conv.json --scales 2,1,0.5,0.25 \\\n"
      "      --set workload.max_requests=200 --slo ttft=0.5,tpot=0.05 --out out/load-curve\n");
  return {sub, [options] { return run_load_curve(*options); }};
}

}  // namespace lcperf::cli
