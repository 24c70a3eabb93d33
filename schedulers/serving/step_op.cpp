#include "schedulers/serving/step_op.hpp"

#include <algorithm>
#include <iterator>
#include <utility>
#include <variant>

#include "core/serving_precision.hpp"
#include "core/sparse_weights.hpp"

namespace lcperf::schedulers::serving {

namespace {

// Moves `from` over `to` where they differ (equal parts keep their storage).
void overwrite(core::OpPart& to, core::OpPart&& from) {
  if (!(to == from)) to = std::move(from);
}

}  // namespace

int stage_layers(int layers, int pp) { return layers / std::max(1, pp); }

StepOpBuilder::StepOpBuilder(const core::ModelSpec& model, const core::ParallelConfig& parallel,
                             const EngineConfig& config, int stage)
    : model_(model),
      parallel_(parallel),
      config_(config),
      layers_(stage_layers(model.layers, parallel.pp)),
      first_(stage == 0),
      last_(stage == parallel.pp - 1) {
  op_.category = "serving";
}

void StepOpBuilder::rewrite_sparse(std::vector<core::OpPart>& parts) const {
  parts = core::rewrite_sparse_weight_parts(std::move(parts), model_, parallel_, config_.sparse_weights,
                                            config_.sparse_choice);
}

bool StepOpBuilder::reusable(const std::vector<core::ServingSeq>& seqs, std::int64_t swap_out_bytes,
                             std::int64_t swap_in_bytes) const {
  if (!reusable_ || swap_out_bytes > 0 || swap_in_bytes > 0 || seqs.size() != seqs_.size()) return false;
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    const core::ServingSeq& now = seqs[i];
    const core::ServingSeq& before = seqs_[i];
    // A negative context goes the full way, whose checks refuse it.
    if (now.q_tokens != before.q_tokens || now.decode != before.decode || now.final_chunk != before.final_chunk ||
        now.prompt_tokens != before.prompt_tokens || now.context_before < 0) {
      return false;
    }
  }
  return true;
}

// Every part but attention depends on the step's token and sample counts alone, which a
// continuing step keeps: only the attention parts' KV lengths are rewritten.
void StepOpBuilder::advance_contexts(const std::vector<core::ServingSeq>& seqs) {
  std::vector<core::AttentionSeq>* prefill =
      prefill_at_ < op_.parts.size() ? &std::get<core::AttentionShape>(op_.parts[prefill_at_]).seqs : nullptr;
  std::vector<core::AttentionSeq>* decode =
      decode_at_ < op_.parts.size() ? &std::get<core::AttentionShape>(op_.parts[decode_at_]).seqs : nullptr;
  std::size_t prefills = 0;
  std::size_t decodes = 0;
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    const core::ServingSeq& s = seqs[i];
    const std::int64_t kv = s.context_before + s.q_tokens;
    if (s.decode) {
      (*decode)[decodes++].kv_len = kv;
    } else {
      (*prefill)[prefills++].kv_len = kv;
    }
    seqs_[i].context_before = s.context_before;
  }
}

void StepOpBuilder::remember(const std::vector<core::ServingSeq>& seqs, bool without_swaps) {
  seqs_ = seqs;
  prefill_at_ = decode_at_ = op_.parts.size();
  const std::size_t layer_end = op_.repeat_begin + op_.repeat_period;
  for (std::size_t i = op_.repeat_begin; i < layer_end; ++i) {
    if (const auto* a = std::get_if<core::AttentionShape>(&op_.parts[i])) (a->paged_decode ? decode_at_ : prefill_at_) = i;
  }
  reusable_ = without_swaps && op_.repeat_period > 0 && !config_.long_context.active() &&
              !(config_.sparse_weights.any() && config_.sparse_choice);
}

const core::KernelOp& StepOpBuilder::build(std::int64_t step, const std::vector<core::ServingSeq>& seqs,
                                           std::int64_t swap_out_bytes, std::int64_t swap_in_bytes) {
  op_.name.assign("step ").append(std::to_string(step));
  if (reusable(seqs, swap_out_bytes, swap_in_bytes)) {
    advance_contexts(seqs);
    return op_;
  }
  std::vector<core::OpPart> swaps;
  if (swap_out_bytes > 0) swaps.push_back(core::kv_swap_part(swap_out_bytes, config_.host_link_factor));
  if (swap_in_bytes > 0) swaps.push_back(core::kv_swap_part(swap_in_bytes, config_.host_link_factor));
  core::ServingStepShape next =
      core::serving_step_shape(model_, parallel_, seqs, last_, first_, config_.long_context);
  if (config_.sparse_weights.any() && config_.sparse_choice) {
    rewrite_sparse(next.prologue);
    rewrite_sparse(next.layer);
    rewrite_sparse(next.epilogue);
  }
  core::apply_serving_precision(next.layer, config_.precision);  // FP8 classes; a no-op when not set
  if (next.layer.empty()) next = core::ServingStepShape{};  // an empty batch: swaps only

  // The op is compact (KernelOp's repeat): the layer's parts once, run layers_ times.
  const std::size_t layer_parts = next.layer.size();
  const std::size_t total = swaps.size() + next.prologue.size() + layer_parts + next.epilogue.size();
  const Layout layout{swaps.size(), next.prologue.size(), layer_parts, next.epilogue.size()};
  const bool same_layout = op_.parts.size() == total && layout == layout_;
  if (!same_layout) {
    op_.parts.clear();
    op_.parts.reserve(total);
    for (std::vector<core::OpPart>* piece : {&swaps, &next.prologue, &next.layer, &next.epilogue}) {
      op_.parts.insert(op_.parts.end(), std::make_move_iterator(piece->begin()), std::make_move_iterator(piece->end()));
    }
  } else {
    // Same layout as the previous step: rewrite only what changed.
    std::size_t at = 0;
    for (core::OpPart& part : swaps) overwrite(op_.parts[at++], std::move(part));
    for (core::OpPart& part : next.prologue) overwrite(op_.parts[at++], std::move(part));
    for (core::OpPart& part : next.layer) overwrite(op_.parts[at++], std::move(part));
    for (core::OpPart& part : next.epilogue) overwrite(op_.parts[at++], std::move(part));
  }
  op_.repeat_begin = swaps.size() + next.prologue.size();
  op_.repeat_period = layer_parts;
  op_.repeat_count = layer_parts > 0 ? static_cast<std::size_t>(layers_) : 0;
  layout_ = {swaps.size(), next.prologue.size(), layer_parts, next.epilogue.size()};
  remember(seqs, swaps.empty());
  return op_;
}

}  // namespace lcperf::schedulers::serving
