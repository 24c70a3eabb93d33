#pragma once
// Gradient buckets for data-parallel reduction overlapped with the backward pass.
//
// A model chunk's parameters come in units, each the parameters one backward op
// produces gradients for (the head, one layer, the embedding; or the whole chunk when
// the program launches one op per chunk). Walking the units in backward order, a bucket
// collects units until it holds at least `bucket_params` parameters, then closes: its
// reduction can start once the backward op of its last unit has run. A layer larger
// than a bucket is a bucket of its own (Megatron would split it into several buckets,
// all ready at the end of that layer's backward, which is when this one starts).
#include <cstdint>
#include <vector>

#include "core/model_spec.hpp"
#include "core/parallel_config.hpp"

namespace lcperf::schedulers::training {

struct GradBucket {
  std::int64_t params = 0;
  int first_unit = 0;  // units [first_unit, last_unit], in backward order
  int last_unit = 0;
};

// `unit_params` in backward order; every unit lands in exactly one bucket.
std::vector<GradBucket> make_grad_buckets(const std::vector<std::int64_t>& unit_params, std::int64_t bucket_params);

// Parameters per unit of one model chunk, in forward order: [embedding] layers...
// [head: final norm and LM head]. `per_layer` false gives one unit for the chunk. The
// units of all chunks of a stage add up to core::params_on_rank of the stage.
std::vector<std::int64_t> chunk_unit_params(const core::ModelSpec& model, const core::ParallelConfig& parallel,
                                            int pp_stage, int layers_in_chunk, bool has_embedding, bool has_head,
                                            bool per_layer);

}  // namespace lcperf::schedulers::training
