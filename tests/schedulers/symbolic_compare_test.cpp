// compare() and proves_max_le() against brute-force evaluation over small boxes: they
// must never answer wrongly, and should decide most comparable cases.
#include "schedulers/memory/symbolic_compare.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

namespace lcperf::schedulers::memory {
namespace {

const Polynomial S = Polynomial::symbol("S");
const Polynomial B = Polynomial::symbol("B");

Polynomial random_poly(std::mt19937_64& rng, const std::vector<std::string>& names, int terms, int max_coef) {
  std::uniform_int_distribution<int> coef(-max_coef, max_coef);
  std::uniform_int_distribution<int> exp(0, 2);
  Polynomial p;
  for (int i = 0; i < terms; ++i) {
    Monomial m;
    for (const std::string& n : names) m[n] = exp(rng);
    p += Polynomial::term(coef(rng), m);
  }
  return p;
}

// Every integer point of the box.
std::vector<Binding> points_of(const Box& box) {
  std::vector<Binding> points{{}};
  for (const auto& [name, range] : box) {
    std::vector<Binding> next;
    for (const Binding& b : points) {
      for (std::int64_t v = range.lo; v <= range.hi; ++v) {
        Binding c = b;
        c[name] = v;
        next.push_back(c);
      }
    }
    points = std::move(next);
  }
  return points;
}

struct Truth {
  bool ge = true;
  bool le = true;
};

Truth truth_of(const Polynomial& p, const Polynomial& q, const Box& box) {
  Truth t;
  for (const Binding& at : points_of(box)) {
    const std::int64_t a = p.evaluate(at);
    const std::int64_t b = q.evaluate(at);
    t.ge = t.ge && a >= b;
    t.le = t.le && a <= b;
  }
  return t;
}

Box random_box(std::mt19937_64& rng, const std::vector<std::string>& names, int max_width) {
  std::uniform_int_distribution<int> lo(1, 6);
  std::uniform_int_distribution<int> width(0, max_width);
  Box box;
  for (const std::string& n : names) {
    const std::int64_t l = lo(rng);
    box[n] = {l, l + width(rng)};
  }
  return box;
}

void check_random(const std::vector<std::string>& names, int cases, int max_width, double max_unknown_rate) {
  std::mt19937_64 rng(12345 + names.size());
  std::uniform_int_distribution<int> terms(1, 4);
  int comparable = 0;
  int unknown = 0;
  for (int i = 0; i < cases; ++i) {
    const Box box = random_box(rng, names, max_width);
    const Polynomial p = random_poly(rng, names, terms(rng), 20);
    // Half the cases share most terms, so near-ties and exact ties come up often.
    const Polynomial q = i % 2 == 0 ? random_poly(rng, names, terms(rng), 20) : p + random_poly(rng, names, 1, 3);
    const Truth t = truth_of(p, q, box);
    const Ordering o = compare(p, q, box);
    SCOPED_TRACE(p.to_string() + " vs " + q.to_string());
    switch (o) {
      case Ordering::equal: EXPECT_TRUE(t.ge && t.le); break;
      case Ordering::greater_equal: EXPECT_TRUE(t.ge); break;
      case Ordering::less_equal: EXPECT_TRUE(t.le); break;
      case Ordering::unknown: break;
    }
    if (t.ge || t.le) {
      ++comparable;
      if (o == Ordering::unknown) ++unknown;
    }
  }
  const double rate = comparable ? static_cast<double>(unknown) / comparable : 0.0;
  std::printf("%zu symbols: %d comparable of %d, unknown on %d (%.2f%%)\n", names.size(), comparable, cases, unknown,
              100.0 * rate);
  EXPECT_LE(rate, max_unknown_rate);
}

TEST(SymbolicCompare, NeverWrongOnRandomPolynomialsOneSymbol) { check_random({"S"}, 3000, 12, 0.0); }
TEST(SymbolicCompare, NeverWrongOnRandomPolynomialsTwoSymbols) { check_random({"S", "B"}, 3000, 6, 0.02); }
TEST(SymbolicCompare, NeverWrongOnRandomPolynomialsThreeSymbols) { check_random({"S", "B", "h"}, 1500, 4, 0.10); }
// Wider ranges than the branch-and-bound budget can enumerate point by point.
TEST(SymbolicCompare, NeverWrongOnRandomPolynomialsWideRanges) { check_random({"S", "B"}, 400, 60, 0.10); }

TEST(SymbolicCompare, DecidesByStepsCheapestFirst) {
  const Box box{{"S", {1, 1 << 20}}, {"B", {1, 16}}};
  EXPECT_EQ(compare(2 * S * B + S, S + 2 * B * S, box), Ordering::equal);             // identical
  EXPECT_EQ(compare(S * S * B + 34 * S, 34 * S, box), Ordering::greater_equal);      // sign test
  EXPECT_EQ(compare(S, S * S, box), Ordering::less_equal);                           // S <= S^2 for S >= 1
  EXPECT_EQ(compare(Polynomial(100), S, {{"S", {100, 4096}}}), Ordering::less_equal);  // interval bound
  // S^2 - 1000 S >= 0 only from S = 1000: bisection is needed on [2000, 2^20] ...
  EXPECT_EQ(compare(2 * S * S + 1000 * S, 3 * S * S, {{"S", {2000, 1 << 20}}}), Ordering::less_equal);
  // ... and the order flips inside [1, 2^20], so no answer is possible there.
  EXPECT_EQ(compare(2 * S * S + 1000 * S, 3 * S * S, {{"S", {1, 1 << 20}}}), Ordering::unknown);
  // A single point is decided exactly.
  EXPECT_EQ(compare(S * S, 4 * S, {{"S", {4, 4}}}), Ordering::equal);
  EXPECT_THROW(compare(S, Polynomial::symbol("Z"), box), std::invalid_argument);
}

TEST(SymbolicCompare, OverflowMakesItUnknownNotWrong) {
  const Box box{{"S", {1, 1LL << 40}}};
  // S^3 at the top overflows int64: the sign test still decides this one ...
  EXPECT_EQ(compare(S.pow(3), S, box), Ordering::greater_equal);
  // ... but a mixed-sign difference whose bounds overflow stays unknown.
  EXPECT_EQ(compare(S.pow(3), 7 * S.pow(2) + 5, box), Ordering::unknown);
  EXPECT_THROW(bounds(S.pow(3), box), SymbolicOverflow);
  const Interval i = bounds(3 * S - 2, {{"S", {2, 5}}});
  EXPECT_EQ(i.lo, 4);
  EXPECT_EQ(i.hi, 13);
}

TEST(SymbolicCompare, MaxComparisonNeverWrong) {
  std::mt19937_64 rng(99);
  const std::vector<std::string> names{"S", "B"};
  int proven = 0;
  for (int i = 0; i < 600; ++i) {
    const Box box = random_box(rng, names, 5);
    std::vector<Polynomial> lhs;
    std::vector<Polynomial> rhs;
    for (int k = 0; k < 3; ++k) {
      lhs.push_back(random_poly(rng, names, 2, 10));
      rhs.push_back(random_poly(rng, names, 2, 10));
    }
    if (i % 3 == 0) lhs = {rhs[0] - 1, rhs[1]};  // provable by construction
    bool truth = true;
    for (const Binding& at : points_of(box)) {
      std::int64_t l = INT64_MIN;
      std::int64_t r = INT64_MIN;
      for (const Polynomial& p : lhs) l = std::max(l, p.evaluate(at));
      for (const Polynomial& p : rhs) r = std::max(r, p.evaluate(at));
      truth = truth && l <= r;
    }
    const bool answer = proves_max_le(lhs, rhs, box);
    if (answer) {
      ++proven;
      EXPECT_TRUE(truth);
    }
    if (i % 3 == 0) {
      EXPECT_TRUE(answer);
    }
  }
  EXPECT_GE(proven, 200);
}

}  // namespace
}  // namespace lcperf::schedulers::memory
