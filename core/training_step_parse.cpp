#include "core/training_step_parse.hpp"

namespace lcperf::core {

TrainingStepSpec parse_training_step(ObjectReader r) {
  TrainingStepSpec t;
  t.overlap_grad_reduce = r.boolean_or("overlap_grad_reduce", t.overlap_grad_reduce);
  t.grad_bucket_mb = r.number_or("grad_bucket_mb", t.grad_bucket_mb, Range::positive().at_most(1e6));
  t.grad_reduce_dtype = *parse_dtype(r.choice_or("grad_reduce_dtype", std::string(to_string(t.grad_reduce_dtype)),
                                                 {"fp32", "bf16"}));
  t.overlap_param_gather = r.boolean_or("overlap_param_gather", t.overlap_param_gather);
  t.clip_grad = r.boolean_or("clip_grad", t.clip_grad);
  r.finish();
  return t;
}

}  // namespace lcperf::core
