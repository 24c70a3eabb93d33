#include "reports/chunkflow_verdicts.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "reports/chunkflow_labels.hpp"
#include "reports/format.hpp"

namespace lcperf::reports {

namespace {

constexpr double kPaperMaxSpeedup = 4.53;   // the paper's abstract, "up to 4.53x"
constexpr double kSpeedupTolerance = 0.25;  // "agrees" when within 25 % of the headline
constexpr double kContextTolerance = 0.10;  // "changes little": within 10 %

using Bullets = std::vector<std::string>;

double peak_bytes(const core::TrainingResult& r) { return static_cast<double>(r.peak_memory_bytes); }

std::string join_labels(const std::vector<std::string>& labels) {
  std::string text;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) text += i + 1 == labels.size() ? " and " : ", ";
    text += labels[i];
  }
  return text;
}

// The largest speedup over a baseline that fits in memory, against the paper's headline.
void headline_speedup(const ChunkflowResults& results, Bullets& bullets) {
  const ChunkflowPairRuns* best = nullptr;
  for (const ChunkflowPairRuns& p : results.pairs) {
    if (p.megatron.result.oom || p.chunkflow.result.oom) continue;
    if (best == nullptr || p.speedup() > best->speedup()) best = &p;
  }
  if (best == nullptr) {
    bullets.push_back("No configuration has both runs within memory, so no simulated speedup is comparable with the "
                      "paper's up to " + speedup_text(kPaperMaxSpeedup) + ".");
    return;
  }
  const double x = best->speedup();
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
  bullets.push_back("The largest speedup over a baseline that fits in memory is " + speedup_text(x) + " (" +
                    pair_label(best->chunkflow.scenario) + "); paper: up to " + speedup_text(kPaperMaxSpeedup) +
                    ", " + verdict + ".");
}

void speedup_range(const ChunkflowResults& results, Bullets& bullets) {
  const std::size_t n = results.pairs.size();
  std::size_t faster = 0;
  double lo = 0, hi = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double s = results.pairs[i].speedup();
    if (s > 1) ++faster;
    lo = i == 0 ? s : std::min(lo, s);
    hi = i == 0 ? s : std::max(hi, s);
  }
  bullets.push_back("ChunkFlow is faster than the baseline in " + std::to_string(faster) + " of " + std::to_string(n) +
                    " configurations (speedups from " + speedup_text(lo) + " to " + speedup_text(hi) + ")" +
                    (faster == n ? "." : "; the paper reports no configuration where ChunkFlow is slower: disagrees."));
}

// Speedup against context length for a model run at more than one context.
void context_trend(const ChunkflowResults& results, Bullets& bullets) {
  const std::vector<ChunkflowPairRuns>& pairs = results.pairs;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    for (std::size_t j = i + 1; j < pairs.size(); ++j) {
      const core::Scenario& a = pairs[i].chunkflow.scenario;
      const core::Scenario& b = pairs[j].chunkflow.scenario;
      if (a.model.id != b.model.id || a.workload.context_length == b.workload.context_length) continue;
      bullets.push_back("For " + a.model.id + " the speedup is " + speedup_text(pairs[i].speedup()) + " at " +
                        kilo_label(a.workload.context_length) + " and " + speedup_text(pairs[j].speedup()) + " at " +
                        kilo_label(b.workload.context_length) + " context: the gain " +
                        (pairs[j].speedup() > pairs[i].speedup() ? "grows" : "shrinks") +
                        " with the context length.");
    }
  }
}

void out_of_memory(const ChunkflowResults& results, Bullets& bullets) {
  for (const ChunkflowPairRuns& p : results.pairs) {
    const core::Scenario& m = p.megatron.scenario;
    const core::Scenario& c = p.chunkflow.scenario;
    if (p.megatron.result.oom) {
      bullets.push_back("The Megatron-LM baseline runs **out of memory** for " + pair_label(c) + " with " +
                        strategy_label(m) + ": it would need " + gib_with_unit(peak_bytes(p.megatron.result)) +
                        " per GPU against " + gib_with_unit(m.cluster.gpu.hbm_bytes) +
                        ". The paper's baseline was tuned per configuration and ran, so the simulated baseline "
                        "differs here and this pair's " + speedup_text(p.speedup()) +
                        " is left out of the headline comparison.");
    }
    if (p.chunkflow.result.oom) {
      bullets.push_back("ChunkFlow runs **out of memory** for " + pair_label(c) + " " + chunk_label(c) +
                        " (it would need " + gib_with_unit(peak_bytes(p.chunkflow.result)) +
                        "); the paper reports this configuration ran: disagrees.");
    }
  }
}

void pipeline_bubbles(const ChunkflowResults& results, Bullets& bullets) {
  std::size_t piped = 0, lower = 0;
  const ChunkflowPairRuns* widest = nullptr;
  double widest_gap = 0;
  for (const ChunkflowPairRuns& p : results.pairs) {
    if (p.chunkflow.scenario.parallel.pp < 2) continue;
    ++piped;
    const double gap = p.megatron.result.bubble_ratio - p.chunkflow.result.bubble_ratio;
    if (gap > 0) ++lower;
    if (widest == nullptr || gap > widest_gap) {
      widest = &p;
      widest_gap = gap;
    }
  }
  if (piped == 0) return;
  const std::string verdict = lower == piped ? "agrees with" : (lower > 0 ? "partly agrees with" : "disagrees with");
  bullets.push_back("ChunkFlow's pipeline bubble ratio is lower than the baseline's in " + std::to_string(lower) +
                    " of the " + std::to_string(piped) + " pipelined configurations (largest change: " +
                    pair_label(widest->chunkflow.scenario) + ", " + format_percent(widest->megatron.result.bubble_ratio) +
                    " → " + format_percent(widest->chunkflow.result.bubble_ratio) + "); this " + verdict +
                    " the paper's account of fewer bubbles under state-aware 1F1B.");
}

// Where the baseline needs full recompute, does ChunkFlow fit without it?
void full_recompute(const ChunkflowResults& results, Bullets& bullets) {
  std::vector<std::string> full, fits;
  double lo = 0, hi = 0;
  for (const ChunkflowPairRuns& p : results.pairs) {
    if (p.megatron.scenario.strategy.recompute != core::RecomputePolicy::full) continue;
    full.push_back(pair_label(p.chunkflow.scenario));
    if (p.chunkflow.scenario.strategy.recompute != core::RecomputePolicy::full && !p.chunkflow.result.oom) {
      const double peak = peak_bytes(p.chunkflow.result);
      lo = fits.empty() ? peak : std::min(lo, peak);
      hi = fits.empty() ? peak : std::max(hi, peak);
      fits.push_back(pair_label(p.chunkflow.scenario));
    }
  }
  if (full.empty()) return;
  bullets.push_back("Where the baseline needs full recompute (" + join_labels(full) + "), ChunkFlow with " +
                    std::string(to_string(results.pairs.front().chunkflow.scenario.strategy.recompute)) +
                    " recompute fits in memory in " + std::to_string(fits.size()) + " of " + std::to_string(full.size()) +
                    (fits.empty() ? std::string()
                                  : " (peak " + (lo == hi ? gib_with_unit(hi) : gib_text(lo) + "–" + gib_with_unit(hi)) +
                                        ")") +
                    (fits.size() == full.size() ? "; the paper makes the same claim: agrees."
                                                : "; the paper claims it does in all of them: disagrees."));
}

void mfu_ranges(const ChunkflowResults& results, Bullets& bullets) {
  double mlo = 0, mhi = 0, clo = 0, chi = 0;
  for (std::size_t i = 0; i < results.pairs.size(); ++i) {
    const double m = results.pairs[i].megatron.result.mfu, c = results.pairs[i].chunkflow.result.mfu;
    mlo = i == 0 ? m : std::min(mlo, m);
    mhi = i == 0 ? m : std::max(mhi, m);
    clo = i == 0 ? c : std::min(clo, c);
    chi = i == 0 ? c : std::max(chi, c);
  }
  bullets.push_back("MFU is " + format_percent(clo) + " to " + format_percent(chi) + " with ChunkFlow and " +
                    format_percent(mlo) + " to " + format_percent(mhi) +
                    " for the baseline (the paper gives no MFU to compare with).");
}

std::size_t fastest_ablation_point(const ChunkflowResults& results) {
  std::size_t fastest = 0;
  for (std::size_t i = 1; i < results.ablation.size(); ++i) {
    if (results.ablation[i].result.iteration_time_s < results.ablation[fastest].result.iteration_time_s) fastest = i;
  }
  return fastest;
}

// The fastest (ChunkSize, K), against the baseline and the paper's configuration.
void ablation_fastest(const ChunkflowResults& results, std::size_t fastest, Bullets& bullets) {
  const ChunkflowRun& best = results.ablation[fastest];
  const core::TrainingResult* base = results.baseline();
  std::string text = "In the ablation the fastest point is " + chunk_label(best.scenario) + " at " +
                     seconds_text(best.result.iteration_time_s);
  if (base != nullptr) {
    text += " (" + speedup_text(base->iteration_time_s / best.result.iteration_time_s) + " over the baseline)";
  }
  const int paper = results.paper_ablation_point();
  if (paper >= 0) {
    const ChunkflowRun& chosen = results.ablation[static_cast<std::size_t>(paper)];
    if (static_cast<std::size_t>(paper) == fastest) {
      text += ", which is the paper's configuration for this case: agrees";
    } else {
      text += "; the paper's configuration " + chunk_label(chosen.scenario) + " simulates at " +
              seconds_text(chosen.result.iteration_time_s) + ", " +
              printf_string("%.1f %%", 100 * (chosen.result.iteration_time_s / best.result.iteration_time_s - 1)) +
              " slower: the simulation prefers a different chunk size";
    }
  }
  bullets.push_back(text + ".");
}

// The paper's U shape: both ends of the ablation slower than the middle.
void ablation_shape(const ChunkflowResults& results, std::size_t fastest, Bullets& bullets) {
  const std::vector<ChunkflowRun>& ablation = results.ablation;
  const std::size_t na = ablation.size();
  if (na < 3) return;
  if (fastest > 0 && fastest + 1 < na) {
    bullets.push_back("Both ends of the ablation are slower than the middle, matching the paper's account: small "
                      "chunks run kernels less efficiently (MFU " + format_percent(ablation[0].result.mfu) + " at " +
                      kilo_label(ablation[0].scenario.strategy.chunk_size) + " vs " +
                      format_percent(ablation[fastest].result.mfu) + " at " +
                      kilo_label(ablation[fastest].scenario.strategy.chunk_size) +
                      ") and large chunks leave fewer micro-batches and more bubbles.");
  } else {
    bullets.push_back(std::string("The ") + (fastest == 0 ? "smallest" : "largest") +
                      " chunk size is the fastest, so the simulation does not show the U shape the paper "
                      "describes (too-small chunks losing efficiency, too-large chunks adding bubbles): disagrees.");
  }
}

void ablation_bubbles(const ChunkflowResults& results, Bullets& bullets) {
  const ChunkflowRun& first = results.ablation.front();
  const ChunkflowRun& last = results.ablation.back();
  const double b0 = first.result.bubble_ratio, b1 = last.result.bubble_ratio;
  bullets.push_back("The bubble ratio goes from " + format_percent(b0) + " at ChunkSize " +
                    kilo_label(first.scenario.strategy.chunk_size) + " to " + format_percent(b1) + " at " +
                    kilo_label(last.scenario.strategy.chunk_size) +
                    (b1 > b0 ? ": it rises with chunk size, as the paper explains."
                             : ": it does not rise with chunk size, unlike the paper's explanation."));
}

// Peak memory against chunk size: a larger chunk holds more activations.
void ablation_memory(const ChunkflowResults& results, Bullets& bullets) {
  const std::vector<ChunkflowRun>& ablation = results.ablation;
  const std::size_t na = ablation.size();
  bool rising = true;
  std::size_t low = 0;
  for (std::size_t i = 1; i < na; ++i) {
    if (ablation[i].result.peak_memory_bytes < ablation[i - 1].result.peak_memory_bytes) rising = false;
    if (ablation[i].result.peak_memory_bytes < ablation[low].result.peak_memory_bytes) low = i;
  }
  const double m0 = peak_bytes(ablation[0].result);
  const double m1 = peak_bytes(ablation[na - 1].result);
  const std::string first_chunk = kilo_label(ablation[0].scenario.strategy.chunk_size);
  const std::string last_chunk = kilo_label(ablation[na - 1].scenario.strategy.chunk_size);
  std::string mem = "At " + kilo_label(ablation[0].scenario.workload.context_length) + " context, peak memory ";
  if (rising) {
    mem += "rises with chunk size, from " + gib_with_unit(m0) + " at " + first_chunk + " to " + gib_with_unit(m1) +
           " at " + last_chunk + " (" + signed_percent_text(m1 / m0 - 1) +
           "), as expected: a larger chunk holds more activations.";
  } else {
    mem += "does not rise steadily with chunk size: " + gib_with_unit(m0) + " at " + first_chunk + ", lowest " +
           gib_with_unit(peak_bytes(ablation[low].result)) + " at " +
           kilo_label(ablation[low].scenario.strategy.chunk_size) + ", " + gib_with_unit(m1) + " at " + last_chunk +
           " (" + signed_percent_text(m1 / m0 - 1) +
           " end to end); a larger chunk holds more activations, so a steady rise is expected: this " +
           (m1 > m0 ? "agrees in the overall trend only." : "disagrees.");
  }
  bullets.push_back(mem);
}

// Peak memory against context length: ChunkFlow bounds it by ChunkSize and K.
void context_memory(const ChunkflowResults& results, Bullets& bullets) {
  const std::size_t na = results.ablation.size();
  if (results.ablation_short.size() != na) return;
  double lo = 0, hi = 0, worst = 0;
  for (std::size_t i = 0; i < na; ++i) {
    const double change = peak_bytes(results.ablation[i].result) / peak_bytes(results.ablation_short[i].result) - 1;
    lo = i == 0 ? change : std::min(lo, change);
    hi = i == 0 ? change : std::max(hi, change);
    worst = std::max(worst, std::fabs(change));
  }
  bullets.push_back("From " + kilo_label(results.short_context) + " to " +
                    kilo_label(results.ablation[0].scenario.workload.context_length) +
                    " context, peak memory per chunk size changes by " + signed_percent_text(lo) +
                    (hi != lo ? " to " + signed_percent_text(hi) : std::string()) +
                    "; ChunkFlow bounds activation memory by ChunkSize and K, not by the context length, so little "
                    "change is expected: " +
                    (worst <= kContextTolerance
                         ? "agrees (within " + printf_string("%.0f %%", 100 * kContextTolerance) + ")."
                         : std::string("disagrees, likely because the simulation keeps K/V state for the whole "
                                       "sequence (see below).")));
}

}  // namespace

std::vector<std::string> chunkflow_verdicts(const ChunkflowResults& results) {
  Bullets bullets;
  headline_speedup(results, bullets);
  speedup_range(results, bullets);
  context_trend(results, bullets);
  out_of_memory(results, bullets);
  pipeline_bubbles(results, bullets);
  full_recompute(results, bullets);
  mfu_ranges(results, bullets);
  if (!results.ablation.empty()) {
    const std::size_t fastest = fastest_ablation_point(results);
    ablation_fastest(results, fastest, bullets);
    ablation_shape(results, fastest, bullets);
    ablation_bubbles(results, bullets);
    ablation_memory(results, bullets);
    context_memory(results, bullets);
  }
  return bullets;
}

}  // namespace lcperf::reports
