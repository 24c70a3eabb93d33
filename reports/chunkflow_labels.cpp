#include "reports/chunkflow_labels.hpp"

#include "core/memory_tag.hpp"
#include "core/units.hpp"
#include "reports/format.hpp"

namespace lcperf::reports {

std::string kilo_label(std::int64_t tokens) {
  if (tokens % 1024 == 0) return std::to_string(tokens / 1024) + "K";
  return std::to_string(tokens);
}

std::string strategy_label(const core::Scenario& s) {
  std::string label = "`<TP" + std::to_string(s.parallel.tp);
  if (s.parallel.sequence_parallel) label += ", SP";
  if (s.parallel.cp > 1) label += ", CP" + std::to_string(s.parallel.cp);
  label += ", PP" + std::to_string(s.parallel.pp) + ", " + std::string(to_string(s.strategy.recompute)) + "> × DP" +
           std::to_string(s.parallel.dp);
  return label + "`";
}

std::string chunk_label(const core::Scenario& s) {
  // Appended rather than "(" + ...: GCC 12 at -O3 warns falsely (-Wrestrict, bug 105329)
  // on a literal + temporary string.
  std::string label = "(";
  label += kilo_label(s.strategy.chunk_size);
  label += ", ";
  label += std::to_string(s.strategy.k);
  label += ")";
  return label;
}

std::string pair_label(const core::Scenario& s) { return s.model.id + " at " + kilo_label(s.workload.context_length); }

std::string seconds_text(double s) { return printf_string("%.3f s", s); }
std::string milliseconds_text(double s) { return printf_string("%.1f ms", s * 1e3); }
std::string gib_with_unit(double bytes) { return printf_string("%.2f GiB", bytes / kGiB); }
std::string speedup_text(double ratio) { return printf_string("%.2f×", ratio); }
std::string signed_percent_text(double ratio) { return printf_string("%+.1f %%", 100.0 * ratio); }

std::string oom_text(const core::TrainingResult& r) {
  if (!r.oom) return "no";
  return "**OOM** (rank " + std::to_string(r.oom_detail.rank) + ", " + std::string(core::to_string(r.oom_detail.tag)) +
         ")";
}

}  // namespace lcperf::reports
