#pragma once
// Deciding the order of two symbolic sizes over a box of shapes, soundly.
//
// compare(p, q, box) answers, for the integer points x of the box:
//   equal          p(x) == q(x) at every point,
//   greater_equal  p(x) >= q(x) at every point (and not proven equal),
//   less_equal     p(x) <= q(x) at every point (and not proven equal),
//   unknown        none of the above could be proven: the order may depend on the shape
//                  (p and q cross) or the search ran out of budget.
// It never answers wrongly; callers treat unknown as "decide by another rule" (a size
// hint, program order) or as a point for a runtime guard.
//
// Method, on d = p - q (cheapest first):
//   1. d is the zero polynomial -> equal;
//   2. sign test: all coefficients >= 0 -> d >= 0 (symbols are >= 1), all <= 0 -> d <= 0;
//   3. interval bound: every monomial is non-decreasing in every positive symbol, so
//      d's minimum over a box is at least (positive terms at lo + negative terms at hi)
//      and its maximum at most the mirror; a non-negative lower bound proves d >= 0;
//   4. branch and bound: split the box (in the symbol with the widest ratio hi/lo, at the
//      geometric midpoint for wide ranges) and repeat 3 on the halves, up to a budget of
//      boxes. A box shrunk to one point has exact bounds, so small boxes are decided
//      completely; an evaluated point of the wrong sign stops the search early.
#include <cstdint>
#include <string_view>
#include <vector>

#include "schedulers/memory/symbolic.hpp"

namespace lcperf::schedulers::memory {

enum class Ordering { less_equal, equal, greater_equal, unknown };

std::string_view to_string(Ordering ordering);
// Whether an answer proves p <= q (resp. p >= q) everywhere on the box.
inline bool proves_le(Ordering o) { return o == Ordering::less_equal || o == Ordering::equal; }
inline bool proves_ge(Ordering o) { return o == Ordering::greater_equal || o == Ordering::equal; }

struct CompareOptions {
  int max_boxes = 256;  // branch-and-bound budget per direction
};

// Lower and upper bound of p over the box (step 3 above; exact when the box is a point).
struct Interval {
  std::int64_t lo = 0;
  std::int64_t hi = 0;
};
// Throws std::invalid_argument when p uses a symbol the box lacks, SymbolicOverflow when a
// bound does not fit int64.
Interval bounds(const Polynomial& p, const Box& box);

// Throws std::invalid_argument when p or q use a symbol the box lacks; an overflow inside
// the search only makes the answer unknown.
Ordering compare(const Polynomial& p, const Polynomial& q, const Box& box, const CompareOptions& options = {});

// Proves max(lhs) <= max(rhs) at every point of the box (true), or could not (false).
// Used to accept a new schedule only when its peak provably does not exceed the old one:
// each lhs term must be covered on every sub-box, either by one rhs term (bound of the
// difference) or by the best lower bound among the rhs terms.
bool proves_max_le(const std::vector<Polynomial>& lhs, const std::vector<Polynomial>& rhs, const Box& box,
                   const CompareOptions& options = {});

}  // namespace lcperf::schedulers::memory
