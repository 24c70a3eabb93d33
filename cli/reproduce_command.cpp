// `lcperf reproduce STUDY [--out FILE.md] [--jobs N] [--quick]`: re-runs a paper's
// experiments on the simulator and writes a Markdown report next to its pictures. This
// file only chooses the study, runs it and writes the files: the studies live in studies/
// (chunkflow_study, flashllm_study, qwen1m_study), their Markdown in reports/
// (chunkflow_report, flashllm_report, qwen1m_report).
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <system_error>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/forked_progress.hpp"
#include "core/output_set.hpp"
#include "core/atomic_file.hpp"
#include "core/errors.hpp"
#include "core/exit_codes.hpp"
#include "core/scenario.hpp"
#include "reports/chunkflow_report.hpp"
#include "reports/flashllm_report.hpp"
#include "reports/format.hpp"
#include "reports/qwen1m_report.hpp"
#include "runs/forked_runs.hpp"
#include "studies/chunkflow_study.hpp"
#include "studies/flashllm_study.hpp"
#include "studies/qwen1m_study.hpp"

namespace lcperf::cli {

namespace {

namespace fs = std::filesystem;

struct ReproduceOptions {
  std::string study;
  std::string out;  // empty: reports/reproductions/<the study's report name>.md
  int jobs = 2;
  bool quick = false;
};

// The report's file name under reports/reproductions/ when --out is not given.
std::string default_report_name(const std::string& study) {
  if (study == "flashllm") return "flash-llm";
  if (study == "qwen1m") return "qwen2.5-1m";
  return study;
}

void check_out_file(const fs::path& path) {
  std::error_code ec;
  if (path.filename().empty() || path.extension() != ".md") {
    throw core::InputError(path.string() + ": --out must name a Markdown file (FILE.md)");
  }
  if (fs::is_directory(path, ec)) throw core::InputError(path.string() + ": --out names an existing folder");
  core::check_output_file(path);
}

// Runs the chosen study and renders its report; `svg_folder` is where the report links
// its pictures from, relative to the report. Only chunkflow forks simulations (one
// process per run); qwen1m and flashllm price in-process and draw no pictures.
reports::ReproductionReport reproduce(const ReproduceOptions& options, const std::string& svg_folder) {
  if (options.study == "qwen1m") {
    return {reports::render_qwen1m_report(studies::run_qwen1m_study(core::data_dir(), options.quick)), {}};
  }
  if (options.study == "flashllm") {
    return {reports::render_flashllm_report(studies::run_flashllm_study(studies::plan_flashllm_study(options.quick))),
            {}};
  }
  const studies::ChunkflowStudy study = studies::plan_chunkflow_study(core::data_dir(), options.quick);
  std::cerr << "reproduce: " << options.study << ": " << studies::chunkflow_runs(study).size()
            << " simulations, up to " << options.jobs << " at a time\n"
            << std::flush;
  const runs::ForkedProgress progress = forked_progress("reproduce");
  return reports::render_chunkflow_report(studies::run_chunkflow_study(study, options.jobs, progress), svg_folder);
}

// Pictures first, the report last, each atomically: the report never links to a picture
// that is not there yet.
void write_report(const fs::path& out, const std::string& svg_folder, const reports::ReproductionReport& report) {
  const fs::path base = out.parent_path();
  for (const auto& [relative, svg] : report.svgs) core::write_file_atomically((base / relative).string(), svg);
  core::write_file_atomically(out.string(), report.markdown);
  std::cerr << "reproduce: wrote " << out.string();
  if (!report.svgs.empty()) std::cerr << " and " << report.svgs.size() << " timelines in " << (base / svg_folder).string();
  std::cerr << "\n";
}

int run_reproduce(const ReproduceOptions& options) {
  if (options.study != "chunkflow" && options.study != "flashllm" && options.study != "qwen1m") {
    throw core::InputError("unknown study '" + options.study + "' (known: chunkflow, flashllm, qwen1m)");
  }
  check_forked_jobs(options.jobs);
  const fs::path out = options.out.empty()
                           ? fs::path("reports/reproductions") / (default_report_name(options.study) + ".md")
                           : fs::path(options.out);
  check_out_file(out);
  const std::string svg_folder = out.stem().string();  // FILE.md -> FILE/*.svg
  write_report(out, svg_folder, reproduce(options, svg_folder));
  return core::kExitSuccess;
}

}  // namespace

Command add_reproduce_command(CLI::App& parent) {
  auto options = std::make_shared<ReproduceOptions>();
  CLI::App* sub = parent.add_subcommand("reproduce", "Re-run a paper's experiments on the simulator and report");
  sub->add_option("study", options->study, "Which study to reproduce: chunkflow, flashllm, qwen1m")->required()->type_name("STUDY");
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
      "flashllm: prices OPT-30B/66B/175B decode steps with dense and Tiled-CSL sparse\n"
      "weights (0/70/80/90 %) on A100-80GB and H200 from the cost model, and writes the\n"
      "kernel table, GPU counts and tokens per GPU-second (default FILE:\n"
      "reports/reproductions/flash-llm.md).\n"
      "qwen1m: single-request prefill of scenarios/qwen1m/*-prefill.json at 128K-1M\n"
      "tokens, dense vs sparse attention, 32K and 128K chunks, peak memory and DCPP vs\n"
      "fixed chunks (default FILE: reports/reproductions/qwen2.5-1m.md).\n"
      "Progress goes to stderr; the report is the same for the same scenarios.\n"
      "Exit code 0 on success, 2 on bad input, 1 on internal failure.\n"
      "\n"
      "Example:\n"
      "  lcperf reproduce chunkflow --out reports/reproductions/chunkflow.md --jobs 2");
  return Command{sub, [options] { return run_reproduce(*options); }};
}

}  // namespace lcperf::cli
