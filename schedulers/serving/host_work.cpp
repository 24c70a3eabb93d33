#include "schedulers/serving/host_work.hpp"

namespace lcperf::schedulers::serving {

std::int64_t kernels_of(const core::KernelOp& op) {
  const auto parts = static_cast<std::int64_t>(op.parts.size());
  if (!op.repeats()) return parts;
  return parts + static_cast<std::int64_t>((op.repeat_count - 1) * op.repeat_period);
}

core::StepHostShape step_host_shape(const std::vector<core::ServingSeq>& seqs, const core::KernelOp& op) {
  core::StepHostShape shape;
  shape.seqs = static_cast<std::int64_t>(seqs.size());
  shape.decode_only = !seqs.empty();
  for (const core::ServingSeq& s : seqs) {
    shape.tokens += s.q_tokens;
    shape.sampled += s.samples_token() ? 1 : 0;
    shape.decode_only = shape.decode_only && s.decode;
  }
  shape.kernels = kernels_of(op);
  return shape;
}

HostWork::HostWork(const core::ServingStack& stack) : stack_(stack), active_(stack.takes_host_time()) {
  op_.category = "host";
}

void HostWork::host(core::Runtime& rt, const char* name, double seconds) {
  if (!(seconds > 0)) return;
  op_.name = name;
  op_.host_time_s = seconds;
  rt.wait(rt.launch(op_, core::kHostStream));
}

void HostWork::run_step(core::Runtime& rt, const core::KernelOp& op, const std::vector<core::ServingSeq>& seqs) {
  if (!active_) {
    if (!op.parts.empty()) rt.wait(rt.launch(op, core::kComputeStream));
    return;
  }
  const core::StepHostTime t = core::step_host_time(stack_, step_host_shape(seqs, op));
  if (!stack_.async_host) host(rt, "host: schedule + prepare inputs", t.before_s);
  const double started = rt.now_s();
  if (!op.parts.empty()) rt.wait(rt.launch(op, core::kComputeStream));
  const core::ExposedHostTime e = core::exposed_host_time(stack_, t, rt.now_s() - started);
  host(rt, "host: kernel launches ahead of the GPU", e.launch_wait_s);
  host(rt, stack_.async_host ? "host: step work not hidden by the GPU" : "host: sample + process outputs",
       e.after_s);
}

void HostWork::before_batch(core::Runtime& rt, const core::KernelOp& op, const std::vector<core::ServingSeq>& seqs) {
  if (!active_) return;
  const core::StepHostTime t = core::step_host_time(stack_, step_host_shape(seqs, op));
  host(rt, "host: schedule + prepare inputs", t.before_s);
}

void HostWork::after_batch(core::Runtime& rt, const std::vector<core::ServingSeq>& seqs) {
  if (!active_) return;
  core::StepHostShape shape;
  for (const core::ServingSeq& s : seqs) shape.sampled += s.samples_token() ? 1 : 0;
  host(rt, "host: sample + process outputs", core::step_host_time(stack_, shape).after_s);
}

}  // namespace lcperf::schedulers::serving
