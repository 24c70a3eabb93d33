#include "reports/markdown_report.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "core/atomic_file.hpp"
#include "core/memory_tag.hpp"
#include "core/units.hpp"
#include "reports/format.hpp"
#include "reports/pipeline_svg.hpp"
#include "reports/text_table.hpp"

namespace lcperf::reports {

namespace {

// Past this many ranks the per-rank table lists the first ones and the peak rank only;
// a 256-GPU report should still be readable.
constexpr std::size_t kMaxMemoryRows = 64;

std::string parallel_text(const core::ParallelConfig& parallel) {
  std::string text = "TP " + std::to_string(parallel.tp);
  if (parallel.sequence_parallel) text += " (sequence parallel)";
  text += " x CP " + std::to_string(parallel.cp) + " x DP " + std::to_string(parallel.dp) + " x PP " +
          std::to_string(parallel.pp);
  if (parallel.virtual_stages > 1) text += " (" + std::to_string(parallel.virtual_stages) + " virtual stages)";
  text += " = " + std::to_string(parallel.world_size()) + " GPUs";
  if (parallel.distributed_optimizer) text += ", distributed optimizer";
  return text;
}

Table scenario_table(const core::Scenario& scenario, const core::TrainingResult& result) {
  const auto& model = scenario.model;
  const auto& cluster = scenario.cluster;
  const auto& parallel = scenario.parallel;
  Table table;
  table.headers = {"setting", "value"};
  table.rows = {
      {"Model", model.id + ": " + std::to_string(model.layers) + " layers, hidden " + std::to_string(model.hidden) +
                    ", " + std::to_string(model.heads) + "/" + std::to_string(model.kv_heads) + " heads, " +
                    printf_string("%.2f B", static_cast<double>(model.total_params()) / 1e9) + " parameters"},
      {"Cluster", std::to_string(cluster.nodes) + " x " + std::to_string(cluster.gpus_per_node) + " " +
                      (cluster.gpu.name.empty() ? cluster.gpu.id : cluster.gpu.name) + " (" +
                      printf_string("%.0f", cluster.gpu.peak_bf16_flops / 1e12) + " TFLOP/s bf16, " +
                      format_bytes(cluster.gpu.hbm_bytes) + " HBM)"},
      {"Parallelism", parallel_text(parallel)},
      {"Micro-batches", std::to_string(parallel.num_micro_batches) + " per DP rank, " +
                            std::to_string(parallel.micro_batch_size) + " sequence(s) each"},
      {"Workload", std::string(to_string(scenario.workload.kind)) + ", sequence length " +
                       std::to_string(scenario.workload.seq_len) + ", " +
                       format_count(static_cast<std::uint64_t>(std::max<std::int64_t>(result.tokens_per_iteration, 0))) +
                       " tokens per iteration"},
      {"Strategy", std::string(to_string(scenario.strategy.name)) + ", schedule " +
                       std::string(to_string(scenario.strategy.schedule)) + ", recompute " +
                       std::string(to_string(scenario.strategy.recompute))},
      {"Simulation", std::string(to_string(scenario.sim.granularity)) + " granularity, " +
                         std::string(to_string(scenario.sim.communication)) + " communication"},
      {"Seed", std::to_string(scenario.seed)},
  };
  if (!scenario.source_path.empty()) table.rows.push_back({"File", "`" + scenario.source_path + "`"});
  return table;
}

// Compute-stream busy time per rank, for the memory table's neighbour column: a rank
// with high memory and low busy time is a candidate for rebalancing stages.
std::map<int, double> compute_busy_by_rank(const core::RunRecords& records) {
  std::map<int, double> busy;
  for (const auto& record : records.timeline) {
    if (record.stream == 0) busy[record.rank] += record.end_s - record.start_s;
  }
  return busy;
}

Table memory_table(const core::Scenario& scenario, const core::TrainingResult& result,
                   const core::RunRecords& records) {
  const auto& peaks = result.peak_memory_bytes_per_rank;
  // Only tags some rank actually used get a column.
  std::vector<int> tags;
  for (int tag = 0; tag < core::kMemoryTagCount; ++tag) {
    for (const auto& per_tag : records.peak_bytes_per_rank_tag) {
      if (static_cast<std::size_t>(tag) < per_tag.size() && per_tag[static_cast<std::size_t>(tag)] > 0) {
        tags.push_back(tag);
        break;
      }
    }
  }
  Table table;
  table.headers = {"rank", "node", "tp/cp/dp/pp", "peak"};
  for (const int tag : tags) table.headers.emplace_back(core::to_string(static_cast<core::MemoryTag>(tag)));
  table.headers.emplace_back("compute busy");
  table.right_aligned.assign(table.headers.size(), true);
  table.right_aligned[2] = false;

  const auto busy = compute_busy_by_rank(records);
  const auto peak_rank = static_cast<std::size_t>(std::max_element(peaks.begin(), peaks.end()) - peaks.begin());
  const int world = scenario.parallel.world_size();
  for (std::size_t rank = 0; rank < peaks.size(); ++rank) {
    if (rank >= kMaxMemoryRows && rank != peak_rank) continue;
    const int r = static_cast<int>(rank);
    std::vector<std::string> row = {std::to_string(rank)};
    row.push_back(rank < records.node_of_rank.size() ? std::to_string(records.node_of_rank[rank]) : "-");
    if (r < world) {
      const core::RankCoord c = core::coord_of(scenario.parallel, r);
      row.push_back(std::to_string(c.tp) + "/" + std::to_string(c.cp) + "/" + std::to_string(c.dp) + "/" +
                    std::to_string(c.pp));
    } else {
      row.emplace_back("-");
    }
    std::string peak = format_bytes(static_cast<double>(peaks[rank]));
    if (rank == peak_rank) peak = "**" + peak + "**";
    row.push_back(peak);
    for (const int tag : tags) {
      const auto& per_tag = rank < records.peak_bytes_per_rank_tag.size() ? records.peak_bytes_per_rank_tag[rank]
                                                                         : std::vector<std::int64_t>{};
      const auto t = static_cast<std::size_t>(tag);
      row.push_back(t < per_tag.size() ? format_bytes(static_cast<double>(per_tag[t])) : "-");
    }
    const auto it = busy.find(r);
    row.push_back(it == busy.end() ? "-" : format_duration(it->second));
    table.rows.push_back(std::move(row));
  }
  return table;
}

std::string oom_section(const core::TrainingResult& result) {
  const auto& oom = result.oom_detail;
  return "## Out of memory\n\nRank " + std::to_string(oom.rank) + " ran out of memory at " + format_duration(oom.time_s) +
         " allocating " + format_bytes(static_cast<double>(oom.requested_bytes)) + " of `" +
         std::string(core::to_string(oom.tag)) + "` with " + format_bytes(static_cast<double>(oom.in_use_bytes)) +
         " of " + format_bytes(static_cast<double>(oom.capacity_bytes)) +
         " in use. The run went on past this point, so the timing metrics describe a configuration that does not "
         "fit.\n\n";
}

}  // namespace

std::string training_report_markdown(const core::Scenario& scenario, const core::TrainingResult& result,
                                     const std::vector<ComparisonRow>& comparisons, const core::RunRecords& records,
                                     const std::string& timeline_svg_file) {
  std::string out = "# Training report: " + scenario.name + "\n\n";
  out += "## Scenario\n\n" + render_markdown(scenario_table(scenario, result)) + "\n";
  out += "## Results\n\n" + render_markdown(training_metrics_table(result)) + "\n";
  if (result.oom) out += oom_section(result);

  out += "## Closed-form check\n\n";
  if (comparisons.empty()) {
    out += "No closed-form values apply to this scenario.\n\n";
  } else {
    out += "Simulated quantities against their analytic values; a large error means the model or the closed form "
           "leaves something out.\n\n";
    out += render_markdown(comparison_table(comparisons)) + "\n";
  }

  out += "## Memory per rank\n\nPeak bytes in use, in total (the largest in bold) and per tag.\n\n";
  out += render_markdown(memory_table(scenario, result, records));
  if (result.peak_memory_bytes_per_rank.size() > kMaxMemoryRows) {
    out += "\nOnly the first " + std::to_string(kMaxMemoryRows) + " ranks and the peak rank are listed; result.json "
           "has every rank.\n";
  }
  out += "\n";

  out += "## Pipeline timeline\n\nForward, backward and recompute on each rank's compute stream; communication on "
         "the thin lane beneath. Gaps are bubbles. Open `timeline.json` in https://ui.perfetto.dev for every op.\n\n";
  if (timeline_svg_file.empty()) {
    out += pipeline_svg(records) + "\n";
  } else {
    out += "![Pipeline timeline](" + timeline_svg_file + ")\n";
  }
  return out;
}

void write_training_report(const std::string& dir, const core::Scenario& scenario, const core::TrainingResult& result,
                           const std::vector<ComparisonRow>& comparisons, const core::RunRecords& records) {
  const std::string prefix = dir.empty() ? std::string() : dir + "/";
  core::write_file_atomically(prefix + "timeline.svg", pipeline_svg(records));
  core::write_file_atomically(prefix + "report.md",
                              training_report_markdown(scenario, result, comparisons, records, "timeline.svg"));
}

}  // namespace lcperf::reports
