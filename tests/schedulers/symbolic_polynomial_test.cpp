// The symbolic size polynomial: canonical arithmetic, evaluation, printing, overflow.
#include "schedulers/memory/symbolic.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace lcperf::schedulers::memory {
namespace {

const Polynomial S = Polynomial::symbol("S");
const Polynomial h = Polynomial::symbol("h");
const Polynomial B = Polynomial::symbol("B");

TEST(SymbolicPolynomial, ArithmeticIsCanonical) {
  const Polynomial a = (S + 1) * (S - 1);
  EXPECT_EQ(a, S * S - 1);
  EXPECT_EQ(a, S.pow(2) + (-1));
  EXPECT_TRUE((S * h - h * S).is_zero());
  EXPECT_EQ((S + h) * 3, 3 * S + 3 * h);
  EXPECT_EQ(-(S - h), h - S);
  EXPECT_EQ((2 * S * B).coefficient({{"B", 1}, {"S", 1}}), 2);
  EXPECT_EQ((S.pow(3) * h + 5).degree(), 4);
  EXPECT_EQ(Polynomial(7).constant_term(), 7);
  EXPECT_TRUE(Polynomial(7).is_constant());
  EXPECT_FALSE(S.is_constant());
  EXPECT_EQ((S * h + B).symbols(), (std::set<std::string>{"B", "S", "h"}));
  EXPECT_EQ((6 * S + 4).divided_exactly(2), 3 * S + 2);
  EXPECT_THROW((6 * S + 3).divided_exactly(2), std::invalid_argument);
}

TEST(SymbolicPolynomial, Evaluates) {
  const Polynomial p = 2 * S.pow(2) * h + 34 * S * h;
  EXPECT_EQ(p.evaluate({{"S", 2048}, {"h", 1024}}), 2 * 2048LL * 2048 * 1024 + 34LL * 2048 * 1024);
  EXPECT_EQ(Polynomial().evaluate({}), 0);
  EXPECT_THROW(p.evaluate({{"S", 3}}), std::invalid_argument);
}

TEST(SymbolicPolynomial, PrintsLikeHandWrittenFormulas) {
  EXPECT_EQ((2 * S.pow(2) * h + 34 * S * h).to_string(), "2*S^2*h + 34*S*h");
  EXPECT_EQ((34 * S * h + 2 * S.pow(2) * h).to_string(), "2*S^2*h + 34*S*h");
  EXPECT_EQ((S * h - 7).to_string(), "S*h - 7");
  EXPECT_EQ((-S + 3).to_string(), "-S + 3");
  EXPECT_EQ((-2 * S * B - S).to_string(), "-2*B*S - S");
  EXPECT_EQ(Polynomial().to_string(), "0");
  EXPECT_EQ(Polynomial(-5).to_string(), "-5");
  EXPECT_EQ((S * h * h).to_string(), "S*h^2");
  EXPECT_EQ(Polynomial(std::numeric_limits<std::int64_t>::min()).to_string(), "-9223372036854775808");
}

TEST(SymbolicPolynomial, OverflowThrowsInsteadOfWrapping) {
  const std::int64_t big = std::numeric_limits<std::int64_t>::max() / 2 + 1;
  EXPECT_THROW(Polynomial(big) + Polynomial(big), SymbolicOverflow);
  EXPECT_THROW(Polynomial(big) * 2, SymbolicOverflow);
  EXPECT_THROW((big * S) * (4 * S), SymbolicOverflow);
  EXPECT_THROW(Polynomial(std::numeric_limits<std::int64_t>::min()) * -1, SymbolicOverflow);
  EXPECT_THROW(-Polynomial(std::numeric_limits<std::int64_t>::min()), SymbolicOverflow);
  // Evaluation overflows too: S^3 at S = 2^22 is 2^66.
  EXPECT_THROW(S.pow(3).evaluate({{"S", 1LL << 22}}), SymbolicOverflow);
  EXPECT_THROW((big * S).evaluate({{"S", 2}}), SymbolicOverflow);
  EXPECT_EQ((big * S).evaluate({{"S", 1}}), big);
}

TEST(SymbolicPolynomial, BoxValidation) {
  EXPECT_THROW(validate_box({{"S", {0, 4}}}), std::invalid_argument);
  EXPECT_THROW(validate_box({{"S", {5, 4}}}), std::invalid_argument);
  EXPECT_NO_THROW(validate_box({{"S", {4, 4}}}));
  const Box box{{"S", {2, 9}}, {"B", {1, 3}}};
  EXPECT_EQ(upper_corner(box), (Binding{{"S", 9}, {"B", 3}}));
  EXPECT_EQ(lower_corner(box), (Binding{{"S", 2}, {"B", 1}}));
}

}  // namespace
}  // namespace lcperf::schedulers::memory
