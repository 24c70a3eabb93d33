#include "schedulers/memory/symbolic.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace lcperf::schedulers::memory {

void validate_box(const Box& box) {
  for (const auto& [name, range] : box) {
    if (range.lo < 1 || range.lo > range.hi) {
      throw std::invalid_argument("symbol " + name + ": range [" + std::to_string(range.lo) + ", " +
                                  std::to_string(range.hi) + "] must satisfy 1 <= lo <= hi");
    }
  }
}

Binding upper_corner(const Box& box) {
  Binding b;
  for (const auto& [name, range] : box) b[name] = range.hi;
  return b;
}

Binding lower_corner(const Box& box) {
  Binding b;
  for (const auto& [name, range] : box) b[name] = range.lo;
  return b;
}

Polynomial::Polynomial(std::int64_t constant) { add_term({}, constant); }

Polynomial Polynomial::symbol(const std::string& name) {
  if (name.empty()) throw std::invalid_argument("symbol names must not be empty");
  return term(1, Monomial{{name, 1}});
}

Polynomial Polynomial::term(std::int64_t coefficient, const Monomial& monomial) {
  Monomial clean;
  for (const auto& [name, exponent] : monomial) {
    if (exponent < 0) throw std::invalid_argument("negative exponent for symbol " + name);
    if (exponent > 0) clean[name] = exponent;
  }
  Polynomial p;
  p.add_term(clean, coefficient);
  return p;
}

void Polynomial::add_term(const Monomial& monomial, std::int64_t coefficient) {
  if (coefficient == 0) return;
  auto it = terms_.find(monomial);
  if (it == terms_.end()) {
    terms_.emplace(monomial, coefficient);
    return;
  }
  it->second = checked::add_or_throw(it->second, coefficient);
  if (it->second == 0) terms_.erase(it);
}

Polynomial& Polynomial::operator+=(const Polynomial& other) {
  for (const auto& [m, c] : other.terms_) add_term(m, c);
  return *this;
}

Polynomial& Polynomial::operator-=(const Polynomial& other) {
  for (const auto& [m, c] : other.terms_) {
    if (c == INT64_MIN) throw SymbolicOverflow("symbolic size: int64 overflow in negation");
    add_term(m, -c);
  }
  return *this;
}

Polynomial& Polynomial::operator*=(const Polynomial& other) {
  Polynomial product;
  for (const auto& [ma, ca] : terms_) {
    for (const auto& [mb, cb] : other.terms_) {
      Monomial m = ma;
      for (const auto& [name, exponent] : mb) m[name] += exponent;
      product.add_term(m, checked::mul_or_throw(ca, cb));
    }
  }
  *this = std::move(product);
  return *this;
}

Polynomial& Polynomial::operator*=(std::int64_t scalar) {
  if (scalar == 0) {
    terms_.clear();
    return *this;
  }
  for (auto& [m, c] : terms_) c = checked::mul_or_throw(c, scalar);
  return *this;
}

Polynomial Polynomial::operator-() const { return Polynomial() - *this; }

Polynomial Polynomial::pow(int exponent) const {
  if (exponent < 0) throw std::invalid_argument("negative power of a polynomial");
  Polynomial r(1);
  for (int i = 0; i < exponent; ++i) r *= *this;
  return r;
}

Polynomial Polynomial::divided_exactly(std::int64_t divisor) const {
  if (divisor <= 0) throw std::invalid_argument("divisor must be positive");
  Polynomial r = *this;
  for (auto& [m, c] : r.terms_) {
    if (c % divisor != 0) {
      throw std::invalid_argument("coefficient " + std::to_string(c) + " of " + to_string() +
                                  " is not divisible by " + std::to_string(divisor));
    }
    c /= divisor;
  }
  return r;
}

bool Polynomial::is_constant() const { return terms_.empty() || (terms_.size() == 1 && terms_.begin()->first.empty()); }

std::int64_t Polynomial::constant_term() const { return coefficient({}); }

std::int64_t Polynomial::coefficient(const Monomial& monomial) const {
  auto it = terms_.find(monomial);
  return it == terms_.end() ? 0 : it->second;
}

namespace {
int total_degree(const Monomial& m) {
  int d = 0;
  for (const auto& [name, e] : m) d += e;
  return d;
}
}  // namespace

int Polynomial::degree() const {
  int d = 0;
  for (const auto& [m, c] : terms_) d = std::max(d, total_degree(m));
  return d;
}

bool Polynomial::all_coefficients_non_negative() const {
  return std::all_of(terms_.begin(), terms_.end(), [](const auto& t) { return t.second >= 0; });
}

bool Polynomial::all_coefficients_non_positive() const {
  return std::all_of(terms_.begin(), terms_.end(), [](const auto& t) { return t.second <= 0; });
}

std::set<std::string> Polynomial::symbols() const {
  std::set<std::string> names;
  for (const auto& [m, c] : terms_) {
    for (const auto& [name, e] : m) names.insert(name);
  }
  return names;
}

std::int64_t Polynomial::evaluate(const Binding& at) const {
  std::int64_t total = 0;
  for (const auto& [m, c] : terms_) {
    std::int64_t value = c;
    for (const auto& [name, exponent] : m) {
      auto it = at.find(name);
      if (it == at.end()) throw std::invalid_argument("symbol " + name + " is not bound");
      value = checked::mul_or_throw(value, checked::pow_or_throw(it->second, exponent));
    }
    total = checked::add_or_throw(total, value);
  }
  return total;
}

std::string Polynomial::to_string() const {
  if (terms_.empty()) return "0";
  std::vector<std::pair<Monomial, std::int64_t>> order(terms_.begin(), terms_.end());
  // Highest degree first; within a degree, higher powers of earlier names first
  // ("S^2*h" before "S*h^2"), which reads like the usual hand-written form.
  std::stable_sort(order.begin(), order.end(), [](const auto& x, const auto& y) {
    const int dx = total_degree(x.first);
    const int dy = total_degree(y.first);
    if (dx != dy) return dx > dy;
    auto ix = x.first.begin();
    auto iy = y.first.begin();
    for (; ix != x.first.end() && iy != y.first.end(); ++ix, ++iy) {
      if (ix->first != iy->first) return ix->first < iy->first;
      if (ix->second != iy->second) return ix->second > iy->second;
    }
    return false;
  });
  std::string out;
  bool first = true;
  for (const auto& [m, c] : order) {
    const bool negative = c < 0;
    // |INT64_MIN| does not fit int64; print it through unsigned arithmetic.
    const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(c) : static_cast<std::uint64_t>(c);
    if (first) {
      if (negative) out += "-";
    } else {
      out += negative ? " - " : " + ";
    }
    first = false;
    std::string factors;
    for (const auto& [name, e] : m) {
      if (!factors.empty()) factors += "*";
      factors += name;
      if (e > 1) {
        factors += "^";  // not "^" + ...: GCC 12's false -Wrestrict (bug 105329)
        factors += std::to_string(e);
      }
    }
    if (factors.empty()) {
      out += std::to_string(magnitude);
    } else if (magnitude == 1) {
      out += factors;
    } else {
      out += std::to_string(magnitude) + "*" + factors;
    }
  }
  return out;
}

}  // namespace lcperf::schedulers::memory
