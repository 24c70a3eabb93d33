// `lcperf compare MEASURED.jsonl [--out DIR] [--jobs N] [--quiet]`: a user's measured
// runs against their simulations. The rows are read and checked first (a bad row costs
// no simulation time), each row (training or serving) is simulated in its own forked child
// (studies/measured_comparison.hpp), and this process writes compare.json, compare.md,
// compare.html and the scatters as one output set, and prints the table.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/forked_progress.hpp"
#include "cli/output_dir.hpp"
#include "core/atomic_file.hpp"
#include "core/errors.hpp"
#include "core/exit_codes.hpp"
#include "core/output_set.hpp"
#include "reports/measured_comparison.hpp"
#include "studies/measured_comparison.hpp"
#include "studies/measured_runs.hpp"

namespace lcperf::cli {

namespace {

namespace fs = std::filesystem;

struct CompareOptions {
  std::string measured_path;
  std::string out_dir;  // empty: out/compare-<file stem>
  int jobs = 2;
  bool quiet = false;
};

int run_compare(const CompareOptions& options) {
  check_forked_jobs(options.jobs);
  const fs::path dir = options.out_dir.empty()
                           ? fs::path("out") / ("compare-" + fs::path(options.measured_path).stem().string())
                           : fs::path(options.out_dir);
  check_out_dir(dir);
  const studies::MeasuredRuns runs = studies::read_measured_runs(options.measured_path);
  if (!options.quiet) {
    std::cerr << "compare: " << runs.rows.size() << " measured runs in " << runs.path << ", up to " << options.jobs
              << " simulations at a time\n"
              << std::flush;
  }
  const runs::ForkedProgress progress = options.quiet ? runs::ForkedProgress{} : forked_progress("compare");
  const reports::MeasuredComparison comparison = studies::compare_measured_runs(runs, options.jobs, progress);

  // Nothing is written until every simulation has succeeded, and then as one set
  // (core/output_set.hpp): a reader never sees a new compare.json beside old scatters.
  core::OutputSet set(dir);
  const std::vector<reports::ComparisonChart> charts = reports::comparison_charts(comparison);
  std::vector<std::pair<std::string, std::string>> files;
  for (const reports::ComparisonChart& chart : charts) files.emplace_back(chart.file, chart.svg);
  files.emplace_back("compare.json", reports::comparison_json(comparison));
  files.emplace_back("compare.md", reports::comparison_markdown(comparison, charts));
  files.emplace_back("compare.html", reports::comparison_html(comparison, charts));
  for (const auto& [name, text] : files) core::write_file_atomically(set.staged(name).string(), text);
  set.commit();
  std::vector<fs::path> written;
  for (const auto& file : files) written.push_back(set.published(file.first));
  if (options.quiet) return core::kExitSuccess;
  std::cout << reports::comparison_text(comparison) << "\nwrote:\n";
  for (const fs::path& path : written) std::cout << "  " << path.string() << "\n";
  return core::kExitSuccess;
}

}  // namespace

Command add_compare_command(CLI::App& parent) {
  auto options = std::make_shared<CompareOptions>();
  CLI::App* sub = parent.add_subcommand("compare", "Compare measured runs with their simulations");
  sub->add_option("measured", options->measured_path,
                  "Measured runs, one JSON object per line (see validation/measured/README.md)")
      ->required()
      ->type_name("MEASURED.jsonl");
  sub->add_option("--out", options->out_dir, "Output folder (default: out/compare-<file name>)")->type_name("DIR");
  sub->add_option("--jobs,-j", options->jobs, "Simulations run at once, each in its own process (default 2)")
      ->type_name("N");
  sub->add_flag("--quiet,-q", options->quiet, "Print nothing on success (errors still go to stderr)");
  sub->footer(
      "Each line names a scenario (a file, relative to MEASURED.jsonl's folder, or an inline\n"
      "object), --set-style overrides, the measured metrics with their units, a source and\n"
      "an id. Every row is checked before anything runs; then each row (training or\n"
      "serving) is simulated in its own process and compared: error = (simulated -\n"
      "measured) / measured per metric, and the mean absolute error per metric over the\n"
      "rows. Writes DIR/compare.json, DIR/compare.md,\n"
      "DIR/compare.html and DIR/compare-METRIC.svg (simulated vs measured, log-log, with\n"
      "y = x), and prints the table. Progress goes to stderr.\n"
      "Exit code 0 on success, 2 on bad input (the message names the file, line and\n"
      "field), 1 on internal failure.\n"
      "\n"
      "Example:\n"
      "  lcperf compare validation/measured/training-h100.jsonl --out out/compare --jobs 2");
  return Command{sub, [options] { return run_compare(*options); }};
}

}  // namespace lcperf::cli
