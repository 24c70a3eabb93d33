#pragma once
// Overflow-checked int64 arithmetic for symbolic sizes. Byte counts of long-context
// activations (a*S^2*B at S = 10^6) come within a few orders of magnitude of 2^63, so a
// silent wrap would turn a huge buffer into a negative one; every operation checks.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace lcperf::schedulers::memory {

class SymbolicOverflow : public std::overflow_error {
 public:
  explicit SymbolicOverflow(const std::string& what) : std::overflow_error(what) {}
};

namespace checked {

// The non-throwing forms return false on overflow; the bound computations in compare()
// use them so an overflow there means "cannot decide", never a wrong answer.
inline bool add(std::int64_t a, std::int64_t b, std::int64_t& out) { return !__builtin_add_overflow(a, b, &out); }
inline bool sub(std::int64_t a, std::int64_t b, std::int64_t& out) { return !__builtin_sub_overflow(a, b, &out); }
inline bool mul(std::int64_t a, std::int64_t b, std::int64_t& out) { return !__builtin_mul_overflow(a, b, &out); }
inline bool pow(std::int64_t base, int exponent, std::int64_t& out) {
  std::int64_t r = 1;
  for (int i = 0; i < exponent; ++i) {
    if (!mul(r, base, r)) return false;
  }
  out = r;
  return true;
}

inline std::int64_t add_or_throw(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (!add(a, b, r)) throw SymbolicOverflow("symbolic size: int64 overflow in addition");
  return r;
}
inline std::int64_t sub_or_throw(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (!sub(a, b, r)) throw SymbolicOverflow("symbolic size: int64 overflow in subtraction");
  return r;
}
inline std::int64_t mul_or_throw(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (!mul(a, b, r)) throw SymbolicOverflow("symbolic size: int64 overflow in multiplication");
  return r;
}
inline std::int64_t pow_or_throw(std::int64_t base, int exponent) {
  std::int64_t r = 0;
  if (!pow(base, exponent, r)) throw SymbolicOverflow("symbolic size: int64 overflow in a power");
  return r;
}

}  // namespace checked
}  // namespace lcperf::schedulers::memory
