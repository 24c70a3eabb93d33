#include "schedulers/memory/symbolic_compare.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <stdexcept>

namespace lcperf::schedulers::memory {

namespace {

// A polynomial laid out against the box's symbol order, so the search does array work.
struct Compiled {
  std::vector<std::int64_t> coef;
  std::vector<std::vector<int>> exps;  // exps[t][s]: exponent of box symbol s in term t
};

struct SubBox {
  std::vector<std::int64_t> lo;
  std::vector<std::int64_t> hi;
};

struct BoxLayout {
  std::vector<std::string> names;
  SubBox whole;
};

BoxLayout layout_of(const Box& box) {
  validate_box(box);
  BoxLayout layout;
  for (const auto& [name, range] : box) {
    layout.names.push_back(name);
    layout.whole.lo.push_back(range.lo);
    layout.whole.hi.push_back(range.hi);
  }
  return layout;
}

Compiled compile(const Polynomial& p, const BoxLayout& layout) {
  Compiled c;
  for (const auto& [m, coefficient] : p.terms()) {
    std::vector<int> e(layout.names.size(), 0);
    for (const auto& [name, exponent] : m) {
      bool found = false;
      for (std::size_t s = 0; s < layout.names.size(); ++s) {
        if (layout.names[s] == name) {
          e[s] = exponent;
          found = true;
        }
      }
      if (!found) throw std::invalid_argument("symbol " + name + " has no range in the box");
    }
    c.coef.push_back(coefficient);
    c.exps.push_back(std::move(e));
  }
  return c;
}

bool monomial_at(const std::vector<int>& e, const std::vector<std::int64_t>& x, std::int64_t& out) {
  std::int64_t v = 1;
  for (std::size_t s = 0; s < e.size(); ++s) {
    if (e[s] == 0) continue;
    std::int64_t p = 0;
    if (!checked::pow(x[s], e[s], p) || !checked::mul(v, p, v)) return false;
  }
  out = v;
  return true;
}

// Step 3: [lower, upper] of the polynomial over the sub-box. Each side is computed on
// its own and flags its own overflow: proving d >= 0 only needs the lower bound, which
// often fits where the upper one (positive terms at the top corner) does not.
struct Bounds {
  std::int64_t lower = 0;
  std::int64_t upper = 0;
  bool lower_ok = true;
  bool upper_ok = true;
};

Bounds bound(const Compiled& c, const SubBox& b) {
  Bounds r;
  for (std::size_t t = 0; t < c.coef.size(); ++t) {
    // Monomials are non-decreasing in every symbol: the minimum of a positive term is at
    // the lower corner, of a negative term at the upper corner.
    const bool positive = c.coef[t] > 0;
    std::int64_t m = 0;
    std::int64_t v = 0;
    if (r.lower_ok) {
      r.lower_ok = monomial_at(c.exps[t], positive ? b.lo : b.hi, m) && checked::mul(c.coef[t], m, v) &&
                   checked::add(r.lower, v, r.lower);
    }
    if (r.upper_ok) {
      r.upper_ok = monomial_at(c.exps[t], positive ? b.hi : b.lo, m) && checked::mul(c.coef[t], m, v) &&
                   checked::add(r.upper, v, r.upper);
    }
  }
  return r;
}

bool bound(const Compiled& c, const SubBox& b, std::int64_t& lower, std::int64_t& upper) {
  const Bounds r = bound(c, b);
  lower = r.lower;
  upper = r.upper;
  return r.lower_ok && r.upper_ok;
}

bool value_at(const Compiled& c, const std::vector<std::int64_t>& x, std::int64_t& out) {
  SubBox point{x, x};
  std::int64_t upper = 0;
  return bound(c, point, out, upper);
}

// The symbol to split: the widest ratio hi/lo among those the polynomials use; -1 when
// the box is a single point in all of them.
int split_symbol(const SubBox& b, const std::vector<bool>& used) {
  int best = -1;
  double best_ratio = 1.0;
  for (std::size_t s = 0; s < b.lo.size(); ++s) {
    if (!used[s] || b.lo[s] == b.hi[s]) continue;
    const double ratio = static_cast<double>(b.hi[s]) / static_cast<double>(b.lo[s]);
    if (best < 0 || ratio > best_ratio) {
      best = static_cast<int>(s);
      best_ratio = ratio;
    }
  }
  return best;
}

std::pair<SubBox, SubBox> split(const SubBox& b, int s) {
  const std::int64_t lo = b.lo[s];
  const std::int64_t hi = b.hi[s];
  std::int64_t mid = lo + (hi - lo) / 2;
  if (hi >= 4 * lo) {  // wide ranges: monomials grow multiplicatively, cut geometrically
    mid = static_cast<std::int64_t>(std::sqrt(static_cast<double>(lo) * static_cast<double>(hi)));
    mid = std::clamp(mid, lo, hi - 1);
  }
  SubBox left = b;
  SubBox right = b;
  left.hi[s] = mid;
  right.lo[s] = mid + 1;
  return {left, right};
}

std::vector<bool> used_symbols(const std::vector<const Compiled*>& polys, std::size_t n) {
  std::vector<bool> used(n, false);
  for (const Compiled* c : polys) {
    for (const auto& e : c->exps) {
      for (std::size_t s = 0; s < n; ++s) used[s] = used[s] || e[s] > 0;
    }
  }
  return used;
}

enum class Proof { proven, refuted, undecided };

// Steps 3-4: is d >= 0 at every integer point of the box?
Proof prove_non_negative(const Compiled& d, const SubBox& whole, int budget) {
  const std::vector<bool> used = used_symbols({&d}, whole.lo.size());
  std::vector<SubBox> stack{whole};
  bool exhausted = false;
  while (!stack.empty()) {
    SubBox b = std::move(stack.back());
    stack.pop_back();
    const Bounds r = bound(d, b);
    if (r.lower_ok && r.lower >= 0) continue;
    if (r.upper_ok && r.upper < 0) return Proof::refuted;
    std::int64_t v = 0;  // a corner of the wrong sign is a counterexample
    if (value_at(d, b.lo, v) && v < 0) return Proof::refuted;
    if (value_at(d, b.hi, v) && v < 0) return Proof::refuted;
    const int s = split_symbol(b, used);
    if (s < 0 || budget <= 0) {  // a point whose value overflowed, or out of budget
      exhausted = true;
      continue;
    }
    --budget;
    auto [left, right] = split(b, s);
    stack.push_back(std::move(right));
    stack.push_back(std::move(left));
  }
  return exhausted ? Proof::undecided : Proof::proven;
}

}  // namespace

std::string_view to_string(Ordering ordering) {
  switch (ordering) {
    case Ordering::less_equal: return "less_equal";
    case Ordering::equal: return "equal";
    case Ordering::greater_equal: return "greater_equal";
    case Ordering::unknown: return "unknown";
  }
  return "?";
}

Interval bounds(const Polynomial& p, const Box& box) {
  const BoxLayout layout = layout_of(box);
  const Compiled c = compile(p, layout);
  Interval r;
  if (!bound(c, layout.whole, r.lo, r.hi)) throw SymbolicOverflow("bounds of " + p.to_string() + " overflow int64");
  return r;
}

Ordering compare(const Polynomial& p, const Polynomial& q, const Box& box, const CompareOptions& options) {
  const BoxLayout layout = layout_of(box);
  compile(p, layout);  // reject symbols without a range even when d cancels them
  compile(q, layout);
  Polynomial d;
  try {
    d = p - q;
  } catch (const SymbolicOverflow&) {
    return Ordering::unknown;
  }
  if (d.is_zero()) return Ordering::equal;                               // step 1
  if (d.all_coefficients_non_negative()) return Ordering::greater_equal;  // step 2
  if (d.all_coefficients_non_positive()) return Ordering::less_equal;
  const Compiled cd = compile(d, layout);
  Polynomial neg;
  try {
    neg = -d;
  } catch (const SymbolicOverflow&) {
    return Ordering::unknown;
  }
  const Compiled cn = compile(neg, layout);
  const Proof ge = prove_non_negative(cd, layout.whole, options.max_boxes);
  // A refuted direction needs no search in the other: d < 0 somewhere already rules
  // out equal, and d <= 0 can still hold.
  const Proof le = prove_non_negative(cn, layout.whole, options.max_boxes);
  if (ge == Proof::proven && le == Proof::proven) return Ordering::equal;
  if (ge == Proof::proven) return Ordering::greater_equal;
  if (le == Proof::proven) return Ordering::less_equal;
  return Ordering::unknown;
}

bool proves_max_le(const std::vector<Polynomial>& lhs, const std::vector<Polynomial>& rhs, const Box& box,
                   const CompareOptions& options) {
  if (lhs.empty()) return true;
  if (rhs.empty()) return false;
  const BoxLayout layout = layout_of(box);
  std::vector<Compiled> rs;
  for (const Polynomial& r : rhs) rs.push_back(compile(r, layout));
  for (const Polynomial& l : lhs) {
    const Compiled cl = compile(l, layout);
    std::vector<Compiled> diffs;  // r_j - l: proving one of them >= 0 on a sub-box covers it
    try {
      for (const Polynomial& r : rhs) diffs.push_back(compile(r - l, layout));
    } catch (const SymbolicOverflow&) {
      return false;
    }
    std::vector<const Compiled*> all{&cl};
    for (const Compiled& r : rs) all.push_back(&r);
    const std::vector<bool> used = used_symbols(all, layout.names.size());
    int budget = options.max_boxes;
    std::vector<SubBox> stack{layout.whole};
    while (!stack.empty()) {
      SubBox b = std::move(stack.back());
      stack.pop_back();
      bool covered = false;
      for (const Compiled& d : diffs) {
        const Bounds r = bound(d, b);
        if (r.lower_ok && r.lower >= 0) {
          covered = true;
          break;
        }
      }
      if (!covered) {
        // max_j r_j >= max_j lower(r_j) >= upper(l) also covers the sub-box.
        const Bounds lb = bound(cl, b);
        if (lb.upper_ok) {
          for (const Compiled& r : rs) {
            const Bounds rb = bound(r, b);
            if (rb.lower_ok && rb.lower >= lb.upper) {
              covered = true;
              break;
            }
          }
        }
      }
      if (covered) continue;
      const int s = split_symbol(b, used);
      if (s < 0 || budget <= 0) return false;
      --budget;
      auto [left, right] = split(b, s);
      stack.push_back(std::move(right));
      stack.push_back(std::move(left));
    }
  }
  return true;
}

}  // namespace lcperf::schedulers::memory
