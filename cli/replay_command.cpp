// `lcperf replay SCENARIO.json [--trace FILE] [--format azure|mooncake|burstgpt]
// [--set path=value]... [--out DIR] [--quiet] [--progress|--no-progress]`: replays a
// serving trace through the scenario's instances and writes result.json, timeline.json,
// memory.csv, requests.csv and timeseries.csv.
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/budget_flags.hpp"
#include "cli/commands.hpp"
#include "cli/output_dir.hpp"
#include "cli/serving_progress.hpp"
#include "cli/slo_flag.hpp"
#include "cli/set_flags.hpp"
#include "runs/serving_run.hpp"
#include "core/errors.hpp"
#include "core/scenario.hpp"

namespace lcperf::cli {

namespace {

struct ReplayOptions {
  std::string scenario_path;
  std::string trace;
  std::string format;
  SetFlags overrides;  // --set PATH=VALUE
  std::string out_dir;
  bool quiet = false;
  BudgetFlags budget;
  ProgressFlags progress;
  SloFlag slo;
};

int run_replay(const ReplayOptions& options) {
  std::vector<core::Override> overrides = options.overrides.parsed();
  options.budget.append_to(overrides);
  core::Scenario scenario = core::load_scenario(options.scenario_path, overrides);
  if (scenario.kind != core::ScenarioKind::serving) {
    throw core::InputError(options.scenario_path + ": $.kind: replay needs a serving scenario (got \"" +
                           std::string(to_string(scenario.kind)) + "\")");
  }
  scenario = options.slo.apply(std::move(scenario));
  const std::filesystem::path dir =
      options.out_dir.empty() ? std::filesystem::path("out") / folder_name(scenario) : std::filesystem::path(options.out_dir);
  check_out_dir(dir);
  return write_serving_outputs(
      runs::run_serving(scenario, options.trace, options.format, options.progress.printer("replay", options.quiet)), dir,
      options.quiet);
}

}  // namespace

Command add_replay_command(CLI::App& parent) {
  auto options = std::make_shared<ReplayOptions>();
  CLI::App* sub = parent.add_subcommand("replay", "Replay a serving trace through a serving scenario");
  sub->add_option("scenario", options->scenario_path, "Serving scenario JSON file (kind \"serving\")")
      ->required()
      ->type_name("SCENARIO.json");
  sub->add_option("--trace", options->trace, "Trace file or id in traces/data/serving/ (default: the scenario's)")
      ->type_name("FILE");
  sub->add_option("--format", options->format, "Trace format (default: detected)")
      ->check(CLI::IsMember({"azure", "mooncake", "burstgpt"}));
  options->overrides.add_to(*sub);
  sub->add_option("--out", options->out_dir, "Output folder (default: out/<scenario name>)")->type_name("DIR");
  sub->add_flag("--quiet,-q", options->quiet, "Print nothing on success");
  options->budget.add_to(*sub);
  options->progress.add_to(*sub);
  options->slo.add_to(*sub);
  sub->footer(
      "Routes the trace's requests over serving.instances instances of parallel.tp GPUs,\n"
      "runs the serving engine (continuous batching, chunked prefill, paged KV cache,\n"
      "preemption) of each on the simulated cluster, and reports TTFT, TPOT, end-to-end\n"
      "latency, throughput, preemptions and KV peaks. Writes DIR/result.json (with the\n"
      "inter-token latency distribution itl_s), DIR/timeline.json, DIR/memory.csv,\n"
      "DIR/requests.csv (one row per request) and DIR/timeseries.csv (each instance's\n"
      "running batch, waiting queue and KV blocks over time). On a terminal a progress\n"
      "line (simulated time, requests done, real-time factor) is redrawn on stderr.\n"
      "Corrupt trace rows are an error naming file and line unless workload.skip_corrupt\n"
      "is set.\n\n"
      "Example:\n"
      "  lcperf replay scenarios/serving/qwen2.5-7b-h200-azure-conv.json --set workload.max_requests=200\n");
  return {sub, [options] { return run_replay(*options); }};
}

}  // namespace lcperf::cli
