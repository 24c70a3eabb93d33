#pragma once
// Symbolic sizes: sparse polynomials with int64 coefficients over named positive integer
// symbols (S = tokens per sequence, B = sequences per micro-batch, ...). Model constants
// (hidden size, heads, FFN width) are plugged in as numbers, so the polynomials stay small:
// a handful of monomials of degree <= 3. Why not GiNaC: see README.md.
//
// The representation is canonical (a sorted map from monomial to non-zero coefficient),
// so equal polynomials compare equal with ==. Every arithmetic step checks for int64
// overflow and throws SymbolicOverflow instead of wrapping.
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "schedulers/memory/checked_int.hpp"

namespace lcperf::schedulers::memory {

// A monomial: symbol name -> exponent (> 0). The empty map is the constant monomial.
using Monomial = std::map<std::string, int>;

// The closed range a symbol may take; lo >= 1 (symbols are positive integers, which is
// what makes every monomial non-decreasing in every symbol).
struct Range {
  std::int64_t lo = 1;
  std::int64_t hi = 1;
  bool operator==(const Range&) const = default;
};
// The box of shapes the planner reasons over, and one point in it.
using Box = std::map<std::string, Range>;
using Binding = std::map<std::string, std::int64_t>;

// Throws std::invalid_argument unless every range has 1 <= lo <= hi.
void validate_box(const Box& box);
// The box's corner with every symbol at its upper bound (the "size hint" of the planner).
Binding upper_corner(const Box& box);
Binding lower_corner(const Box& box);

class Polynomial {
 public:
  Polynomial() = default;  // zero
  // A constant (implicit so sizes read naturally: `bytes = 2 * T * h + 4096`).
  Polynomial(std::int64_t constant);  // NOLINT(google-explicit-constructor)
  static Polynomial symbol(const std::string& name);
  static Polynomial term(std::int64_t coefficient, const Monomial& monomial);

  Polynomial& operator+=(const Polynomial& other);
  Polynomial& operator-=(const Polynomial& other);
  Polynomial& operator*=(const Polynomial& other);
  Polynomial& operator*=(std::int64_t scalar);
  friend Polynomial operator+(Polynomial a, const Polynomial& b) { return a += b; }
  friend Polynomial operator-(Polynomial a, const Polynomial& b) { return a -= b; }
  friend Polynomial operator*(Polynomial a, const Polynomial& b) { return a *= b; }
  friend Polynomial operator*(Polynomial a, std::int64_t s) { return a *= s; }
  friend Polynomial operator*(std::int64_t s, Polynomial a) { return a *= s; }
  Polynomial operator-() const;
  Polynomial pow(int exponent) const;
  // Divides every coefficient by `divisor`; throws std::invalid_argument unless each
  // divides exactly (used for TP shards, where Megatron requires divisibility anyway).
  Polynomial divided_exactly(std::int64_t divisor) const;

  bool operator==(const Polynomial&) const = default;

  bool is_zero() const { return terms_.empty(); }
  bool is_constant() const;
  std::int64_t constant_term() const;
  std::int64_t coefficient(const Monomial& monomial) const;
  int degree() const;  // total degree; 0 for constants and zero
  bool all_coefficients_non_negative() const;
  bool all_coefficients_non_positive() const;
  std::set<std::string> symbols() const;
  const std::map<Monomial, std::int64_t>& terms() const { return terms_; }

  // Value at a point; throws std::invalid_argument for an unbound symbol and
  // SymbolicOverflow when the value does not fit int64.
  std::int64_t evaluate(const Binding& at) const;
  // Text such as "2*S^2*h + 34*S*h - 7": terms by falling total degree, then by name.
  std::string to_string() const;

 private:
  void add_term(const Monomial& monomial, std::int64_t coefficient);
  std::map<Monomial, std::int64_t> terms_;  // no zero coefficients (canonical form)
};

}  // namespace lcperf::schedulers::memory
