#pragma once
// A training dataset seen only through its sequence lengths.
//
// Either a histogram (published bins, weights, a shape inside each bin) or an
// empirical set of per-sample lengths, which is stored as one single-length bin per
// distinct length weighted by its count, so both kinds share one representation and one
// sampler. Weights are normalised to sum to 1 on construction.
//
// Files, formats and lookup by id: length_files.hpp. Sampling batches: length_sampling.hpp.
#include <cstdint>
#include <string>
#include <vector>

#include "traces/length_bin.hpp"
#include "traces/rng.hpp"

namespace lcperf::traces {

// Where a distribution came from, for reports and attribution.
struct LengthSource {
  std::string name;     // short name; the file's stem when the file gives none
  std::string source;   // where the numbers come from (dataset, paper, table)
  std::string licence;  // licence of the source data, as the file states it
  std::string origin;   // file the distribution was read from; prefixes error messages
};

class LengthDistribution {
 public:
  // Validates every bin (bin_problem) and their order (bin_order_problem); an empty list
  // or a violation throws core::InputError "ORIGIN: bin I: PROBLEM". Readers check
  // rows earlier, with line numbers; this is the backstop for bins built in code.
  LengthDistribution(std::vector<LengthBin> bins, LengthSource info);
  // One bin per distinct length, weighted by its count. Lengths must lie in
  // [1, kMaxSequenceLength]; an empty list is an InputError.
  static LengthDistribution from_samples(const std::vector<std::int64_t>& lengths, LengthSource info);

  const LengthSource& info() const { return info_; }
  const std::vector<LengthBin>& bins() const { return bins_; }  // weights sum to 1
  // Number of per-sample lengths behind an empirical distribution; 0 for a histogram.
  std::int64_t sample_count() const { return sample_count_; }

  std::int64_t min_length() const { return bins_.front().min; }
  std::int64_t max_length() const { return bins_.back().max; }
  double mean_length() const { return mean_; }
  // Smallest length L with P(length <= L) >= q, for q in [0, 1] (std::invalid_argument
  // otherwise). quantile(0.5) is the median; quantile(1) the longest length.
  std::int64_t quantile(double q) const;
  // P(length <= n) and P(length < n).
  double fraction_at_most(std::int64_t n) const;
  double fraction_below(std::int64_t n) const;

  // One length. Picks a bin with 53-bit integer thresholds, then a length inside it
  // (draw_in_bin), so the result depends only on the generator's output.
  std::int64_t draw(Rng& rng) const;

 private:
  std::vector<LengthBin> bins_;
  LengthSource info_;
  std::int64_t sample_count_ = 0;
  std::vector<double> cumulative_;        // cumulative_[i] = P(bin <= i)
  std::vector<std::uint64_t> threshold_;  // cumulative_ scaled to 2^53, last exactly 2^53
  double mean_ = 0.0;
};

}  // namespace lcperf::traces
