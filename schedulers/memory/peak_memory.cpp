#include "schedulers/memory/peak_memory.hpp"

#include <algorithm>
#include <stdexcept>

namespace lcperf::schedulers::memory {

Lifetimes lifetimes(const OpGraph& graph, const std::vector<OpId>& order) {
  if (!graph.is_topological(order)) throw std::invalid_argument("op order is not a topological order of the graph");
  Lifetimes lt;
  lt.step_of.assign(graph.ops().size(), 0);
  for (std::size_t i = 0; i < order.size(); ++i) lt.step_of[static_cast<std::size_t>(order[i])] = static_cast<int>(i);
  const int last = order.empty() ? 0 : static_cast<int>(order.size()) - 1;
  const auto& tensors = graph.tensors();
  lt.birth.assign(tensors.size(), 0);
  lt.death.assign(tensors.size(), 0);
  for (std::size_t t = 0; t < tensors.size(); ++t) {
    const Tensor& tensor = tensors[t];
    const int birth = tensor.producer >= 0 ? lt.step_of[static_cast<std::size_t>(tensor.producer)] : 0;
    int death = birth;
    for (OpId c : tensor.consumers) death = std::max(death, lt.step_of[static_cast<std::size_t>(c)]);
    if (tensor.output) death = last;
    lt.birth[t] = birth;
    lt.death[t] = death;
  }
  return lt;
}

std::vector<Polynomial> live_timeline(const OpGraph& graph, const std::vector<int>& birth,
                                      const std::vector<int>& death, std::size_t steps) {
  // Difference array: +size at birth, -size after death, then a running sum.
  std::vector<Polynomial> delta(steps + 1);
  for (std::size_t t = 0; t < graph.tensors().size(); ++t) {
    delta[static_cast<std::size_t>(birth[t])] += graph.tensors()[t].bytes;
    delta[static_cast<std::size_t>(death[t]) + 1] -= graph.tensors()[t].bytes;
  }
  std::vector<Polynomial> live(steps);
  Polynomial running;
  for (std::size_t i = 0; i < steps; ++i) {
    running += delta[i];
    live[i] = running;
  }
  return live;
}

std::vector<Polynomial> live_timeline(const OpGraph& graph, const std::vector<OpId>& order) {
  const Lifetimes lt = lifetimes(graph, order);
  return live_timeline(graph, lt.birth, lt.death, order.size());
}

std::vector<std::int64_t> live_timeline_at(const OpGraph& graph, const std::vector<OpId>& order, const Binding& at) {
  const Lifetimes lt = lifetimes(graph, order);
  std::vector<std::int64_t> delta(order.size() + 1, 0);
  for (std::size_t t = 0; t < graph.tensors().size(); ++t) {
    const std::int64_t bytes = graph.tensors()[t].bytes.evaluate(at);
    delta[static_cast<std::size_t>(lt.birth[t])] = checked::add_or_throw(delta[static_cast<std::size_t>(lt.birth[t])], bytes);
    delta[static_cast<std::size_t>(lt.death[t]) + 1] -= bytes;
  }
  std::vector<std::int64_t> live(order.size());
  std::int64_t running = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    running = checked::add_or_throw(running, delta[i]);
    live[i] = running;
  }
  return live;
}

std::int64_t SymbolicPeak::evaluate(const Binding& at) const {
  std::int64_t best = 0;
  for (const PeakPoint& p : points) best = std::max(best, p.bytes.evaluate(at));
  return best;
}

int SymbolicPeak::step_at(const Binding& at) const {
  int step = -1;
  std::int64_t best = 0;
  for (const PeakPoint& p : points) {
    const std::int64_t v = p.bytes.evaluate(at);
    if (step < 0 || v > best) {
      best = v;
      step = p.step;
    }
  }
  return step;
}

std::vector<Polynomial> SymbolicPeak::polynomials() const {
  std::vector<Polynomial> out;
  for (const PeakPoint& p : points) out.push_back(p.bytes);
  return out;
}

std::string SymbolicPeak::to_string() const {
  std::string out = "max(";
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (i > 0) out += ", ";
    out += points[i].bytes.to_string() + " @ step " + std::to_string(points[i].step);
  }
  return out + ")";
}

SymbolicPeak symbolic_peak(const std::vector<Polynomial>& timeline, const Box& box, const CompareOptions& options) {
  SymbolicPeak peak;
  for (std::size_t i = 0; i < timeline.size(); ++i) {
    const Polynomial& candidate = timeline[i];
    if (!peak.points.empty() && peak.points.back().bytes == candidate) continue;  // common: a plateau
    bool dominated = false;
    for (const PeakPoint& kept : peak.points) {
      if (proves_ge(compare(kept.bytes, candidate, box, options))) {
        dominated = true;
        break;
      }
    }
    if (dominated) continue;
    // Drop the kept points the candidate dominates; every dropped point stays covered
    // (transitively) by a kept one, so the maximum over the antichain is unchanged.
    std::erase_if(peak.points,
                  [&](const PeakPoint& kept) { return proves_ge(compare(candidate, kept.bytes, box, options)); });
    peak.points.push_back({static_cast<int>(i), candidate});
  }
  std::sort(peak.points.begin(), peak.points.end(), [](const PeakPoint& a, const PeakPoint& b) { return a.step < b.step; });
  return peak;
}

SymbolicPeak symbolic_peak(const OpGraph& graph, const std::vector<OpId>& order, const Box& box,
                           const CompareOptions& options) {
  return symbolic_peak(live_timeline(graph, order), box, options);
}

std::int64_t peak_bytes(const OpGraph& graph, const std::vector<OpId>& order, const Binding& at) {
  const std::vector<std::int64_t> live = live_timeline_at(graph, order, at);
  std::int64_t best = 0;
  for (std::int64_t v : live) best = std::max(best, v);
  return best;
}

}  // namespace lcperf::schedulers::memory
