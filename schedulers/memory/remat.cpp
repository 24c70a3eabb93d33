#include "schedulers/memory/remat.hpp"

#include <algorithm>
#include <numeric>
#include <set>

namespace lcperf::schedulers::memory {

RematPlan plan_remat(const OpGraph& graph, const std::vector<OpId>& order, const Box& box,
                     const RematOptions& options) {
  RematPlan plan;
  plan.order = order;
  const Lifetimes lt = lifetimes(graph, order);
  plan.birth = lt.birth;
  plan.death = lt.death;
  const std::size_t nt = graph.tensors().size();
  std::vector<std::set<int>> uses(nt);
  for (std::size_t t = 0; t < nt; ++t) {
    for (OpId c : graph.tensors()[t].consumers) uses[t].insert(lt.step_of[static_cast<std::size_t>(c)]);
  }
  const Binding hint = upper_corner(box);
  // Latest-born first: extensions only add uses to tensors born earlier.
  std::vector<TensorId> visit(nt);
  std::iota(visit.begin(), visit.end(), 0);
  std::stable_sort(visit.begin(), visit.end(), [&](TensorId a, TensorId b) {
    return lt.birth[static_cast<std::size_t>(a)] > lt.birth[static_cast<std::size_t>(b)];
  });
  for (TensorId t : visit) {
    const std::size_t ti = static_cast<std::size_t>(t);
    const Tensor& tensor = graph.tensor(t);
    if (tensor.producer < 0 || tensor.output || uses[ti].empty()) continue;
    std::vector<int> points{lt.birth[ti]};
    points.insert(points.end(), uses[ti].begin(), uses[ti].end());
    const Op& producer = graph.op(tensor.producer);
    for (std::size_t k = 0; k + 1 < points.size(); ++k) {
      const int after = points[k];
      const int next = points[k + 1];
      if (!producer.recomputable) {
        ++plan.rejected["not_recomputable"];
        continue;
      }
      if (next - after - 1 < options.min_distance) {
        ++plan.rejected["near"];
        continue;
      }
      if (tensor.bytes.evaluate(hint) < options.min_bytes) {
        ++plan.rejected["small"];
        continue;
      }
      RematCandidate c;
      c.tensor = t;
      c.evict_after = after;
      c.regenerate_at = next;
      c.bytes = tensor.bytes;
      c.saving = tensor.bytes;
      c.recompute_flops = producer.flops;
      for (TensorId x : std::set<TensorId>(producer.inputs.begin(), producer.inputs.end())) {
        const std::size_t xi = static_cast<std::size_t>(x);
        if (graph.tensor(x).output || plan.death[xi] >= next) continue;
        c.extended_inputs.push_back(x);
        c.saving -= graph.tensor(x).bytes;
      }
      if (proves_le(compare(c.saving, 0, box, options.compare))) {
        ++plan.rejected["no_saving"];
        continue;
      }
      for (TensorId x : c.extended_inputs) {
        const std::size_t xi = static_cast<std::size_t>(x);
        plan.death[xi] = next;
        uses[xi].insert(next);
      }
      plan.candidates.push_back(std::move(c));
    }
  }
  // By window start, so the run-time walk and reports read in program order.
  std::stable_sort(plan.candidates.begin(), plan.candidates.end(), [](const RematCandidate& a, const RematCandidate& b) {
    return a.evict_after != b.evict_after ? a.evict_after < b.evict_after : a.tensor < b.tensor;
  });
  plan.timeline = live_timeline(graph, plan.birth, plan.death, order.size());
  return plan;
}

RematRun run_remat(const RematPlan& plan, const Binding& at, std::int64_t limit) {
  RematRun run;
  const std::size_t steps = plan.timeline.size();
  std::vector<std::int64_t> bytes(plan.candidates.size());
  std::vector<std::int64_t> flops(plan.candidates.size());
  for (std::size_t c = 0; c < plan.candidates.size(); ++c) {
    bytes[c] = plan.candidates[c].bytes.evaluate(at);
    flops[c] = plan.candidates[c].recompute_flops.evaluate(at);
  }
  std::vector<bool> evicted(plan.candidates.size(), false);
  std::vector<std::int64_t> restored(steps + 1, 0);  // bytes coming back at a regeneration step
  std::int64_t freed = 0;                            // bytes of evictions in force
  for (std::size_t i = 0; i < steps; ++i) {
    freed -= restored[i];
    const std::int64_t base = plan.timeline[i].evaluate(at);
    run.baseline_peak = std::max(run.baseline_peak, base);
    std::int64_t live = base - freed;
    if (live > limit) {
      const int step = static_cast<int>(i);
      std::vector<std::size_t> spanning;
      for (std::size_t c = 0; c < plan.candidates.size(); ++c) {
        const RematCandidate& cand = plan.candidates[c];
        if (!evicted[c] && bytes[c] > 0 && cand.evict_after < step && step < cand.regenerate_at) spanning.push_back(c);
      }
      // Largest size x distance to the next use first (BladeDISC's EvictionManager rule).
      std::stable_sort(spanning.begin(), spanning.end(), [&](std::size_t a, std::size_t b) {
        // double: only the ranking depends on it, and the product may pass 2^63.
        const double sa = static_cast<double>(bytes[a]) * (plan.candidates[a].regenerate_at - step);
        const double sb = static_cast<double>(bytes[b]) * (plan.candidates[b].regenerate_at - step);
        return sa > sb;
      });
      for (std::size_t c : spanning) {
        if (live <= limit) break;
        evicted[c] = true;
        const RematCandidate& cand = plan.candidates[c];
        live -= bytes[c];
        freed += bytes[c];
        restored[static_cast<std::size_t>(cand.regenerate_at)] += bytes[c];
        run.evictions.push_back({static_cast<int>(c), cand.tensor, step, cand.regenerate_at, bytes[c], flops[c]});
        run.recompute_flops = checked::add_or_throw(run.recompute_flops, flops[c]);
      }
      if (live > limit && run.feasible) {
        run.feasible = false;
        run.infeasible_step = step;
        run.shortfall = live - limit;
      }
    }
    run.peak = std::max(run.peak, live);
  }
  return run;
}

}  // namespace lcperf::schedulers::memory
