#include "schedulers/training/sequence_packing.hpp"

#include <string>

#include "core/errors.hpp"
#include "schedulers/training/bin_packing.hpp"

namespace lcperf::schedulers::training {

std::vector<PackedMicroBatch> pack_sequences(const std::vector<Sequence>& sequences, std::int64_t max_seq_len) {
  if (max_seq_len < 1) {
    throw core::InputError("sequence packing needs max_seq_len >= 1 (got " + std::to_string(max_seq_len) + ")");
  }
  std::vector<std::int64_t> lengths;
  for (const Sequence& s : sequences) {
    if (s.length < 1 || s.length > max_seq_len) {
      throw core::InputError("sequence packing: sequence " + std::to_string(s.id) + " has length " +
                             std::to_string(s.length) + ", outside [1, max_seq_len=" + std::to_string(max_seq_len) +
                             "]");
    }
    lengths.push_back(s.length);
  }
  // Unbounded FFD: every sequence fits alone, so as many bins as sequences always suffice.
  const auto bins = first_fit_decreasing(lengths, max_seq_len, sequences.size());
  std::vector<PackedMicroBatch> batches;
  for (const auto& bin : *bins) {
    PackedMicroBatch mb;
    for (std::size_t i : bin) {
      mb.seq_ids.push_back(sequences[i].id);
      mb.shape.seq_lens.push_back(sequences[i].length);
    }
    batches.push_back(std::move(mb));
  }
  return batches;
}

std::vector<std::vector<Sequence>> split_across_dp(const std::vector<Sequence>& batch, int dp) {
  if (dp < 1 || batch.size() % static_cast<std::size_t>(dp) != 0) {
    throw core::InputError("splitting a batch of " + std::to_string(batch.size()) + " sequences across dp=" +
                           std::to_string(dp) + " ranks needs dp >= 1 dividing the batch size");
  }
  const std::size_t per_rank = batch.size() / static_cast<std::size_t>(dp);
  std::vector<std::vector<Sequence>> ranks;
  for (std::size_t r = 0; r < static_cast<std::size_t>(dp); ++r) {
    ranks.emplace_back(batch.begin() + static_cast<std::ptrdiff_t>(r * per_rank),
                       batch.begin() + static_cast<std::ptrdiff_t>((r + 1) * per_rank));
  }
  return ranks;
}

}  // namespace lcperf::schedulers::training
