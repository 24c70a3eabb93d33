// `lcperf reproduce STUDY [--out FILE.md] [--jobs N] [--quick]`: re-runs a paper's
// experiments on the simulator and writes a Markdown report next to its pictures.
// Studies: `chunkflow` (reproduce_chunkflow.hpp). Every simulation runs in its own
// forked child (reproduce_runner.hpp); this process only loads scenarios and writes files.
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/reproduce_chunkflow.hpp"
#include "cli/reproduce_runner.hpp"
#include "core/atomic_file.hpp"
#include "core/errors.hpp"
#include "core/scenario.hpp"
#include "reports/format.hpp"

namespace lcperf::cli {

namespace {

namespace fs = std::filesystem;

constexpr int kMaxJobs = 64;

struct ReproduceOptions {
  std::string study;
  std::string out;  // empty: reports/reproductions/<study>.md
  int jobs = 2;
  bool quick = false;
};

void check_out_file(const fs::path& path) {
  std::error_code ec;
  if (path.filename().empty() || path.extension() != ".md") {
    throw core::InputError(path.string() + ": --out must name a Markdown file (FILE.md)");
  }
  if (fs::is_directory(path, ec)) throw core::InputError(path.string() + ": --out names an existing folder");
}

void progress_line(const ForkedOutcome& outcome, std::size_t done, std::size_t total) {
  const int width = static_cast<int>(std::to_string(total).size());
  std::string line = reports::printf_string("reproduce: [%*zu/%zu] ", width, done, total) + outcome.id + ": ";
  if (outcome.ok) {
    line += reports::printf_string("%.3f s per iteration", outcome.result.iteration_time_s);
    if (outcome.result.oom) line += ", OOM";
    line += reports::printf_string(" (%.2f s wall)", outcome.result.wall_time_s);
  } else {
    line += "FAILED";
  }
  std::cerr << line << "\n" << std::flush;
}

int run_reproduce(const ReproduceOptions& options) {
  if (options.study != "chunkflow") {
    throw core::InputError("unknown study '" + options.study + "' (known: chunkflow)");
  }
  if (options.jobs < 1 || options.jobs > kMaxJobs) {
    throw core::InputError("--jobs must be in [1, " + std::to_string(kMaxJobs) + "]");
  }
  const fs::path out = options.out.empty() ? fs::path("reports/reproductions") / (options.study + ".md") : fs::path(options.out);
  check_out_file(out);

  const ChunkflowStudy study = plan_chunkflow_study(core::data_dir(), options.quick);
  const std::vector<ForkedRun> runs = chunkflow_runs(study);
  std::cerr << "reproduce: " << options.study << ": " << runs.size() << " simulations, up to " << options.jobs
            << " at a time\n"
            << std::flush;
  const std::vector<ForkedOutcome> outcomes = run_forked(runs, options.jobs, progress_line);

  // Every failure is named; the first decides the exit code (bad input before internal).
  std::string failures;
  bool input_error = false;
  for (const ForkedOutcome& outcome : outcomes) {
    if (outcome.ok) continue;
    failures += "\n  " + outcome.id + ": " + outcome.error;
    input_error = input_error || outcome.input_error;
  }
  if (!failures.empty()) {
    const std::string message = "reproduce " + options.study + ": some simulations failed:" + failures;
    if (input_error) throw core::InputError(message);
    throw std::runtime_error(message);
  }

  // Pictures first, the report last, each atomically: the report never links to a
  // picture that is not there yet.
  const std::string svg_folder = out.stem().string();
  const ReproductionReport report = chunkflow_report(study, outcomes, svg_folder);
  const fs::path base = out.parent_path();
  for (const auto& [relative, svg] : report.svgs) core::write_file_atomically((base / relative).string(), svg);
  core::write_file_atomically(out.string(), report.markdown);
  std::cerr << "reproduce: wrote " << out.string();
  if (!report.svgs.empty()) std::cerr << " and " << report.svgs.size() << " timelines in " << (base / svg_folder).string();
  std::cerr << "\n";
  return kExitSuccess;
}

}  // namespace

Command add_reproduce_command(CLI::App& parent) {
  auto options = std::make_shared<ReproduceOptions>();
  CLI::App* sub = parent.add_subcommand("reproduce", "Re-run a paper's experiments on the simulator and report");
  sub->add_option("study", options->study, "Which study to reproduce: chunkflow")->required()->type_name("STUDY");
  sub->add_option("--out", options->out, "Markdown report to write (default: reports/reproductions/STUDY.md)")
      ->type_name("FILE.md");
  sub->add_option("--jobs,-j", options->jobs, "Simulations run at once, each in its own process (default 2)")
      ->type_name("N");
  sub->add_flag("--quick", options->quick, "Run a small subset (one model, two ablation points), for tests");
  sub->footer(
      "chunkflow: simulates every <name>-megatron.json / <name>-chunkflow.json pair in\n"
      "scenarios/chunkflow/, the (ChunkSize, K) ablation in scenarios/chunkflow/ablation/,\n"
      "and the ablation points again at 32K context, then writes FILE.md with the comparison\n"
      "tables, the paper's claims checked against the numbers, and the pipeline timelines of\n"
      "one pair as SVG files in a folder named after FILE (FILE.md -> FILE/*.svg).\n"
      "Progress goes to stderr; the report is the same for the same scenarios.\n"
      "Exit code 0 on success, 2 on bad input, 1 on internal failure.\n"
      "\n"
      "Example:\n"
      "  lcperf reproduce chunkflow --out reports/reproductions/chunkflow.md --jobs 2");
  return Command{sub, [options] { return run_reproduce(*options); }};
}

}  // namespace lcperf::cli
