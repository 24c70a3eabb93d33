#include "schedulers/serving/step_op.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

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

const core::KernelOp& StepOpBuilder::build(std::int64_t step, const std::vector<core::ServingSeq>& seqs,
                                           std::int64_t swap_out_bytes, std::int64_t swap_in_bytes) {
  op_.name.assign("step ").append(std::to_string(step));
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
  return op_;
}

}  // namespace lcperf::schedulers::serving
