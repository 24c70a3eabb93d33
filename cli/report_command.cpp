// `lcperf report DIR [--out FILE.html]`: one self-contained HTML page with plots (and a
// Markdown twin beside it) from the output folder of simulate, replay, sweep or load-curve. The
// kind of folder is told by its files, so the user never has to say which it is.
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/input_file.hpp"
#include "core/output_set.hpp"
#include "core/exit_codes.hpp"
#include "core/atomic_file.hpp"
#include "core/errors.hpp"
#include "core/scenario_options.hpp"
#include "reports/html_report.hpp"

namespace lcperf::cli {

namespace {

namespace fs = std::filesystem;

struct ReportOptions {
  std::string dir;
  std::string out;  // empty: DIR/plots.html (beside simulate's own report.md, not over it)
  bool quiet = false;
};

// A run folder's files are outputs of ours, but the folder is the user's: read bounded.
std::string slurp(const fs::path& path) { return core::read_input_file(path.string(), core::kMaxTraceFileBytes); }

std::string slurp_if_present(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec) ? slurp(path) : std::string();
}

reports::ReportPage page_for(const fs::path& dir) {
  if (fs::exists(dir / "results.jsonl")) {
    return reports::sweep_page(slurp(dir / "results.jsonl"), slurp_if_present(dir / "best.json"));
  }
  if (fs::exists(dir / "load_curve.json")) return reports::load_curve_page(slurp(dir / "load_curve.json"));
  if (!fs::exists(dir / "result.json")) {
    throw core::InputError(dir.string() + ": no result.json, results.jsonl or load_curve.json: not an output folder "
                           "of simulate, replay, sweep or load-curve");
  }
  const std::string result = slurp(dir / "result.json");
  const auto doc = nlohmann::json::parse(result, nullptr, false);
  const std::optional<core::ScenarioKind> kind =
      core::parse_option<core::ScenarioKind>(doc.is_object() ? doc.value("kind", std::string()) : std::string());
  if (!kind) {
    throw core::InputError((dir / "result.json").string() + ": $.kind is neither \"training\" nor \"serving\"");
  }
  if (*kind == core::ScenarioKind::serving) {
    // requests.csv and timeseries.csv are optional: older runs lack them.
    return reports::serving_page(
        reports::ServingRunFiles{result, slurp_if_present(dir / "requests.csv"), slurp_if_present(dir / "timeseries.csv")});
  }
  if (!fs::exists(dir / "timeline.json")) throw core::InputError((dir / "timeline.json").string() + ": missing");
  core::RunRecords records = reports::read_chrome_trace(slurp(dir / "timeline.json"), (dir / "timeline.json").string());
  // memory.csv is optional: without it the page says there is no memory plot.
  reports::read_memory_csv(slurp_if_present(dir / "memory.csv"), (dir / "memory.csv").string(), records);
  return reports::training_page(result, records);
}

int run_report(const ReportOptions& options) {
  const fs::path dir(options.dir);
  if (!fs::is_directory(dir)) throw core::InputError(options.dir + ": not a folder");
  const fs::path html = options.out.empty() ? dir / "plots.html" : fs::path(options.out);
  const fs::path markdown = fs::path(html).replace_extension(".md");
  core::check_output_file(html);
  core::check_output_file(markdown);
  const reports::ReportPage page = page_for(dir);
  core::write_file_atomically(html.string(), reports::html_page(page));
  core::write_file_atomically(markdown.string(), reports::markdown_page(page));
  if (!options.quiet) std::cout << "wrote:\n  " << html.string() << "\n  " << markdown.string() << "\n";
  return core::kExitSuccess;
}

}  // namespace

Command add_report_command(CLI::App& parent) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* sub = parent.add_subcommand("report", "Write an HTML report with plots for an output folder");
  sub->add_option("dir", options->dir, "Output folder of lcperf simulate, replay, sweep or load-curve")->required()->type_name("DIR");
  sub->add_option("--out", options->out, "HTML file to write (default: DIR/plots.html); the Markdown goes beside it")
      ->type_name("FILE.html");
  sub->add_flag("--quiet,-q", options->quiet, "Print nothing on success");
  sub->footer(
      "Reads the folder's files and writes one self-contained HTML page (inline SVG and CSS,\n"
      "nothing fetched) plus the same content as Markdown (FILE.md), each atomically:\n"
      "  simulate (result.json, timeline.json, memory.csv): per-rank timeline with idle time,\n"
      "    memory over time per rank stacked by tag;\n"
      "  replay or serving simulate (result.json, requests.csv, timeseries.csv): latency CDFs\n"
      "    with one step per request and the percentiles marked, the inter-token latency\n"
      "    histogram, KV use, running batch and queue per instance over time, the SLO box;\n"
      "  load-curve (load_curve.json): throughput, goodput and TTFT/TPOT against offered load;\n"
      "  sweep (results.jsonl, best.json): throughput vs peak memory by strategy, Pareto front.\n"
      "\n"
      "Example:\n"
      "  lcperf simulate scenarios/smoke/llama3-8b-8xh200-1f1b.json --out out/smoke\n"
      "  lcperf report out/smoke");
  return {sub, [options] { return run_report(*options); }};
}

}  // namespace lcperf::cli
