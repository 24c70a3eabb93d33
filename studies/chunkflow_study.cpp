#include "studies/chunkflow_study.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "reports/format.hpp"

namespace lcperf::studies {

namespace {

namespace fs = std::filesystem;
using reports::printf_string;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
constexpr double kPaperMaxSpeedup = 4.53;   // the paper's abstract, "up to 4.53x"
constexpr double kSpeedupTolerance = 0.25;  // "agrees" when within 25 % of the headline
constexpr double kContextTolerance = 0.10;  // "changes little": within 10 %

std::vector<fs::path> json_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".json") files.push_back(it->path());
  }
  if (ec) throw core::InputError(dir.string() + ": cannot list the folder (" + ec.message() + ")");
  std::sort(files.begin(), files.end());
  return files;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void require_strategy(const core::Scenario& s, const std::string& name) {
  if (s.strategy.name != name) {
    throw core::InputError(s.source_path + ": $.strategy.name must be '" + name + "' for this study (got '" +
                           s.strategy.name + "')");
  }
}

std::string kilo_label(std::int64_t tokens) {
  if (tokens % 1024 == 0) return std::to_string(tokens / 1024) + "K";
  return std::to_string(tokens);
}

std::string strategy_label(const core::Scenario& s) {
  std::string label = "`<TP" + std::to_string(s.parallel.tp);
  if (s.parallel.sequence_parallel) label += ", SP";
  if (s.parallel.cp > 1) label += ", CP" + std::to_string(s.parallel.cp);
  label += ", PP" + std::to_string(s.parallel.pp) + ", " + s.strategy.recompute + "> × DP" +
           std::to_string(s.parallel.dp);
  return label + "`";
}

std::string chunk_label(const core::Scenario& s) {
  return "(" + kilo_label(s.strategy.chunk_size) + ", " + std::to_string(s.strategy.k) + ")";
}

std::string pair_label(const ChunkflowPair& p) {
  return p.chunkflow.model.id + " at " + kilo_label(p.chunkflow.workload.context_length);
}

std::string seconds(double s) { return printf_string("%.3f s", s); }
std::string gib(double bytes) { return printf_string("%.2f", bytes / kGiB); }
std::string gib_unit(double bytes) { return printf_string("%.2f GiB", bytes / kGiB); }
std::string ratio_x(double r) { return printf_string("%.2f×", r); }
std::string signed_percent(double r) { return printf_string("%+.1f %%", 100.0 * r); }
std::string milliseconds(double s) { return printf_string("%.1f ms", s * 1e3); }

std::string oom_cell(const core::TrainingResult& r) {
  if (!r.oom) return "no";
  return "**OOM** (rank " + std::to_string(r.oom_detail.rank) + ", " +
         std::string(core::to_string(r.oom_detail.tag)) + ")";
}

// A path as the reader finds it in the repository: relative to the data folder's parent.
std::string display_path(const std::string& data_dir, const std::string& path) {
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(fs::absolute(data_dir, ec), ec).parent_path();
  const fs::path file = fs::weakly_canonical(fs::absolute(path, ec), ec);
  const fs::path rel = file.lexically_relative(root);
  return rel.empty() ? fs::path(path).filename().string() : rel.generic_string();
}

double capacity_bytes(const core::Scenario& s) { return s.cluster.gpu.hbm_bytes; }

std::string svg_name(const core::Scenario& s) { return s.name + ".svg"; }

std::string table_row(const std::vector<std::string>& cells) {
  std::string row = "|";
  for (const std::string& cell : cells) row += " " + cell + " |";
  return row + "\n";
}

std::string table_rule(std::size_t columns) {
  std::string rule = "|";
  for (std::size_t i = 0; i < columns; ++i) rule += "---|";
  return rule + "\n";
}

// Results by role, in the order chunkflow_runs() lists them.
struct Results {
  const ChunkflowStudy& study;
  const std::vector<runs::ForkedOutcome>& outcomes;

  const core::TrainingResult& megatron(std::size_t pair) const { return outcomes[2 * pair].result; }
  const core::TrainingResult& chunkflow(std::size_t pair) const { return outcomes[2 * pair + 1].result; }
  const core::TrainingResult& ablation(std::size_t i) const { return outcomes[2 * study.pairs.size() + i].result; }
  const core::TrainingResult& ablation_short(std::size_t i) const {
    return outcomes[2 * study.pairs.size() + study.ablation.size() + i].result;
  }
  double speedup(std::size_t pair) const {
    return megatron(pair).iteration_time_s / chunkflow(pair).iteration_time_s;
  }
  const core::TrainingResult* baseline() const {
    return study.baseline_pair < 0 ? nullptr : &megatron(static_cast<std::size_t>(study.baseline_pair));
  }
};

std::string setup_section(const ChunkflowStudy& study, bool quick) {
  const core::Scenario& s = study.pairs.front().chunkflow;
  std::set<std::uint64_t> seeds;
  std::set<int> batches;
  std::set<std::string> datasets;
  for (const ChunkflowPair& p : study.pairs) {
    for (const core::Scenario* x : {&p.megatron, &p.chunkflow}) {
      seeds.insert(x->seed);
      batches.insert(x->workload.global_batch);
      datasets.insert(x->workload.dataset);
    }
  }
  const auto join = [](const auto& values) {
    std::string text;
    for (const auto& v : values) {
      if (!text.empty()) text += ", ";
      if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) {
        text += "`" + v + "`";
      } else {
        text += std::to_string(v);
      }
    }
    return text;
  };
  std::string out = "## Setup\n\n";
  out += table_row({"item", "value"}) + table_rule(2);
  out += table_row({"cluster", std::to_string(s.cluster.nodes) + " nodes × " + std::to_string(s.cluster.gpus_per_node) +
                                   " " + s.cluster.gpu.name + " (" + gib_unit(capacity_bytes(s)) + " each), `" +
                                   s.cluster.id + "`; assumed: the paper names only the cloud instance type"});
  out += table_row({"dataset", join(datasets) + ": sequence lengths sampled from the long-tail SFT mix, capped at the "
                                                "context length"});
  out += table_row({"global batch", join(batches) + " sequences per iteration, one iteration simulated per run"});
  out += table_row({"seed", join(seeds)});
  out += table_row({"simulation granularity", "`" + s.sim.granularity + "` (one activity per micro-batch or chunk per stage)"});
  out += table_row({"runs", std::to_string(2 * study.pairs.size() + study.ablation.size() + study.ablation_short.size()) +
                                (quick ? " (`--quick`: only the ablation's model and the two ends of the ablation)" : "")});
  out += "\nScenario files (repository paths):\n\n";
  for (const ChunkflowPair& p : study.pairs) {
    out += "- " + pair_label(p) + ": `" + display_path(study.data_dir, p.megatron.source_path) + "`, `" +
           display_path(study.data_dir, p.chunkflow.source_path) + "`\n";
  }
  for (const core::Scenario& a : study.ablation) {
    out += "- ablation " + chunk_label(a) + ": `" + display_path(study.data_dir, a.source_path) + "`\n";
  }
  if (!study.ablation_short.empty()) {
    out += "- the ablation files again with `--set workload.context_length=" + std::to_string(kShortContext) +
           "` for the 32K column of the memory table\n";
  }
  return out + "\n";
}

std::string comparison_section(const Results& r) {
  const ChunkflowStudy& study = r.study;
  std::string out = "## Megatron-LM baseline vs ChunkFlow\n\n";
  out += "Speedup is the baseline's iteration time over ChunkFlow's. Both runs of a row use the same "
         "sampled global batch.\n\n";
  out += table_row({"model", "context", "Megatron-LM baseline", "ChunkFlow (C, K)", "iteration (Megatron)",
                    "iteration (ChunkFlow)", "speedup", "tokens/s (Megatron)", "tokens/s (ChunkFlow)", "MFU (Megatron)",
                    "MFU (ChunkFlow)"});
  out += table_rule(11);
  for (std::size_t i = 0; i < study.pairs.size(); ++i) {
    const ChunkflowPair& p = study.pairs[i];
    const core::TrainingResult& m = r.megatron(i);
    const core::TrainingResult& c = r.chunkflow(i);
    std::string speedup = "**" + ratio_x(r.speedup(i)) + "**";
    if (m.oom) speedup += " (baseline OOM)";
    out += table_row({p.chunkflow.model.id, kilo_label(p.chunkflow.workload.context_length), strategy_label(p.megatron),
                      chunk_label(p.chunkflow) + " " + strategy_label(p.chunkflow), seconds(m.iteration_time_s),
                      seconds(c.iteration_time_s), speedup, reports::format_tokens_per_s(m.tokens_per_s),
                      reports::format_tokens_per_s(c.tokens_per_s), reports::format_percent(m.mfu),
                      reports::format_percent(c.mfu)});
  }
  out += "\n";
  out += table_row({"model", "context", "bubble (Megatron)", "bubble (ChunkFlow)", "DP imbalance (Megatron)",
                    "DP imbalance (ChunkFlow)", "peak memory GiB (Megatron)", "peak memory GiB (ChunkFlow)",
                    "OOM (Megatron)", "OOM (ChunkFlow)"});
  out += table_rule(10);
  for (std::size_t i = 0; i < study.pairs.size(); ++i) {
    const ChunkflowPair& p = study.pairs[i];
    const core::TrainingResult& m = r.megatron(i);
    const core::TrainingResult& c = r.chunkflow(i);
    out += table_row({p.chunkflow.model.id, kilo_label(p.chunkflow.workload.context_length),
                      reports::format_percent(m.bubble_ratio), reports::format_percent(c.bubble_ratio),
                      reports::format_percent(m.dp_imbalance), reports::format_percent(c.dp_imbalance),
                      gib(static_cast<double>(m.peak_memory_bytes)), gib(static_cast<double>(c.peak_memory_bytes)),
                      oom_cell(m), oom_cell(c)});
  }
  out += "\nPeak memory is the largest over ranks; for a run that runs out of memory it is what the run would "
         "have needed, against " +
         gib_unit(capacity_bytes(study.pairs.front().chunkflow)) + " per GPU.\n\n";
  return out;
}

// The row of the ablation that uses the paper's configuration (the shipped ChunkFlow
// scenario of the same model and context); -1 when none matches.
int paper_ablation_point(const ChunkflowStudy& study) {
  if (study.baseline_pair < 0) return -1;
  const core::Scenario& paper = study.pairs[static_cast<std::size_t>(study.baseline_pair)].chunkflow;
  for (std::size_t i = 0; i < study.ablation.size(); ++i) {
    const core::Scenario& a = study.ablation[i];
    if (a.strategy.chunk_size == paper.strategy.chunk_size && a.strategy.k == paper.strategy.k) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

std::string ablation_section(const Results& r) {
  const ChunkflowStudy& study = r.study;
  const core::Scenario& first = study.ablation.front();
  const core::TrainingResult* base = r.baseline();
  const int paper = paper_ablation_point(study);
  std::string out = "## Ablation: ChunkSize × K\n\n";
  out += first.model.id + " at " + kilo_label(first.workload.context_length) + ", " + strategy_label(first) +
         ". Speedup is against the Megatron-LM baseline of the same model and context" +
         (base != nullptr ? " (" + seconds(base->iteration_time_s) + ")" : std::string(" (not run)")) + ".";
  if (paper >= 0) out += " The paper's configuration for this case is marked.";
  out += "\n\n";
  out += table_row({"ChunkSize", "K", "ChunkSize × K", "iteration", "speedup", "tokens/s", "MFU", "bubble",
                    "peak memory GiB", "recompute time", "OOM"});
  out += table_rule(11);
  for (std::size_t i = 0; i < study.ablation.size(); ++i) {
    const core::Scenario& a = study.ablation[i];
    const core::TrainingResult& x = r.ablation(i);
    std::string c = kilo_label(a.strategy.chunk_size);
    if (static_cast<int>(i) == paper) c += " (paper)";
    out += table_row({c, std::to_string(a.strategy.k), kilo_label(a.strategy.chunk_size * a.strategy.k),
                      seconds(x.iteration_time_s),
                      base != nullptr ? ratio_x(base->iteration_time_s / x.iteration_time_s) : std::string("n/a"),
                      reports::format_tokens_per_s(x.tokens_per_s), reports::format_percent(x.mfu),
                      reports::format_percent(x.bubble_ratio), gib(static_cast<double>(x.peak_memory_bytes)),
                      milliseconds(x.recompute_time_s), oom_cell(x)});
  }
  return out + "\n";
}

std::string memory_section(const Results& r) {
  const ChunkflowStudy& study = r.study;
  const core::Scenario& first = study.ablation.front();
  std::string out = "## Peak memory per chunk size: " + kilo_label(kShortContext) + " vs " +
                    kilo_label(first.workload.context_length) + " context\n\n";
  out += "The ablation scenarios run again with the context length set to " + kilo_label(kShortContext) +
         " (same model, parallelism, ChunkSize and K; the sampled batch is capped at the shorter context).\n\n";
  out += table_row({"ChunkSize", "K", "peak GiB at " + kilo_label(kShortContext),
                    "peak GiB at " + kilo_label(first.workload.context_length), "change"});
  out += table_rule(5);
  for (std::size_t i = 0; i < study.ablation.size(); ++i) {
    const double shorter = static_cast<double>(r.ablation_short(i).peak_memory_bytes);
    const double longer = static_cast<double>(r.ablation(i).peak_memory_bytes);
    out += table_row({kilo_label(study.ablation[i].strategy.chunk_size), std::to_string(study.ablation[i].strategy.k),
                      gib(shorter), gib(longer), shorter > 0 ? signed_percent(longer / shorter - 1) : "n/a"});
  }
  return out + "\n";
}

std::string timeline_section(const ChunkflowStudy& study, const std::string& svg_folder) {
  std::string out = "## Timelines\n\n";
  bool any = false;
  for (const ChunkflowPair& p : study.pairs) {
    if (!p.timeline) continue;
    any = true;
    out += "One iteration of " + pair_label(p) +
           ", one row per pipeline stage and data-parallel replica (tensor-parallel rank 0 of each; the other "
           "tensor-parallel ranks run the same ops at the same times).\n\n";
    out += "Megatron-LM baseline " + strategy_label(p.megatron) + ":\n\n";
    out += "![" + p.megatron.name + " timeline](" + svg_folder + "/" + svg_name(p.megatron) + ")\n\n";
    out += "ChunkFlow " + chunk_label(p.chunkflow) + " " + strategy_label(p.chunkflow) + ":\n\n";
    out += "![" + p.chunkflow.name + " timeline](" + svg_folder + "/" + svg_name(p.chunkflow) + ")\n\n";
  }
  if (!any) out += "No pair matches the ablation's model and context, so no timeline was drawn.\n\n";
  return out;
}

std::string join_labels(const std::vector<std::string>& labels) {
  std::string text;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) text += i + 1 == labels.size() ? " and " : ", ";
    text += labels[i];
  }
  return text;
}

std::vector<std::string> agreement_bullets(const Results& r) {
  const ChunkflowStudy& study = r.study;
  std::vector<std::string> bullets;
  const std::size_t n = study.pairs.size();

  // Headline speedup, over pairs where both runs fit in memory.
  int best = -1;
  for (std::size_t i = 0; i < n; ++i) {
    if (r.megatron(i).oom || r.chunkflow(i).oom) continue;
    if (best < 0 || r.speedup(i) > r.speedup(static_cast<std::size_t>(best))) best = static_cast<int>(i);
  }
  if (best >= 0) {
    const double x = r.speedup(static_cast<std::size_t>(best));
    const double off = x / kPaperMaxSpeedup - 1;
    std::string verdict;
    if (std::fabs(off) <= kSpeedupTolerance) {
      verdict = printf_string("%.1f %% %s it, within %.0f %%: agrees", 100 * std::fabs(off), off < 0 ? "below" : "above",
                              100 * kSpeedupTolerance);
    } else if (off < 0) {
      verdict = printf_string("%.1f %%", -100 * off) + " below it: the simulation finds a smaller gain than the paper";
    } else {
      verdict = printf_string("%.1f %%", 100 * off) + " above it: the simulation finds a larger gain than the paper";
    }
    bullets.push_back("The largest speedup over a baseline that fits in memory is " + ratio_x(x) + " (" +
                      pair_label(study.pairs[static_cast<std::size_t>(best)]) + "); paper: up to " +
                      ratio_x(kPaperMaxSpeedup) + ", " + verdict + ".");
  } else {
    bullets.push_back("No configuration has both runs within memory, so no simulated speedup is comparable with the "
                      "paper's up to " + ratio_x(kPaperMaxSpeedup) + ".");
  }
  {
    std::size_t faster = 0;
    double lo = 0, hi = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double s = r.speedup(i);
      if (s > 1) ++faster;
      lo = i == 0 ? s : std::min(lo, s);
      hi = i == 0 ? s : std::max(hi, s);
    }
    bullets.push_back("ChunkFlow is faster than the baseline in " + std::to_string(faster) + " of " + std::to_string(n) +
                      " configurations (speedups from " + ratio_x(lo) + " to " + ratio_x(hi) + ")" +
                      (faster == n ? "." : "; the paper reports no configuration where ChunkFlow is slower: disagrees."));
  }

  // Speedup against context length for a model run at more than one context.
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      const ChunkflowPair& a = study.pairs[i];
      const ChunkflowPair& b = study.pairs[j];
      if (a.chunkflow.model.id != b.chunkflow.model.id ||
          a.chunkflow.workload.context_length == b.chunkflow.workload.context_length) {
        continue;
      }
      bullets.push_back("For " + a.chunkflow.model.id + " the speedup is " + ratio_x(r.speedup(i)) + " at " +
                        kilo_label(a.chunkflow.workload.context_length) + " and " + ratio_x(r.speedup(j)) + " at " +
                        kilo_label(b.chunkflow.workload.context_length) + " context: the gain " +
                        (r.speedup(j) > r.speedup(i) ? "grows" : "shrinks") + " with the context length.");
    }
  }

  // Out of memory.
  for (std::size_t i = 0; i < n; ++i) {
    const ChunkflowPair& p = study.pairs[i];
    if (r.megatron(i).oom) {
      bullets.push_back("The Megatron-LM baseline runs **out of memory** for " + pair_label(p) + " with " +
                        strategy_label(p.megatron) + ": it would need " +
                        gib_unit(static_cast<double>(r.megatron(i).peak_memory_bytes)) + " per GPU against " +
                        gib_unit(capacity_bytes(p.megatron)) +
                        ". The paper's baseline was tuned per configuration and ran, so the simulated baseline "
                        "differs here and this pair's " + ratio_x(r.speedup(i)) +
                        " is left out of the headline comparison.");
    }
    if (r.chunkflow(i).oom) {
      bullets.push_back("ChunkFlow runs **out of memory** for " + pair_label(p) + " " + chunk_label(p.chunkflow) +
                        " (it would need " + gib_unit(static_cast<double>(r.chunkflow(i).peak_memory_bytes)) +
                        "); the paper reports this configuration ran: disagrees.");
    }
  }

  // Pipeline bubbles.
  {
    std::size_t piped = 0, lower = 0;
    int widest = -1;
    double widest_gap = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (study.pairs[i].chunkflow.parallel.pp < 2) continue;
      ++piped;
      const double gap = r.megatron(i).bubble_ratio - r.chunkflow(i).bubble_ratio;
      if (gap > 0) ++lower;
      if (widest < 0 || gap > widest_gap) {
        widest = static_cast<int>(i);
        widest_gap = gap;
      }
    }
    if (piped > 0) {
      const std::size_t w = static_cast<std::size_t>(widest);
      std::string verdict = lower == piped ? "agrees with" : (lower > 0 ? "partly agrees with" : "disagrees with");
      bullets.push_back("ChunkFlow's pipeline bubble ratio is lower than the baseline's in " + std::to_string(lower) +
                        " of the " + std::to_string(piped) + " pipelined configurations (largest change: " +
                        pair_label(study.pairs[w]) + ", " + reports::format_percent(r.megatron(w).bubble_ratio) +
                        " → " + reports::format_percent(r.chunkflow(w).bubble_ratio) + "); this " + verdict +
                        " the paper's account of fewer bubbles under state-aware 1F1B.");
    }
  }

  // Full recompute.
  {
    std::vector<std::string> full, fits;
    double lo = 0, hi = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const ChunkflowPair& p = study.pairs[i];
      if (p.megatron.strategy.recompute != "full") continue;
      full.push_back(pair_label(p));
      if (p.chunkflow.strategy.recompute != "full" && !r.chunkflow(i).oom) {
        const double peak = static_cast<double>(r.chunkflow(i).peak_memory_bytes);
        lo = fits.empty() ? peak : std::min(lo, peak);
        hi = fits.empty() ? peak : std::max(hi, peak);
        fits.push_back(pair_label(p));
      }
    }
    if (!full.empty()) {
      bullets.push_back("Where the baseline needs full recompute (" + join_labels(full) + "), ChunkFlow with " +
                        study.pairs.front().chunkflow.strategy.recompute + " recompute fits in memory in " +
                        std::to_string(fits.size()) + " of " + std::to_string(full.size()) +
                        (fits.empty() ? std::string()
                                      : " (peak " + (lo == hi ? gib_unit(hi) : gib(lo) + "–" + gib_unit(hi)) + ")") +
                        (fits.size() == full.size() ? "; the paper makes the same claim: agrees."
                                                    : "; the paper claims it does in all of them: disagrees."));
    }
  }

  // MFU ranges.
  {
    double mlo = 0, mhi = 0, clo = 0, chi = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double m = r.megatron(i).mfu, c = r.chunkflow(i).mfu;
      mlo = i == 0 ? m : std::min(mlo, m);
      mhi = i == 0 ? m : std::max(mhi, m);
      clo = i == 0 ? c : std::min(clo, c);
      chi = i == 0 ? c : std::max(chi, c);
    }
    bullets.push_back("MFU is " + reports::format_percent(clo) + " to " + reports::format_percent(chi) +
                      " with ChunkFlow and " + reports::format_percent(mlo) + " to " + reports::format_percent(mhi) +
                      " for the baseline (the paper gives no MFU to compare with).");
  }

  // Ablation.
  const std::size_t na = study.ablation.size();
  if (na > 0) {
    std::size_t fastest = 0;
    for (std::size_t i = 1; i < na; ++i) {
      if (r.ablation(i).iteration_time_s < r.ablation(fastest).iteration_time_s) fastest = i;
    }
    const core::TrainingResult* base = r.baseline();
    std::string text = "In the ablation the fastest point is " + chunk_label(study.ablation[fastest]) + " at " +
                       seconds(r.ablation(fastest).iteration_time_s);
    if (base != nullptr) text += " (" + ratio_x(base->iteration_time_s / r.ablation(fastest).iteration_time_s) + " over the baseline)";
    const int paper = paper_ablation_point(study);
    if (paper >= 0) {
      const std::size_t pp = static_cast<std::size_t>(paper);
      if (pp == fastest) {
        text += ", which is the paper's configuration for this case: agrees";
      } else {
        text += "; the paper's configuration " + chunk_label(study.ablation[pp]) + " simulates at " +
                seconds(r.ablation(pp).iteration_time_s) + ", " +
                printf_string("%.1f %%", 100 * (r.ablation(pp).iteration_time_s / r.ablation(fastest).iteration_time_s - 1)) +
                " slower: the simulation prefers a different chunk size";
      }
    }
    bullets.push_back(text + ".");
    if (na >= 3) {
      if (fastest > 0 && fastest + 1 < na) {
        bullets.push_back("Both ends of the ablation are slower than the middle, matching the paper's account: small "
                          "chunks run kernels less efficiently (MFU " + reports::format_percent(r.ablation(0).mfu) +
                          " at " + kilo_label(study.ablation[0].strategy.chunk_size) + " vs " +
                          reports::format_percent(r.ablation(fastest).mfu) + " at " +
                          kilo_label(study.ablation[fastest].strategy.chunk_size) +
                          ") and large chunks leave fewer micro-batches and more bubbles.");
      } else {
        bullets.push_back(std::string("The ") + (fastest == 0 ? "smallest" : "largest") +
                          " chunk size is the fastest, so the simulation does not show the U shape the paper "
                          "describes (too-small chunks losing efficiency, too-large chunks adding bubbles): disagrees.");
      }
    }
    const double b0 = r.ablation(0).bubble_ratio, b1 = r.ablation(na - 1).bubble_ratio;
    bullets.push_back("The bubble ratio goes from " + reports::format_percent(b0) + " at ChunkSize " +
                      kilo_label(study.ablation[0].strategy.chunk_size) + " to " + reports::format_percent(b1) + " at " +
                      kilo_label(study.ablation[na - 1].strategy.chunk_size) + (b1 > b0 ? ": it rises with chunk size, as the paper explains." : ": it does not rise with chunk size, unlike the paper's explanation."));

    // Memory against chunk size and context length.
    bool rising = true;
    for (std::size_t i = 1; i < na; ++i) {
      if (r.ablation(i).peak_memory_bytes < r.ablation(i - 1).peak_memory_bytes) rising = false;
    }
    const double m0 = static_cast<double>(r.ablation(0).peak_memory_bytes);
    const double m1 = static_cast<double>(r.ablation(na - 1).peak_memory_bytes);
    std::string mem = "At " + kilo_label(study.ablation[0].workload.context_length) + " context, peak memory ";
    if (rising) {
      mem += "rises with chunk size, from " + gib_unit(m0) + " at " + kilo_label(study.ablation[0].strategy.chunk_size) +
             " to " + gib_unit(m1) + " at " + kilo_label(study.ablation[na - 1].strategy.chunk_size) +
             " (" + signed_percent(m1 / m0 - 1) + "), as expected: a larger chunk holds more activations.";
    } else {
      std::size_t low = 0;
      for (std::size_t i = 1; i < na; ++i) {
        if (r.ablation(i).peak_memory_bytes < r.ablation(low).peak_memory_bytes) low = i;
      }
      mem += "does not rise steadily with chunk size: " + gib_unit(m0) + " at " +
             kilo_label(study.ablation[0].strategy.chunk_size) + ", lowest " +
             gib_unit(static_cast<double>(r.ablation(low).peak_memory_bytes)) + " at " +
             kilo_label(study.ablation[low].strategy.chunk_size) + ", " + gib_unit(m1) + " at " +
             kilo_label(study.ablation[na - 1].strategy.chunk_size) + " (" + signed_percent(m1 / m0 - 1) +
             " end to end); a larger chunk holds more activations, so a steady rise is expected: this " +
             (m1 > m0 ? "agrees in the overall trend only." : "disagrees.");
    }
    bullets.push_back(mem);
    if (study.ablation_short.size() == na) {
      double lo = 0, hi = 0, worst = 0;
      for (std::size_t i = 0; i < na; ++i) {
        const double change = static_cast<double>(r.ablation(i).peak_memory_bytes) /
                                  static_cast<double>(r.ablation_short(i).peak_memory_bytes) -
                              1;
        lo = i == 0 ? change : std::min(lo, change);
        hi = i == 0 ? change : std::max(hi, change);
        worst = std::max(worst, std::fabs(change));
      }
      bullets.push_back("From " + kilo_label(kShortContext) + " to " +
                        kilo_label(study.ablation[0].workload.context_length) +
                        " context, peak memory per chunk size changes by " + signed_percent(lo) +
                        (hi != lo ? " to " + signed_percent(hi) : std::string()) +
                        "; ChunkFlow bounds activation memory by ChunkSize and K, not by the context length, so little change is "
                        "expected: " +
                        (worst <= kContextTolerance
                             ? "agrees (within " + printf_string("%.0f %%", 100 * kContextTolerance) + ")."
                             : std::string("disagrees, likely because the simulation keeps K/V state for the whole "
                                           "sequence (see below).")));
    }
  }
  return bullets;
}

std::string gaps_section() {
  return "## Known modelling gaps\n\n"
         "- **K/V state for the whole sequence.** The K/V (and dK/dV) state of a long sequence's earlier chunks is "
         "kept on every stage for the whole sequence until its last backward pass; it is the part of ChunkFlow's "
         "memory that grows with context length (small under GQA). How the paper's implementation stores or frees "
         "it is not known.\n"
         "- **Re-forward from saved stage inputs.** Chunks whose activations are dropped (all but the last K of a "
         "long sequence) are recomputed on each stage from the stage's saved input, not sent through the whole "
         "pipeline again; the paper does not say which it does.\n"
         "- **The Megatron-LM baseline packs to the context length.** Each baseline micro-batch packs sampled "
         "sequences up to the full context length, so a 256K micro-batch is mostly short sequences; the paper's "
         "baseline was tuned per configuration and whether it packs is not stated.\n"
         "- **DP assignment is LPT on estimated FLOPs.** Micro-batches and chunks go to data-parallel replicas "
         "longest-first by estimated FLOPs; the paper's balancing may differ, which moves the DP imbalance.\n"
         "- **GPU type assumed.** The paper names a cloud instance type only; H800-80GB nodes of 8 are assumed, so "
         "absolute times and the memory headroom (and with it which baselines run out of memory) are indicative.\n"
         "- **One sampled iteration per run.** Each number comes from one simulated iteration of one sampled global "
         "batch (fixed seed); the paper averages over training.\n"
         "- **\"SP\" read as Megatron sequence parallelism** inside the tensor-parallel group, not as context "
         "parallelism.\n";
}

}  // namespace

ChunkflowStudy plan_chunkflow_study(const std::string& data_dir, bool quick) {
  ChunkflowStudy study;
  study.data_dir = data_dir;
  study.quick = quick;
  const fs::path dir = fs::path(data_dir) / "chunkflow";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw core::InputError(dir.string() + ": the ChunkFlow scenario folder is missing");

  // The ablation decides which model and context the quick run and the timelines use.
  for (const fs::path& file : json_files(dir / "ablation")) {
    core::Scenario s = core::load_scenario(file.string());
    require_strategy(s, "chunkflow");
    study.ablation.push_back(std::move(s));
  }
  if (study.ablation.empty()) throw core::InputError((dir / "ablation").string() + ": no ablation scenarios found");
  std::stable_sort(study.ablation.begin(), study.ablation.end(), [](const core::Scenario& a, const core::Scenario& b) {
    return a.strategy.chunk_size < b.strategy.chunk_size;
  });
  if (quick && study.ablation.size() > 2) {
    study.ablation = {study.ablation.front(), study.ablation.back()};
  }
  const core::Scenario& reference = study.ablation.front();

  const std::string suffix = "-megatron.json";
  for (const fs::path& file : json_files(dir)) {
    const std::string name = file.filename().string();
    if (!ends_with(name, suffix)) continue;
    const fs::path partner = dir / (name.substr(0, name.size() - suffix.size()) + "-chunkflow.json");
    if (!fs::exists(partner, ec)) {
      throw core::InputError(file.string() + ": no ChunkFlow partner " + partner.filename().string());
    }
    ChunkflowPair pair{core::load_scenario(file.string()), core::load_scenario(partner.string()), false};
    require_strategy(pair.megatron, "megatron");
    require_strategy(pair.chunkflow, "chunkflow");
    if (quick && pair.chunkflow.model.id != reference.model.id) continue;
    pair.timeline = pair.chunkflow.model.id == reference.model.id &&
                    pair.chunkflow.workload.context_length == reference.workload.context_length;
    study.pairs.push_back(std::move(pair));
  }
  if (study.pairs.empty()) throw core::InputError(dir.string() + ": no <name>-megatron.json / <name>-chunkflow.json pairs found");
  std::stable_sort(study.pairs.begin(), study.pairs.end(), [](const ChunkflowPair& a, const ChunkflowPair& b) {
    const auto key = [](const ChunkflowPair& p) {
      return std::make_pair(p.chunkflow.model.total_params(), p.chunkflow.workload.context_length);
    };
    return key(a) < key(b);
  });
  for (std::size_t i = 0; i < study.pairs.size(); ++i) {
    if (study.pairs[i].timeline && study.baseline_pair < 0) {
      study.baseline_pair = static_cast<int>(i);
    } else {
      study.pairs[i].timeline = false;  // one pair of pictures is enough
    }
  }

  for (const core::Scenario& a : study.ablation) {
    core::Scenario s = core::load_scenario(
        a.source_path, {core::Override{"workload.context_length", std::to_string(kShortContext)}});
    s.name += "-ctx" + kilo_label(kShortContext);
    study.ablation_short.push_back(std::move(s));
  }
  return study;
}

std::vector<runs::ForkedRun> chunkflow_runs(const ChunkflowStudy& study) {
  std::vector<runs::ForkedRun> planned;
  for (const ChunkflowPair& p : study.pairs) {
    const std::string where = pair_label(p);
    planned.push_back({p.megatron.name, p.megatron, p.timeline,
                    "Megatron-LM baseline, " + where + " (TP rank 0 of each stage and DP replica)"});
    planned.push_back({p.chunkflow.name, p.chunkflow, p.timeline,
                    "ChunkFlow " + chunk_label(p.chunkflow) + ", " + where + " (TP rank 0 of each stage and DP replica)"});
  }
  for (const core::Scenario& s : study.ablation) planned.push_back({s.name, s, false, ""});
  for (const core::Scenario& s : study.ablation_short) planned.push_back({s.name, s, false, ""});
  return planned;
}

ReproductionReport chunkflow_report(const ChunkflowStudy& study, const std::vector<runs::ForkedOutcome>& outcomes,
                                    const std::string& svg_folder) {
  const Results r{study, outcomes};
  ReproductionReport report;
  std::string& md = report.markdown;
  md += "# ChunkFlow reproduction (simulated)\n\n";
  md += "Generated by `lcperf reproduce chunkflow" + std::string(study.quick ? " --quick" : "") +
        "`; `--out` and `--jobs` do not change the content. Every number comes from one simulated training "
        "iteration per scenario on the modelled cluster, with each simulation in its own process; nothing here "
        "was measured on GPUs. The claims compared with are those of the ChunkFlow paper (\"Efficient "
        "Long Context Fine-tuning with Chunk Flow\", ICML 2025, arXiv 2503.02356): its headline speedup, its "
        "Megatron-LM and ChunkFlow configurations (Tables 3 and 4) and its (ChunkSize, K) ablation.\n\n";
  md += setup_section(study, study.quick);
  md += comparison_section(r);
  md += ablation_section(r);
  md += memory_section(r);
  md += timeline_section(study, svg_folder);
  md += "## Where the simulation agrees or disagrees with the paper\n\n";
  for (const std::string& bullet : agreement_bullets(r)) md += "- " + bullet + "\n";
  md += "\n";
  md += gaps_section();

  for (std::size_t i = 0; i < study.pairs.size(); ++i) {
    if (!study.pairs[i].timeline) continue;
    report.svgs.emplace_back(svg_folder + "/" + svg_name(study.pairs[i].megatron), outcomes[2 * i].svg);
    report.svgs.emplace_back(svg_folder + "/" + svg_name(study.pairs[i].chunkflow), outcomes[2 * i + 1].svg);
  }
  return report;
}

}  // namespace lcperf::studies
