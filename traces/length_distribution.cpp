#include "traces/length_distribution.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <utility>

#include "core/errors.hpp"

namespace lcperf::traces {
namespace {

constexpr std::uint64_t kThresholdScale = std::uint64_t{1} << 53;

std::string origin_prefix(const LengthSource& info) { return info.origin.empty() ? std::string("length distribution") : info.origin; }

}  // namespace

LengthDistribution::LengthDistribution(std::vector<LengthBin> bins, LengthSource info)
    : bins_(std::move(bins)), info_(std::move(info)) {
  const std::string origin = origin_prefix(info_);
  if (bins_.empty()) throw core::InputError(origin + ": the distribution holds no lengths (no bins or samples)");
  double total = 0.0;
  for (std::size_t i = 0; i < bins_.size(); ++i) {
    if (auto problem = bin_problem(bins_[i])) throw core::InputError(origin + ": bin " + std::to_string(i) + ": " + *problem);
    if (i > 0) {
      if (auto problem = bin_order_problem(bins_[i - 1], bins_[i])) {
        throw core::InputError(origin + ": bin " + std::to_string(i) + ": " + *problem);
      }
    }
    total += bins_[i].weight;
  }
  if (!std::isfinite(total)) throw core::InputError(origin + ": the weights sum to infinity; scale them down");

  // Thresholds come from a fixed-order prefix sum and one division each (both exactly
  // rounded IEEE operations), so every platform derives the same integers.
  cumulative_.reserve(bins_.size());
  threshold_.reserve(bins_.size());
  double running = 0.0;
  for (LengthBin& bin : bins_) {
    running += bin.weight;
    bin.weight /= total;
    const double cumulative = std::min(1.0, running / total);
    cumulative_.push_back(cumulative);
    threshold_.push_back(static_cast<std::uint64_t>(cumulative * static_cast<double>(kThresholdScale)));
    mean_ += bin.weight * bin_mean(bin);
  }
  cumulative_.back() = 1.0;
  threshold_.back() = kThresholdScale;
}

LengthDistribution LengthDistribution::from_samples(const std::vector<std::int64_t>& lengths, LengthSource info) {
  const std::string origin = origin_prefix(info);
  std::map<std::int64_t, std::int64_t> counts;
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    const std::int64_t length = lengths[i];
    if (length < 1 || length > kMaxSequenceLength) {
      throw core::InputError(origin + ": sample " + std::to_string(i) + ": length must be in [1, " +
                             std::to_string(kMaxSequenceLength) + "] (got " + std::to_string(length) + ")");
    }
    ++counts[length];
  }
  std::vector<LengthBin> bins;
  bins.reserve(counts.size());
  for (const auto& [length, count] : counts) bins.push_back({length, length, static_cast<double>(count), WithinBin::uniform});
  LengthDistribution distribution(std::move(bins), std::move(info));
  distribution.sample_count_ = static_cast<std::int64_t>(lengths.size());
  return distribution;
}

std::int64_t LengthDistribution::quantile(double q) const {
  if (!(q >= 0.0 && q <= 1.0)) throw std::invalid_argument("quantile: q must be in [0, 1] (got " + std::to_string(q) + ")");
  const auto it = std::lower_bound(cumulative_.begin(), cumulative_.end(), q);
  const std::size_t i = it == cumulative_.end() ? bins_.size() - 1 : static_cast<std::size_t>(it - cumulative_.begin());
  const double before = i == 0 ? 0.0 : cumulative_[i - 1];
  const double within = std::clamp((q - before) / bins_[i].weight, 0.0, 1.0);
  return bin_quantile(bins_[i], within);
}

double LengthDistribution::fraction_at_most(std::int64_t n) const {
  // Bins ascend, so find the last bin starting at or below n; all before it lie wholly below.
  const auto it = std::upper_bound(bins_.begin(), bins_.end(), n, [](std::int64_t value, const LengthBin& bin) { return value < bin.min; });
  if (it == bins_.begin()) return 0.0;
  const std::size_t i = static_cast<std::size_t>(it - bins_.begin()) - 1;
  const double before = i == 0 ? 0.0 : cumulative_[i - 1];
  return std::min(1.0, before + bins_[i].weight * bin_cdf(bins_[i], n));
}

double LengthDistribution::fraction_below(std::int64_t n) const {
  if (n <= bins_.front().min) return 0.0;  // also keeps n - 1 from overflowing
  return fraction_at_most(n - 1);
}

std::int64_t LengthDistribution::draw(Rng& rng) const {
  const std::uint64_t u = rng.bits53();
  // First bin whose cumulative threshold exceeds u; zero-width bins are never chosen.
  const auto it = std::upper_bound(threshold_.begin(), threshold_.end(), u);
  return draw_in_bin(bins_[static_cast<std::size_t>(it - threshold_.begin())], rng);
}

}  // namespace lcperf::traces
