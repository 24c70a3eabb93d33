#include "traces/length_bin.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>

namespace lcperf::traces {
namespace {

// Sum of 1/k for k = 1..n. Exact summation for small n; above that the asymptotic
// series ln n + gamma + 1/2n - 1/12n^2 + 1/120n^4 - 1/252n^6, whose error at n >= 64 is
// below 1e-16 relative.
double harmonic(std::int64_t n) {
  constexpr std::int64_t kExactUpTo = 64;
  if (n <= 0) return 0.0;
  if (n <= kExactUpTo) {
    double sum = 0.0;
    for (std::int64_t k = n; k >= 1; --k) sum += 1.0 / static_cast<double>(k);  // small terms first
    return sum;
  }
  constexpr double kEulerGamma = 0.57721566490153286061;
  const double x = static_cast<double>(n);
  const double inv2 = 1.0 / (x * x);
  return std::log(x) + kEulerGamma + 0.5 / x - inv2 * (1.0 / 12.0 - inv2 * (1.0 / 120.0 - inv2 / 252.0));
}

// Sum of 1/k for k = a..b (1 <= a <= b). Narrow ranges are summed directly: the
// difference of two large harmonic numbers would lose digits there.
double harmonic_range(std::int64_t a, std::int64_t b) {
  constexpr std::int64_t kDirectWidth = 256;
  if (b - a < kDirectWidth) {
    double sum = 0.0;
    for (std::int64_t k = b; k >= a; --k) sum += 1.0 / static_cast<double>(k);
    return sum;
  }
  return harmonic(b) - harmonic(a - 1);
}

int floor_log2(std::int64_t value) { return std::bit_width(static_cast<std::uint64_t>(value)) - 1; }

// P(k) proportional to 1/k on [a, b], by rejection from a dyadic envelope, in integers
// only. Block j covers [2^j, 2^(j+1)) within [a, b]; the envelope gives each length in
// block j the mass 2^-j >= 1/k, so a block is picked with weight len_j / 2^j and a
// length k in it is kept with probability 2^j / k (always above 1/2).
std::int64_t draw_log_uniform(std::int64_t a, std::int64_t b, Rng& rng) {
  const int j_lo = floor_log2(a);
  const int j_hi = floor_log2(b);
  // Weights scaled by 2^j_hi to stay integral: len_j * 2^(j_hi - j) <= 2^j_hi <= 2^40.
  std::array<std::uint64_t, 64> cumulative{};
  std::array<std::int64_t, 64> block_lo{};
  std::array<std::int64_t, 64> block_len{};
  std::uint64_t total = 0;
  for (int j = j_lo; j <= j_hi; ++j) {
    const std::int64_t lo = std::max(a, std::int64_t{1} << j);
    const std::int64_t hi = std::min(b, (std::int64_t{1} << (j + 1)) - 1);
    const int slot = j - j_lo;
    block_lo[slot] = lo;
    block_len[slot] = hi - lo + 1;
    total += static_cast<std::uint64_t>(block_len[slot]) << (j_hi - j);
    cumulative[slot] = total;
  }
  for (;;) {
    const std::uint64_t pick = rng.below(total);
    int slot = 0;
    while (pick >= cumulative[slot]) ++slot;
    const std::int64_t k = block_lo[slot] + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(block_len[slot])));
    const std::uint64_t block_start = std::uint64_t{1} << (slot + j_lo);
    if (rng.below(static_cast<std::uint64_t>(k)) < block_start) return k;
  }
}

}  // namespace

std::string_view to_string(WithinBin shape) {
  switch (shape) {
    case WithinBin::uniform: return "uniform";
    case WithinBin::log_uniform: return "log_uniform";
  }
  return "uniform";
}

std::optional<WithinBin> within_bin_from_string(std::string_view text) {
  if (text == "uniform") return WithinBin::uniform;
  if (text == "log_uniform") return WithinBin::log_uniform;
  return std::nullopt;
}

std::optional<std::string> bin_problem(const LengthBin& bin) {
  if (bin.min < 1) return "min must be at least 1 token (got " + std::to_string(bin.min) + ")";
  if (bin.max < 1) return "max must be at least 1 token (got " + std::to_string(bin.max) + ")";
  if (bin.max > kMaxSequenceLength) {
    return "max " + std::to_string(bin.max) + " exceeds the longest supported length " +
           std::to_string(kMaxSequenceLength);
  }
  if (bin.min > bin.max) {
    return "min " + std::to_string(bin.min) + " is greater than max " + std::to_string(bin.max);
  }
  if (!std::isfinite(bin.weight) || bin.weight <= 0.0) {
    return "weight must be a positive finite number (got " + std::to_string(bin.weight) + ")";
  }
  return std::nullopt;
}

std::optional<std::string> bin_order_problem(const LengthBin& previous, const LengthBin& next) {
  if (next.min > previous.max) return std::nullopt;
  return "bin [" + std::to_string(next.min) + ", " + std::to_string(next.max) + "] overlaps or precedes the bin before it [" +
         std::to_string(previous.min) + ", " + std::to_string(previous.max) +
         "]; bins must ascend without overlapping (min > the previous max)";
}

double bin_mean(const LengthBin& bin) {
  if (bin.min == bin.max) return static_cast<double>(bin.min);
  if (bin.within == WithinBin::uniform) return 0.5 * (static_cast<double>(bin.min) + static_cast<double>(bin.max));
  // sum k * (1/k) / H = count / H
  return static_cast<double>(bin.max - bin.min + 1) / harmonic_range(bin.min, bin.max);
}

double bin_cdf(const LengthBin& bin, std::int64_t n) {
  if (n < bin.min) return 0.0;
  if (n >= bin.max) return 1.0;
  if (bin.within == WithinBin::uniform) {
    return static_cast<double>(n - bin.min + 1) / static_cast<double>(bin.max - bin.min + 1);
  }
  return harmonic_range(bin.min, n) / harmonic_range(bin.min, bin.max);
}

std::int64_t bin_quantile(const LengthBin& bin, double fraction) {
  // Binary search on the (monotone) cdf; exact for both shapes up to double rounding.
  std::int64_t lo = bin.min;
  std::int64_t hi = bin.max;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (bin_cdf(bin, mid) >= fraction) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

std::int64_t draw_in_bin(const LengthBin& bin, Rng& rng) {
  if (bin.min == bin.max) return bin.min;
  if (bin.within == WithinBin::uniform) {
    return bin.min + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(bin.max - bin.min + 1)));
  }
  return draw_log_uniform(bin.min, bin.max, rng);
}

}  // namespace lcperf::traces
