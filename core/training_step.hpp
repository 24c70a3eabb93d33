#pragma once
// What a training iteration does around the pipeline (the scenario's "training"
// section): how data-parallel gradients are reduced and parameters gathered, and the
// fixed per-iteration work before the optimizer step. Defaults follow Megatron-LM's
// command-line defaults (no overlap, reduction in fp32); NeMo's recipes turn the
// overlaps on. scenarios/README.md documents each key.
#include "core/dtype.hpp"

namespace lcperf::core {

struct TrainingStepSpec {
  // Reduce gradients in buckets, each launched as soon as the backward of the last
  // micro-batch has produced all of its gradients, on the communication stream while
  // the rest of the backward runs (Megatron's overlap_grad_reduce, PyTorch DDP). Off:
  // one reduction of all gradients after the pipeline has drained.
  bool overlap_grad_reduce = false;
  // Bucket size in MB (1e6 bytes) of the reduced gradients; a bucket holds whole layers
  // and closes once it reaches this size.
  double grad_bucket_mb = 40.0;
  // Data type gradients travel in (fp32 or bf16); the gradient buffer's memory is not
  // changed by it.
  DType grad_reduce_dtype = DType::fp32;
  // With the distributed optimizer: gather the updated parameters bucket by bucket
  // while the next iteration's forward runs, each layer's forward waiting for its
  // bucket (Megatron's overlap_param_gather); simulated in steady state at the start of
  // the iteration. Off: one all-gather after the optimizer step.
  bool overlap_param_gather = false;
  // Gradient clipping by global norm: a squared-norm reduction over the local
  // gradients, a one-float all-reduce over every rank, and a scaling of the gradients.
  bool clip_grad = false;
};

}  // namespace lcperf::core
