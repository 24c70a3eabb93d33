#include "core/serving_stack.hpp"

#include <algorithm>

namespace lcperf::core {

bool ServingStack::takes_host_time() const {
  return step_s > 0 || schedule_per_seq_s > 0 || prepare_per_seq_s > 0 || prepare_per_token_s > 0 ||
         sample_per_seq_s > 0 || output_per_seq_s > 0 || kernel_launch_s > 0 || graph_launch_s > 0;
}

double ServingStack::request_overhead_s(std::int64_t prompt_tokens) const {
  return request_s + request_per_prompt_token_s * static_cast<double>(prompt_tokens);
}

StepHostTime step_host_time(const ServingStack& stack, const StepHostShape& step) {
  StepHostTime t;
  const auto seqs = static_cast<double>(step.seqs);
  t.before_s = stack.step_s + (stack.schedule_per_seq_s + stack.prepare_per_seq_s) * seqs +
               stack.prepare_per_token_s * static_cast<double>(step.tokens);
  t.after_s = (stack.sample_per_seq_s + stack.output_per_seq_s) * static_cast<double>(step.sampled);
  const bool graph = stack.launch == KernelLaunch::graph_all ||
                     (stack.launch == KernelLaunch::graph_decode && step.decode_only);
  // A graph replay is one launch the GPU waits for; eager launches run alongside the
  // kernels they launch, the GPU trailing the host.
  if (graph) {
    t.before_s += stack.graph_launch_s;
  } else {
    t.launch_s = stack.kernel_launch_s * static_cast<double>(step.kernels);
  }
  return t;
}

ExposedHostTime exposed_host_time(const ServingStack& stack, const StepHostTime& host, double gpu_s) {
  ExposedHostTime e;
  if (stack.async_host) {
    e.after_s = std::max(0.0, host.before_s + host.launch_s + host.after_s - gpu_s);
    return e;
  }
  e.before_s = host.before_s;
  e.launch_wait_s = std::max(0.0, host.launch_s - gpu_s);
  e.after_s = host.after_s;
  return e;
}

}  // namespace lcperf::core
