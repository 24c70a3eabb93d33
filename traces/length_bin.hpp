#pragma once
// One bar of a sequence-length histogram and the shape of lengths inside it.
//
// Lengths are whole tokens, so a bin is the inclusive integer range [min, max]. Inside
// a bin lengths follow one of two shapes:
//   uniform      every length in [min, max] equally likely (a flat bar);
//   log_uniform  P(length = k) proportional to 1/k: each doubling of the length gets the
//                same share, the usual fit for a long tail whose density falls with
//                length (a bin 4K-32K then has its mean near 14K rather than 18K).
// Files choose per file and may override per bin; the default is uniform, the reading
// of a histogram bar that assumes least.
//
// Everything here is exact integer arithmetic when drawing (see rng.hpp for why) and
// double arithmetic only for report statistics (mean, cdf, quantile).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "traces/rng.hpp"

namespace lcperf::traces {

// Longest length any file may hold: 2^40 tokens. Far beyond any context, and it keeps
// the integer sampling arithmetic well inside 64 bits.
inline constexpr std::int64_t kMaxSequenceLength = std::int64_t{1} << 40;

enum class WithinBin { uniform, log_uniform };

std::string_view to_string(WithinBin shape);
// "uniform" | "log_uniform"; nullopt for anything else.
std::optional<WithinBin> within_bin_from_string(std::string_view text);

struct LengthBin {
  std::int64_t min = 1;  // inclusive
  std::int64_t max = 1;  // inclusive
  double weight = 1.0;   // relative; LengthDistribution normalises the sum to 1
  WithinBin within = WithinBin::uniform;
};

// The rule a bin breaks, as a sentence fragment ("min 5 is greater than max 3"), or
// nullopt when valid. Readers prefix it with the file and line.
std::optional<std::string> bin_problem(const LengthBin& bin);
// Bins must ascend without overlapping, so quantiles and cdfs are a simple scan.
std::optional<std::string> bin_order_problem(const LengthBin& previous, const LengthBin& next);

// Statistics of the lengths inside one (valid) bin, ignoring its weight.
double bin_mean(const LengthBin& bin);
// P(length <= n | bin); 0 below min, 1 from max on.
double bin_cdf(const LengthBin& bin, std::int64_t n);
// Smallest length n in the bin with bin_cdf(n) >= fraction (fraction in [0, 1]).
std::int64_t bin_quantile(const LengthBin& bin, double fraction);
// One length from the bin's shape.
std::int64_t draw_in_bin(const LengthBin& bin, Rng& rng);

}  // namespace lcperf::traces
