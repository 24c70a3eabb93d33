// `lcperf sweep SWEEP.json [--jobs N] [--out DIR] [--shard i/n]`: enumerate the
// configurations of a sweep file (sweeps/README.md), prune the invalid and the ones that
// cannot fit before simulating, simulate the rest each in its own forked process, and
// keep DIR/results.jsonl, DIR/pruned.json and DIR/best.json. Rerunning resumes.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/budget_flags.hpp"
#include "cli/commands.hpp"
#include "core/output_set.hpp"
#include "core/exit_codes.hpp"
#include "runs/forked_runs.hpp"
#include "runs/sweep_configs.hpp"
#include "runs/sweep_outputs.hpp"
#include "cli/sweep_progress.hpp"
#include "runs/sweep_prune.hpp"
#include "runs/sweep_results.hpp"
#include "runs/sweep_spec.hpp"
#include "runs/sweep_team.hpp"
#include "runs/sweep_tiers.hpp"
#include "core/errors.hpp"
#include "reports/format.hpp"

namespace lcperf::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kMaxJobs = 256;

struct SweepOptions {
  std::string sweep_path;
  std::string out_dir;  // empty: out/sweeps/<name>
  int jobs = 2;
  std::string shard = "0/1";
  BudgetFlags budget;  // applied to every configuration
};

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// CPU seconds (user + system) of this process or of its reaped children. On a shared
// machine wall time measures the neighbours too; CPU time says what the sweep itself cost.
double cpu_seconds(int who) {
  rusage usage{};
  ::getrusage(who, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec); };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

fs::path output_dir(const SweepOptions& options, const runs::SweepSpec& spec) {
  if (!options.out_dir.empty()) return options.out_dir;
  std::string name = spec.name;
  for (char& c : name) {
    if (c == '/' || c == '\\') c = '_';  // a name must not steer the output elsewhere
  }
  if (name.empty() || name == "." || name == "..") name = "sweep";
  return fs::path("out") / "sweeps" / name;
}

void prepare_dir(const fs::path& dir) {
  core::check_output_folder(dir, {"results.jsonl", "best.json", "pruned.json", "plots.html", "plots.md"});
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw core::InputError(dir.string() + ": cannot create the output folder (" + ec.message() + ")");
}

std::string result_summary(const runs::SweepResult& result) {
  if (!result.ok) return "FAILED: " + result.error.substr(0, result.error.find('\n'));
  const auto metric = [&](const char* name) {
    const auto it = result.metrics.find(name);
    return it == result.metrics.end() ? 0.0 : it->second;
  };
  std::string text = reports::printf_string("%.4g s/iter, %.4g tokens/s, mfu %.3f", metric("iteration_time_s"),
                                            metric("tokens_per_s"), metric("mfu"));
  if (result.oom) text += ", OOM";
  return text;
}

// A child killed by a signal (the machine's OOM killer, a user's kill) says nothing about
// the configuration; leaving it out of results.jsonl makes the next run retry it.
bool worth_recording(const runs::ForkedOutcome& outcome) {
  return outcome.ok || outcome.error.rfind("the child process was killed", 0) != 0;
}

int run_sweep(const SweepOptions& options) {
  const Clock::time_point start = Clock::now();
  if (options.jobs < 1 || options.jobs > kMaxJobs) {
    throw core::InputError("--jobs must be in [1, " + std::to_string(kMaxJobs) + "]");
  }
  const runs::Shard shard = runs::parse_shard(options.shard);
  const std::unique_ptr<runs::SweepTeam> team = runs::join_sweep_team();
  runs::SweepSpec spec = runs::load_sweep_spec(options.sweep_path);
  options.budget.append_to(spec.fixed);
  const runs::SweepBase base = runs::load_sweep_base(spec);
  const std::vector<runs::SweepConfig> configs = runs::enumerate_configs(spec, base);
  const fs::path dir = output_dir(options, spec);
  const std::string results_path = (dir / "results.jsonl").string();

  // Only rank 0 touches the output folder; the others learn what is done from it.
  std::vector<runs::SweepResult> results;
  std::string done_keys;
  if (team->is_root()) {
    prepare_dir(dir);
    results = runs::read_results(results_path);
    for (const runs::SweepResult& r : results) done_keys += r.key + "\n";
  }
  done_keys = team->share_from_root(done_keys);
  std::set<std::string> done;
  for (std::size_t at = 0, next = 0; at < done_keys.size(); at = next + 1) {
    next = done_keys.find('\n', at);
    done.insert(done_keys.substr(at, next - at));
  }

  // Prune in the parent (no simulation here) and estimate every survivor: the analytic
  // tier. Configurations earlier runs simulated are estimated too (the agreement counts
  // them) but not simulated again.
  const Clock::time_point prune_start = Clock::now();
  runs::SweepPruner pruner(spec, base);
  runs::PruneSummary summary;
  summary.configurations = configs.size();
  summary.shard = options.shard;
  struct Survivor {
    const runs::SweepConfig* config = nullptr;
    std::optional<core::Scenario> scenario;
    std::optional<runs::ConfigurationEstimate> estimate;
    std::int64_t memory_bound = -1;
  };
  std::vector<Survivor> survivors;
  std::vector<runs::TierCandidate> candidates;  // same order as survivors
  std::size_t already_done = 0;
  for (const runs::SweepConfig& config : configs) {
    if (config.index % static_cast<std::size_t>(shard.count) != static_cast<std::size_t>(shard.index)) continue;
    ++summary.selected;
    const bool done_before = done.count(config.key) != 0;
    runs::PruneVerdict verdict = pruner.check(config);
    if (done_before) ++already_done;
    if (!verdict.scenario && !done_before) {
      summary.pruned.push_back({config.index, config.key, verdict.reason, verdict.detail});
      continue;
    }
    ++summary.survivors;
    if (!verdict.estimate) continue;  // simulated earlier although it prunes now: its line stands
    candidates.push_back({config.key, verdict.estimate->metric(spec.objective.metric), done_before});
    survivors.push_back({&config, std::move(verdict.scenario), verdict.estimate, verdict.memory_bound});
  }
  const double prune_s = seconds_since(prune_start);
  std::vector<std::size_t> round = runs::first_simulation_round(candidates, spec.objective, spec.simulate);
  if (team->is_root()) {
    runs::write_pruned_json((dir / "pruned.json").string(), spec, summary);
    std::cerr << "sweep: " << spec.name << ": " << configs.size() << " configurations";
    if (shard.count > 1) std::cerr << ", shard " << options.shard << " holds " << summary.selected;
    std::cerr << "; " << summary.pruned.size() << " pruned, " << already_done << " already in results.jsonl, "
              << round.size() << " to simulate (of " << candidates.size() << " estimated in "
              << reports::printf_string("%.2f s", prune_s)
              << (spec.simulate.all ? std::string(": all")
                                    : reports::printf_string(": the %d best by estimate and a sample of %d",
                                                             spec.simulate.top, spec.simulate.sample))
              << "), up to " << options.jobs << " at a time";
    if (team->size() > 1) std::cerr << " on each of " << team->size() << " " << team->transport() << " ranks";
    std::cerr << "\n" << std::flush;
  }

  // Simulate, in rounds. Rank 0 appends every line (its own and those the other ranks
  // send) as it arrives, so a kill loses only what was still running; a rerun redoes
  // exactly that.
  const Clock::time_point simulate_start = Clock::now();
  std::unique_ptr<runs::ResultsLog> log;
  if (team->is_root()) log = std::make_unique<runs::ResultsLog>(results_path);
  SweepProgress progress(round.size(), stderr_is_terminal());
  std::size_t recorded = 0;
  std::size_t failed = 0;
  std::size_t simulated = 0;
  std::size_t mine_count = 0;
  const auto record = [&](const std::string& line) {
    log->append(line);
    runs::SweepResult stored;
    if (!runs::parse_result_line(line, stored)) throw std::runtime_error("sweep: a rank sent a malformed result line");
    if (!stored.ok) ++failed;
    progress.finished(++recorded, stored.key, result_summary(stored));
    results.push_back(std::move(stored));
  };
  double child_wall_s = 0;
  std::map<std::string, std::size_t> survivor_of;  // run id -> position in survivors
  const auto simulate_round = [&](const std::vector<std::size_t>& chosen) {
    std::vector<runs::ForkedRun> mine;
    for (std::size_t i = 0; i < chosen.size(); ++i) {
      Survivor& survivor = survivors[chosen[i]];
      candidates[chosen[i]].simulated = true;
      ++simulated;
      if (!runs::dealt_to(i, team->rank(), team->size())) continue;
      runs::ForkedRun run;
      run.id = std::to_string(survivor.config->index);
      run.scenario = std::move(*survivor.scenario);
      survivor_of[run.id] = chosen[i];
      mine.push_back(std::move(run));
    }
    mine_count += mine.size();
    runs::run_forked(mine, options.jobs, [&](const runs::ForkedOutcome& outcome, std::size_t, std::size_t) {
      const Survivor& survivor = survivors[survivor_of.at(outcome.id)];
      child_wall_s += outcome.ok ? outcome.result.wall_time_s : 0;
      if (worth_recording(outcome)) {
        const std::string line =
            runs::result_line(*survivor.config, outcome, survivor.memory_bound, &*survivor.estimate);
        if (team->is_root()) {
          record(line);
        } else {
          team->send_line(line);
        }
      }
      if (team->is_root()) {
        while (std::optional<std::string> line = team->poll_line()) record(*line);
      }
    });
  };
  simulate_round(round);
  // Further rounds until the best of the ranking is simulated: while an unsimulated
  // configuration's estimate beats the best simulated value, simulate the next few by
  // estimate. The other ranks of a distributed sweep do not see the results, so a team
  // runs the first round only.
  while (team->size() == 1 && !spec.simulate.all) {
    const runs::Ranking ranking = runs::rank_results(spec, configs, results);
    const runs::SweepResult* best_simulated = nullptr;
    for (const runs::SweepResult* r : ranking.ranked) {
      if (!r->estimated) {
        best_simulated = r;
        break;
      }
    }
    if (best_simulated == nullptr) break;
    round = runs::refinement_round(candidates, spec.objective, best_simulated->metrics.at(spec.objective.metric),
                                   static_cast<std::size_t>(spec.simulate.top));
    if (round.empty()) break;
    progress.add(round.size());
    simulate_round(round);
  }
  if (!team->is_root()) {
    team->send_done();
    std::cerr << reports::printf_string("sweep: rank %d simulated %zu configurations in %.2f s\n", team->rank(),
                                        mine_count, seconds_since(simulate_start));
    return core::kExitSuccess;
  }
  while (std::optional<std::string> line = team->wait_line()) record(*line);
  progress.close();
  const double simulate_s = seconds_since(simulate_start);

  // The survivors the simulator did not run are ranked by their estimates, marked so.
  std::vector<runs::EstimatePair> pairs;
  std::map<std::string, const runs::SweepResult*> simulated_by_key;
  for (const runs::SweepResult& r : results) {
    if (!r.estimated && r.ok && !r.oom) simulated_by_key.emplace(r.key, &r);
  }
  std::string estimated_lines;
  for (std::size_t i = 0; i < survivors.size(); ++i) {
    const Survivor& survivor = survivors[i];
    const auto it = simulated_by_key.find(survivor.config->key);
    if (it != simulated_by_key.end()) {
      pairs.push_back({it->first, survivor.estimate->metric(spec.objective.metric),
                       it->second->metrics.at(spec.objective.metric)});
    } else if (!candidates[i].simulated) {
      estimated_lines += runs::estimated_result_line(*survivor.config, *survivor.estimate, survivor.memory_bound);
    }
  }
  if (!estimated_lines.empty()) {
    log->append(estimated_lines);
    for (std::size_t at = 0, next = 0; at < estimated_lines.size(); at = next + 1) {
      next = estimated_lines.find('\n', at);
      runs::SweepResult stored;
      if (runs::parse_result_line(estimated_lines.substr(at, next - at), stored)) results.push_back(std::move(stored));
    }
  }
  const runs::EstimateAgreement agreement = runs::estimate_agreement(pairs);

  runs::write_best_json((dir / "best.json").string(), spec, configs, results, &agreement);

  // The benchmark line: where the time went and how many configurations per second the
  // whole pipeline evaluated (pruned ones included: deciding them is the pruning's work).
  const double total_s = seconds_since(start);
  const std::size_t evaluated = summary.selected - already_done;
  std::cerr << reports::printf_string(
      "sweep: evaluated %zu configurations in %.2f s (%.1f configs/s): prune and estimate %.2f s for %zu (%.0f/s), "
      "simulate %.2f s for %zu with %d jobs (%.2f s per simulation inside the children)\n",
      evaluated, total_s, total_s > 0 ? static_cast<double>(evaluated) / total_s : 0.0, prune_s, summary.selected,
      prune_s > 0 ? static_cast<double>(summary.selected) / prune_s : 0.0, simulate_s, simulated, options.jobs,
      mine_count == 0 ? 0.0 : child_wall_s / static_cast<double>(mine_count));
  const double self_cpu_s = cpu_seconds(RUSAGE_SELF);
  const double children_cpu_s = cpu_seconds(RUSAGE_CHILDREN);
  const double cpu_bound_s = std::max(self_cpu_s, (self_cpu_s + children_cpu_s) / options.jobs);
  std::cerr << reports::printf_string(
      "sweep: CPU time: %.2f s in this process, %.2f s in the simulation children; on %d free cores that is "
      "%.1f configs/s\n",
      self_cpu_s, children_cpu_s, options.jobs, cpu_bound_s > 0 ? static_cast<double>(evaluated) / cpu_bound_s : 0.0);
  if (agreement.compared > 0) {
    std::cerr << reports::printf_string(
        "sweep: estimate vs simulation (%s) over %zu simulated configurations: median error %.2f%%, worst %.2f%% "
        "(%s)\n",
        spec.objective.metric.c_str(), agreement.compared, 100 * agreement.median_relative_error,
        100 * agreement.worst_relative_error, agreement.worst_key.c_str());
  }
  if (failed > 0) std::cerr << "sweep: " << failed << " simulations failed (see \"error\" in results.jsonl)\n";
  std::cout << runs::comparison_text(spec, runs::rank_results(spec, configs, results), 5, base.scenario.strategy.name);
  std::cout << "wrote:\n  " << results_path << "\n  " << (dir / "pruned.json").string() << "\n  "
            << (dir / "best.json").string() << "\n";
  return core::kExitSuccess;
}

}  // namespace

Command add_sweep_command(CLI::App& parent) {
  auto options = std::make_shared<SweepOptions>();
  CLI::App* sub = parent.add_subcommand("sweep", "Simulate every configuration of a sweep file and rank them");
  sub->add_option("sweep", options->sweep_path, "Sweep JSON file (see sweeps/README.md)")
      ->required()
      ->type_name("SWEEP.json");
  sub->add_option("--jobs,-j", options->jobs, "Simulations run at once, each in its own process (default 2)")
      ->type_name("N");
  sub->add_option("--out", options->out_dir, "Output folder (default: out/sweeps/<sweep name>)")->type_name("DIR");
  sub->add_option("--shard", options->shard, "Run only configurations whose index % n == i (job arrays)")
      ->type_name("i/n");
  options->budget.add_to(*sub);
  sub->footer(
      "Enumerates the Cartesian product of the sweep's axes (dotted --set paths) over its base\n"
      "scenario, prunes before simulating (validation failures by rule, the GPU-count\n"
      "constraint, an analytical memory lower bound above HBM; counts in DIR/pruned.json),\n"
      "simulates the rest each in its own process, appends one JSON line per result to\n"
      "DIR/results.jsonl as it finishes, and writes the top configurations by the objective\n"
      "to DIR/best.json. Rerunning with the same DIR skips configurations already in\n"
      "results.jsonl. Progress and a throughput summary go to stderr.\n"
      "Distributed: `mpirun -np N lcperf sweep ...` deals the surviving configurations out\n"
      "to N ranks (each still forking up to --jobs simulations) and rank 0 gathers every\n"
      "result line into DIR; combine with --shard for job arrays of MPI jobs.\n"
      "Exit code 0 on success (failed simulations are recorded, not fatal), 2 on bad input.\n"
      "\n"
      "Example:\n"
      "  lcperf sweep sweeps/qwen2.5-7b-32k-chunkflow-vs-megatron.json --jobs 2 --out out/sw");
  return Command{sub, [options] { return run_sweep(*options); }};
}

}  // namespace lcperf::cli
