#include "runs/validation.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "cost_models/op_class.hpp"
#include "traces/chrome_trace.hpp"

namespace lcperf::runs {

namespace {

using json = nlohmann::json;

std::vector<std::vector<const core::DecisionRecord*>> decisions_by_rank(const core::RunRecords& records) {
  std::vector<std::vector<const core::DecisionRecord*>> by_rank;
  for (const core::DecisionRecord& d : records.decisions) {
    if (d.rank < 0) continue;
    if (static_cast<std::size_t>(d.rank) >= by_rank.size()) by_rank.resize(static_cast<std::size_t>(d.rank) + 1);
    by_rank[static_cast<std::size_t>(d.rank)].push_back(&d);
  }
  return by_rank;
}

std::string shown(const core::DecisionRecord* d) {
  if (d == nullptr) return "(none)";
  std::string text = d->kind + ": " + d->detail;
  if (text.size() > 160) text = text.substr(0, 157) + "...";
  return "'" + text + "'";
}

double quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(values.size() - 1, lo + 1);
  return values[lo] + (values[hi] - values[lo]) * (pos - static_cast<double>(lo));
}

// Collects matched (simulated, measured) pairs per group, then summarises them.
class ErrorCollector {
 public:
  void add(const std::string& group, double simulated_s, double measured_s) {
    Pairs& p = groups_[group];
    p.simulated.push_back(simulated_s);
    p.measured.push_back(measured_s);
  }
  std::map<std::string, ErrorStats> summary() const {
    std::map<std::string, ErrorStats> out;
    for (const auto& [group, p] : groups_) {
      ErrorStats s;
      s.count = p.simulated.size();
      std::vector<double> signed_errors, abs_errors;
      for (std::size_t i = 0; i < s.count; ++i) {
        s.simulated_s += p.simulated[i];
        s.measured_s += p.measured[i];
        const double e = relative_error(p.simulated[i], p.measured[i]);
        signed_errors.push_back(e);
        abs_errors.push_back(std::abs(e));
      }
      s.median_relative_error = quantile(signed_errors, 0.5);
      s.median_abs_relative_error = quantile(abs_errors, 0.5);
      s.p90_abs_relative_error = quantile(abs_errors, 0.9);
      out[group] = s;
    }
    return out;
  }

 private:
  struct Pairs {
    std::vector<double> simulated, measured;
  };
  std::map<std::string, Pairs> groups_;
};

// Ops are matched by (rank, stream, name, micro-batch) and their occurrence among ops
// with that key, in start order.
using OpKey = std::tuple<int, int, std::string, int, int>;

std::map<OpKey, const core::TimelineRecord*> index_ops(const core::RunRecords& records) {
  std::vector<const core::TimelineRecord*> ordered;
  for (const core::TimelineRecord& r : records.timeline) ordered.push_back(&r);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto* a, const auto* b) { return std::tie(a->rank, a->stream, a->start_s) < std::tie(b->rank, b->stream, b->start_s); });
  std::map<std::tuple<int, int, std::string, int>, int> seen;
  std::map<OpKey, const core::TimelineRecord*> index;
  for (const core::TimelineRecord* r : ordered) {
    const int n = seen[{r->rank, r->stream, r->name, r->micro_batch}]++;
    index[{r->rank, r->stream, r->name, r->micro_batch, n}] = r;
  }
  return index;
}

std::string class_of(const core::OpPart& part) {
  const std::optional<cost::OpClass> c = cost::op_class_of(part);
  return c ? std::string(cost::to_string(*c)) : std::string("collective_inline");
}

json stats_json(const std::map<std::string, ErrorStats>& groups) {
  json out = json::object();
  for (const auto& [name, s] : groups) {
    out[name] = {{"count", s.count},
                 {"simulated_s", s.simulated_s},
                 {"measured_s", s.measured_s},
                 {"total_relative_error", relative_error(s.simulated_s, s.measured_s)},
                 {"median_relative_error", s.median_relative_error},
                 {"median_abs_relative_error", s.median_abs_relative_error},
                 {"p90_abs_relative_error", s.p90_abs_relative_error}};
  }
  return out;
}

}  // namespace

double relative_error(double simulated, double measured) {
  return measured > 0 ? (simulated - measured) / measured : 0.0;
}

SpeedNormalized speed_normalized(const Validation& v) {
  SpeedNormalized n;
  if (v.profile_probe_s <= 0 || v.run_probe_s.size() != v.measured_end_s.size() || v.run_probe_s.empty()) return n;
  n.available = true;
  for (std::size_t i = 0; i < v.measured_end_s.size(); ++i) {
    const double factor = v.run_probe_s[i] > 0 ? v.profile_probe_s / v.run_probe_s[i] : 1.0;
    n.measured_s.push_back(v.measured_end_s[i] * factor);
    n.run_relative_errors.push_back(relative_error(v.simulated_end_s, n.measured_s.back()));
  }
  n.measured_median_s = quantile(n.measured_s, 0.5);
  const auto [low, high] = std::minmax_element(v.run_probe_s.begin(), v.run_probe_s.end());
  n.probe_spread = std::max(*high, v.profile_probe_s) / std::min(*low, v.profile_probe_s);
  return n;
}

DecisionComparison compare_decisions(const core::RunRecords& simulated, const core::RunRecords& measured) {
  DecisionComparison c;
  c.simulated = simulated.decisions.size();
  c.measured = measured.decisions.size();
  const auto sim = decisions_by_rank(simulated);
  const auto live = decisions_by_rank(measured);
  std::ostringstream excerpt;
  int shown_lines = 0;
  for (std::size_t rank = 0; rank < std::max(sim.size(), live.size()); ++rank) {
    const auto& a = rank < sim.size() ? sim[rank] : std::vector<const core::DecisionRecord*>{};
    const auto& b = rank < live.size() ? live[rank] : std::vector<const core::DecisionRecord*>{};
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
      const core::DecisionRecord* x = i < a.size() ? a[i] : nullptr;
      const core::DecisionRecord* y = i < b.size() ? b[i] : nullptr;
      if (x && y && x->kind == y->kind && x->detail == y->detail) continue;
      c.identical = false;
      if (shown_lines < 10) {
        excerpt << "rank " << rank << " decision #" << i << ": simulated " << shown(x) << " | measured " << shown(y)
                << "\n";
        ++shown_lines;
      }
      break;  // one line per rank: later entries usually differ as a consequence
    }
  }
  c.excerpt = excerpt.str();
  return c;
}

Validation compare_runs(const core::RunRecords& simulated, const std::vector<backends::LiveResult>& live,
                        const cost::CostModel& model) {
  Validation v;
  v.simulated_end_s = simulated.end_time_s;
  for (const backends::LiveResult& run : live) v.measured_end_s.push_back(run.records.end_time_s);
  v.measured_median_end_s = quantile(v.measured_end_s, 0.5);
  // The run closest to the median stands for the measured timeline.
  double best = -1;
  for (std::size_t i = 0; i < live.size(); ++i) {
    const double d = std::abs(v.measured_end_s[i] - v.measured_median_end_s);
    if (best < 0 || d < best) {
      best = d;
      v.median_run = i;
    }
  }
  if (!live.empty()) v.decisions = compare_decisions(simulated, live[v.median_run].records);
  for (const backends::LiveResult& run : live) {
    const DecisionComparison c = compare_decisions(simulated, run.records);
    if (!c.identical && v.decisions.identical) v.decisions = c;
  }

  const auto sim_ops = index_ops(simulated);
  ErrorCollector categories;
  ErrorCollector classes;
  for (const backends::LiveResult& run : live) {
    for (const auto& [key, measured] : index_ops(run.records)) {
      const auto it = sim_ops.find(key);
      if (it == sim_ops.end()) {
        ++v.ops_unmatched;
        continue;
      }
      ++v.ops_matched;
      categories.add(measured->category, it->second->end_s - it->second->start_s, measured->end_s - measured->start_s);
    }
    for (const backends::PartTiming& part : run.parts) {
      classes.add(class_of(part.part), model.time_s(part.part), part.seconds);
    }
  }
  v.op_categories = categories.summary();
  v.op_classes = classes.summary();

  v.simulated_peak_bytes = simulated.peak_bytes_per_rank;
  v.simulated_oom = simulated.oom.happened;
  if (!live.empty()) {
    v.measured_peak_bytes = live[v.median_run].records.peak_bytes_per_rank;
    v.measured_oom = live[v.median_run].records.oom.happened;
  }
  return v;
}

std::string validation_json(const Validation& v) {
  json end = {{"simulated_s", v.simulated_end_s},
              {"measured_median_s", v.measured_median_end_s},
              {"measured_s", v.measured_end_s},
              {"relative_error", relative_error(v.simulated_end_s, v.measured_median_end_s)}};
  json run_errors = json::array();
  for (double m : v.measured_end_s) run_errors.push_back(relative_error(v.simulated_end_s, m));
  end["run_relative_errors"] = run_errors;
  if (const SpeedNormalized n = speed_normalized(v); n.available) {
    end["at_profile_host_speed"] = {
        {"profile_probe_s", v.profile_probe_s},
        {"run_probe_s", v.run_probe_s},
        {"measured_s", n.measured_s},
        {"measured_median_s", n.measured_median_s},
        {"relative_error", relative_error(v.simulated_end_s, n.measured_median_s)},
        {"run_relative_errors", n.run_relative_errors},
        {"probe_spread", n.probe_spread},
        {"host_speed_steady", n.probe_spread <= kSteadyProbeSpread},
    };
  }

  json peaks = json::array();
  for (std::size_t r = 0; r < std::max(v.simulated_peak_bytes.size(), v.measured_peak_bytes.size()); ++r) {
    const std::int64_t s = r < v.simulated_peak_bytes.size() ? v.simulated_peak_bytes[r] : 0;
    const std::int64_t m = r < v.measured_peak_bytes.size() ? v.measured_peak_bytes[r] : 0;
    peaks.push_back({{"rank", r},
                     {"simulated_bytes", s},
                     {"measured_bytes", m},
                     {"relative_error", relative_error(static_cast<double>(s), static_cast<double>(m))}});
  }
  json set_aside = json::array();
  for (const SetAsideRun& run : v.set_aside_runs) {
    set_aside.push_back({{"measured_s", run.measured_s}, {"cpu_share", run.cpu_share}});
  }
  json out = {
      {"scenario", v.scenario},
      {"backend", "cpu"},
      {"device_profile", v.device_profile},
      {"relative_error_definition", "(simulated - measured) / measured"},
      {"ranks", v.ranks},
      {"hardware_threads", v.hardware_threads},
      {"live_cpu_share", v.live_cpu_share},
      {"set_aside_runs", set_aside},
      {"ranks_exceed_hardware_threads", v.hardware_threads > 0 && static_cast<unsigned>(v.ranks) > v.hardware_threads},
      {"runs", v.measured_end_s.size()},
      {"decision_logs_identical", v.decisions.identical},
      {"decisions", {{"simulated", v.decisions.simulated}, {"measured", v.decisions.measured}, {"diff_excerpt", v.decisions.excerpt}}},
      {"end_to_end", end},
      {"op_classes", stats_json(v.op_classes)},
      {"op_categories", stats_json(v.op_categories)},
      {"ops_matched", v.ops_matched},
      {"ops_unmatched", v.ops_unmatched},
      {"peak_memory", peaks},
      {"oom", {{"simulated", v.simulated_oom}, {"measured", v.measured_oom}}},
  };
  return out.dump(2) + "\n";
}

std::string side_by_side_trace_json(const core::RunRecords& simulated, const core::RunRecords& measured,
                                    const std::string& scenario_name) {
  // The measured run's nodes are numbered after the simulated run's, so the two runs
  // land in separate processes; names and thread ids are then made explicit.
  int nodes = 1;
  for (int n : simulated.node_of_rank) nodes = std::max(nodes, n + 1);
  core::RunRecords shifted = measured;
  if (shifted.node_of_rank.empty()) shifted.node_of_rank.assign(simulated.node_of_rank.size(), 0);
  for (int& n : shifted.node_of_rank) n += nodes;
  json sim = json::parse(traces::chrome_trace_json(simulated, scenario_name));
  json live = json::parse(traces::chrome_trace_json(shifted, scenario_name));
  constexpr int kMeasuredTidOffset = 100000;
  json events = json::array();
  for (auto [trace, label, measured_side] : {std::tuple<json*, const char*, bool>{&sim, "simulated", false},
                                             std::tuple<json*, const char*, bool>{&live, "measured", true}}) {
    for (json& e : (*trace)["traceEvents"]) {
      if (measured_side && e.contains("tid") && e["tid"].is_number_integer() && e["tid"].get<int>() != 0) {
        e["tid"] = e["tid"].get<int>() + kMeasuredTidOffset;
      }
      if (e.value("name", "") == "process_name" && e.value("ph", "") == "M") {
        const int node = e["pid"].get<int>() - 1 - (measured_side ? nodes : 0);
        e["args"]["name"] = std::string(label) + ": node " + std::to_string(node);
      }
      events.push_back(std::move(e));
    }
  }
  sim["traceEvents"] = std::move(events);
  return sim.dump() + "\n";
}

}  // namespace lcperf::runs
