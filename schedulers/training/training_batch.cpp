#include "schedulers/training/training_batch.hpp"

#include "core/errors.hpp"
#include "schedulers/training/sequence_packing.hpp"

namespace lcperf::schedulers::training {

std::int64_t token_multiple(const core::ParallelConfig& parallel) {
  std::int64_t multiple = parallel.sequence_parallel ? parallel.tp : 1;
  if (parallel.cp > 1) multiple *= 2 * parallel.cp;
  return multiple;
}

core::MicroBatchShape padded(core::MicroBatchShape shape, std::int64_t multiple) {
  if (shape.seq_lens.empty() || multiple <= 1) return shape;
  const std::int64_t rest = shape.tokens() % multiple;
  if (rest != 0) shape.seq_lens.back() += multiple - rest;
  return shape;
}

std::vector<Sequence> as_sequences(const std::vector<std::int64_t>& lengths) {
  std::vector<Sequence> sequences;
  sequences.reserve(lengths.size());
  for (std::size_t i = 0; i < lengths.size(); ++i) sequences.push_back({static_cast<int>(i), lengths[i]});
  return sequences;
}

std::vector<std::int64_t> fixed_length_global_batch(const core::Scenario& s) {
  const std::int64_t count = std::int64_t{s.parallel.dp} * s.parallel.num_micro_batches * s.parallel.micro_batch_size;
  return std::vector<std::int64_t>(static_cast<std::size_t>(count), s.workload.seq_len);
}

std::vector<core::MicroBatchShape> megatron_micro_batches(const core::Scenario& s, int dp_index,
                                                          const std::vector<std::int64_t>& global_batch) {
  if (s.workload.kind == core::WorkloadKind::fixed_length) {
    core::MicroBatchShape shape;
    shape.seq_lens.assign(static_cast<std::size_t>(s.parallel.micro_batch_size), s.workload.seq_len);
    return std::vector<core::MicroBatchShape>(static_cast<std::size_t>(s.parallel.num_micro_batches), shape);
  }
  if (global_batch.empty()) {
    throw core::InputError(s.name + ": a dataset workload needs its sampled global batch");
  }
  const auto shares = split_across_dp(as_sequences(global_batch), s.parallel.dp);
  std::vector<core::MicroBatchShape> micro_batches;
  for (const PackedMicroBatch& mb : pack_sequences(shares[static_cast<std::size_t>(dp_index)], s.workload.context_length)) {
    micro_batches.push_back(padded(mb.shape, token_multiple(s.parallel)));
  }
  return micro_batches;
}

}  // namespace lcperf::schedulers::training
