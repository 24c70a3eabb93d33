#include "schedulers/memory/op_schedule.hpp"

#include <algorithm>
#include <set>

namespace lcperf::schedulers::memory {

namespace {

// Net bytes after running `o` given how many readers each tensor still waits for.
Polynomial net_delta(const OpGraph& graph, OpId o, const std::vector<int>& pending_readers) {
  const Op& op = graph.op(o);
  Polynomial delta;
  for (TensorId t : op.outputs) {
    const Tensor& tensor = graph.tensor(t);
    if (!tensor.consumers.empty() || tensor.output) delta += tensor.bytes;  // unread outputs free at once
  }
  const std::set<TensorId> inputs(op.inputs.begin(), op.inputs.end());
  for (TensorId t : inputs) {
    const Tensor& tensor = graph.tensor(t);
    if (!tensor.output && pending_readers[static_cast<std::size_t>(t)] == 1) delta -= tensor.bytes;
  }
  return delta;
}

}  // namespace

std::vector<OpId> list_schedule(const OpGraph& graph, const Box& box, const CompareOptions& options,
                                ScheduleStats* stats) {
  const std::size_t n = graph.ops().size();
  std::vector<int> pending_readers(graph.tensors().size(), 0);
  for (std::size_t t = 0; t < graph.tensors().size(); ++t) {
    pending_readers[t] = static_cast<int>(graph.tensors()[t].consumers.size());
  }
  // Ops wait for the distinct producers of their inputs.
  std::vector<int> waiting(n, 0);
  std::vector<std::vector<OpId>> dependents(n);
  for (std::size_t o = 0; o < n; ++o) {
    std::set<OpId> producers;
    for (TensorId t : graph.ops()[o].inputs) {
      if (graph.tensor(t).producer >= 0) producers.insert(graph.tensor(t).producer);
    }
    waiting[o] = static_cast<int>(producers.size());
    for (OpId p : producers) dependents[static_cast<std::size_t>(p)].push_back(static_cast<OpId>(o));
  }
  std::set<OpId> ready;  // ordered by program position, the last tie-break
  for (std::size_t o = 0; o < n; ++o) {
    if (waiting[o] == 0) ready.insert(static_cast<OpId>(o));
  }
  const Binding hint = upper_corner(box);
  ScheduleStats local;
  std::vector<OpId> order;
  order.reserve(n);
  while (!ready.empty()) {
    OpId best = *ready.begin();
    if (ready.size() > 1) {
      ++local.decisions;
      Polynomial best_delta = net_delta(graph, best, pending_readers);
      for (auto it = std::next(ready.begin()); it != ready.end(); ++it) {
        const Polynomial delta = net_delta(graph, *it, pending_readers);
        const Ordering o = compare(delta, best_delta, box, options);
        bool better = o == Ordering::less_equal;
        if (o == Ordering::unknown) {
          ++local.unknown_compares;
          better = delta.evaluate(hint) < best_delta.evaluate(hint);
        }
        if (better) {
          best = *it;
          best_delta = delta;
        }
      }
    }
    ready.erase(best);
    order.push_back(best);
    for (TensorId t : std::set<TensorId>(graph.op(best).inputs.begin(), graph.op(best).inputs.end())) {
      --pending_readers[static_cast<std::size_t>(t)];
    }
    for (OpId d : dependents[static_cast<std::size_t>(best)]) {
      if (--waiting[static_cast<std::size_t>(d)] == 0) ready.insert(d);
    }
  }
  if (stats) *stats = local;
  return order;
}

ScheduleResult schedule_for_memory(const OpGraph& graph, const Box& box, const CompareOptions& options) {
  ScheduleResult r;
  r.candidate = list_schedule(graph, box, options, &r.stats);
  const std::vector<OpId> program = graph.program_order();
  r.program_peak = symbolic_peak(graph, program, box, options);
  const SymbolicPeak candidate_peak = symbolic_peak(graph, r.candidate, box, options);
  r.accepted = proves_max_le(candidate_peak.polynomials(), r.program_peak.polynomials(), box, options);
  r.order = r.accepted ? r.candidate : program;
  r.peak = r.accepted ? candidate_peak : r.program_peak;
  return r;
}

}  // namespace lcperf::schedulers::memory
