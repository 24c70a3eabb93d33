#include "runs/sweep_memory_bound.hpp"

#include <algorithm>
#include <optional>

#include "core/errors.hpp"
#include "core/layer_ops.hpp"
#include "core/training_memory.hpp"
#include "runs/training_strategy.hpp"

namespace lcperf::runs {

namespace {

std::int64_t model_state_bytes(const core::Scenario& s, int stage) {
  const std::int64_t params = core::params_on_rank(s.model, s.parallel, stage);
  return core::weight_bytes(params) + core::gradient_bytes(params) + core::optimizer_bytes(params, s.parallel);
}

// K/V of `tokens` tokens over one stage's layers: what ChunkFlow's state store keeps.
std::int64_t kv_state_bytes(const core::Scenario& s, std::int64_t tokens) {
  const core::LocalDims d = core::local_dims(s.model, s.parallel, core::MicroBatchShape{{tokens}, 0});
  return 2 * static_cast<std::int64_t>(s.model.layers / s.parallel.pp) * d.tokens * d.heads_kv * s.model.head_dim *
         core::dtype_bytes(s.model.dtype);
}

std::int64_t activations(const core::Scenario& s, std::int64_t tokens, int stage, core::Recompute recompute) {
  if (tokens <= 0) return 0;
  return core::micro_batch_activation_bytes(s.model, s.parallel, core::MicroBatchShape{{tokens}, 0}, stage, recompute);
}

}  // namespace

std::int64_t megatron_stage_memory_bound(const core::Scenario& s, int stage, std::int64_t longest,
                                         core::Recompute recompute) {
  const std::int64_t states = model_state_bytes(s, stage);
  if (s.workload.kind == core::WorkloadKind::fixed_length) {
    const core::MicroBatchShape batch{std::vector<std::int64_t>(static_cast<std::size_t>(s.parallel.micro_batch_size),
                                                                s.workload.seq_len),
                                      0};
    try {
      return core::rank_memory(s.model, s.parallel, batch, s.strategy.schedule, recompute, stage).peak();
    } catch (const core::InputError&) {
      return states;  // a schedule without a closed form
    }
  }
  return states + activations(s, longest, stage, recompute);
}

std::int64_t chunkflow_stage_memory_bound(const core::Scenario& s, int stage, std::int64_t longest,
                                          core::Recompute recompute) {
  const std::int64_t states = model_state_bytes(s, stage);
  const std::int64_t c = s.strategy.chunk_size;
  std::int64_t bound = states + activations(s, std::min(c, longest), stage, recompute);
  if (c > 0 && longest > c) {
    const std::int64_t last_chunk = longest - (longest - 1) / c * c;
    bound = std::max(bound, states + 2 * kv_state_bytes(s, longest) + activations(s, last_chunk, stage, recompute));
  }
  return bound;
}

std::int64_t peak_memory_lower_bound(const core::Scenario& s, const std::vector<std::int64_t>& sequences) {
  const std::int64_t longest = sequences.empty() ? 0 : *std::max_element(sequences.begin(), sequences.end());
  const std::optional<core::Recompute> recompute = core::uniform_recompute(s.strategy.recompute);
  const TrainingStrategy& strategy = training_strategy(s.strategy.name);
  // The memory planner (no one recompute mode for every layer) and virtual stages have
  // no closed form: model states alone.
  const bool closed_form = recompute && s.parallel.virtual_stages == 1;
  std::int64_t worst = 0;
  for (int stage = 0; stage < s.parallel.pp; ++stage) {
    worst = std::max(worst, closed_form ? strategy.stage_memory_bound(s, stage, longest, *recompute)
                                        : model_state_bytes(s, stage));
  }
  return worst;
}

}  // namespace lcperf::runs
