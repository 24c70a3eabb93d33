#pragma once
// Live bytes over an op order, and the peak as a symbolic object.
//
// Step i of an order runs op order[i]. A tensor is live at step i when
// birth <= i <= death: birth is its producer's step (0 for graph inputs), death its last
// reader's step (its birth when nothing reads it; the last step for graph outputs). So
// the live bytes of a step count the op's inputs and outputs together, the moment the
// op needs the most.
//
// The symbolic peak is the antichain of timeline points that no other point is proven
// to dominate over the box (under compare()): for every shape in the box, the true peak
// is the largest of these few polynomials, rather than one expression picked by
// evaluating at a guessed shape.
#include <cstdint>
#include <string>
#include <vector>

#include "schedulers/memory/op_graph.hpp"
#include "schedulers/memory/symbolic_compare.hpp"

namespace lcperf::schedulers::memory {

struct Lifetimes {
  std::vector<int> step_of;  // op -> step
  std::vector<int> birth;    // tensor -> step
  std::vector<int> death;    // tensor -> step
};
// Throws std::invalid_argument unless `order` is a topological order of the graph.
Lifetimes lifetimes(const OpGraph& graph, const std::vector<OpId>& order);

// Live bytes of every step, given lifetimes (birth/death may be extended by the caller).
std::vector<Polynomial> live_timeline(const OpGraph& graph, const std::vector<int>& birth,
                                      const std::vector<int>& death, std::size_t steps);
std::vector<Polynomial> live_timeline(const OpGraph& graph, const std::vector<OpId>& order);
std::vector<std::int64_t> live_timeline_at(const OpGraph& graph, const std::vector<OpId>& order, const Binding& at);

struct PeakPoint {
  int step = 0;
  Polynomial bytes;
};

struct SymbolicPeak {
  std::vector<PeakPoint> points;  // non-dominated timeline points, by step

  std::int64_t evaluate(const Binding& at) const;  // max over the points (0 when empty)
  int step_at(const Binding& at) const;            // the step where that max is reached
  std::vector<Polynomial> polynomials() const;
  std::string to_string() const;  // "max(p1 @ step 12, p2 @ step 40)"
};

SymbolicPeak symbolic_peak(const std::vector<Polynomial>& timeline, const Box& box,
                           const CompareOptions& options = {});
SymbolicPeak symbolic_peak(const OpGraph& graph, const std::vector<OpId>& order, const Box& box,
                           const CompareOptions& options = {});
// The peak for one concrete shape: max over the evaluated timeline.
std::int64_t peak_bytes(const OpGraph& graph, const std::vector<OpId>& order, const Binding& at);

}  // namespace lcperf::schedulers::memory
