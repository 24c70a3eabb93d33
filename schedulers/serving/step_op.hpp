#pragma once
// The KernelOp one pipeline stage runs for one engine step, built in place.
//
// A step's op is a few swap copies, the stage's prologue (embedding on the first stage),
// its layers (all identical: core::serving_step_shape gives one) and its epilogue (norm,
// LM head and sampling on the last stage). Engine steps come by the hundred thousand,
// so the op is compact (KernelOp's repeat: the layer's parts held once, run once per
// layer) and the builder keeps one op and rewrites only the parts that differ from the
// previous step's: between two decode steps of the same batch only the decode
// attention part changes (every context grew by one). core::expanded() of the op it
// returns is exactly prologue + layers x layer + epilogue, the same parts
// core::serving_step_parts gives. Most steps continue the previous one (the same
// sequences in the same order, each a decode again or the next chunk of the same size):
// then only the attention parts' KV lengths change, and they are rewritten in place.
#include <cstdint>
#include <string>
#include <vector>

#include "core/model_spec.hpp"
#include "core/ops.hpp"
#include "core/parallel_config.hpp"
#include "core/serving_ops.hpp"
#include "schedulers/serving/engine_config.hpp"

namespace lcperf::schedulers::serving {

// Layers of pipeline stage `stage` of `pp` (an even split: pp divides the layers).
int stage_layers(int layers, int pp);

class StepOpBuilder {
 public:
  // `stage` of parallel.pp; the first stage embeds, the last one samples.
  StepOpBuilder(const core::ModelSpec& model, const core::ParallelConfig& parallel, const EngineConfig& config,
                int stage);

  // The op of step `step` for `seqs` (decodes first, then prefill chunks), preceded by
  // swap copies of the given bytes (0 = none). The reference stays valid until the next
  // call. An op with no parts means there is nothing to run.
  const core::KernelOp& build(std::int64_t step, const std::vector<core::ServingSeq>& seqs,
                              std::int64_t swap_out_bytes, std::int64_t swap_in_bytes);

 private:
  void rewrite_sparse(std::vector<core::OpPart>& parts) const;
  // Whether `seqs` continue the previous step's (same count, order, kinds and new tokens;
  // only contexts differ) with an op that takes new KV lengths in place.
  bool reusable(const std::vector<core::ServingSeq>& seqs, std::int64_t swap_out_bytes,
                std::int64_t swap_in_bytes) const;
  void advance_contexts(const std::vector<core::ServingSeq>& seqs);
  void remember(const std::vector<core::ServingSeq>& seqs, bool without_swaps);

  const core::ModelSpec& model_;
  const core::ParallelConfig& parallel_;
  const EngineConfig& config_;
  int layers_;
  bool first_;
  bool last_;
  core::KernelOp op_;
  // The previous step's piece sizes (swaps, prologue, layer, epilogue): parts at the same
  // positions are compared and only those that differ are replaced.
  struct Layout {
    std::size_t swaps = 0, prologue = 0, layer = 0, epilogue = 0;
    bool operator==(const Layout&) const = default;
  };
  Layout layout_;
  // The sequences the op was built for, whether it can take new KV lengths in place (no
  // swaps, no per-chunk long-context or sparse-weight parts), and where its prefill and
  // decode attention parts are (npos = none).
  std::vector<core::ServingSeq> seqs_;
  bool reusable_ = false;
  std::size_t prefill_at_ = 0;
  std::size_t decode_at_ = 0;
};

}  // namespace lcperf::schedulers::serving
