#include "runs/serving_breakdown.hpp"

#include <algorithm>
#include <variant>

#include "cost_models/op_cost.hpp"
#include "schedulers/serving/host_work.hpp"
#include "schedulers/serving/step_op.hpp"

namespace lcperf::runs {

namespace {

// The engine's own all-reduce over peer memory (TensorRT-LLM's and vLLM's custom
// kernels). One-shot: after a fixed latency (launch, one flag barrier, the reduction's
// tail) each rank reads the (ranks - 1) other shards, where NCCL's ring moves
// 2 (ranks - 1) / ranks of the bytes: ranks / 2 times NCCL's bandwidth term (NCCL's time
// less its zero-byte time). Two-shot (reduce-scatter then all-gather through peer
// memory): the ring's bytes after two barriers. The engine picks the fastest of these
// and NCCL, as its size thresholds do.
double custom_all_reduce_s(const cost::CostModel& model, const core::CollectiveShape& c, double latency_s,
                           double nccl_s) {
  core::CollectiveShape empty = c;
  empty.bytes = 0;
  const double bandwidth_s = std::max(0.0, nccl_s - model.time_s(core::OpPart{empty}));
  const double one_shot_s = latency_s + 0.5 * static_cast<double>(c.ranks) * bandwidth_s;
  const double two_shot_s = 2 * latency_s + bandwidth_s;
  return std::min({nccl_s, one_shot_s, two_shot_s});
}

}  // namespace

double serving_part_time_s(const cost::CostModel& model, const core::OpPart& part, const core::ServingStack& stack) {
  const double t = model.time_s(part);
  if (const auto* c = std::get_if<core::CollectiveShape>(&part)) {
    const bool custom = stack.custom_all_reduce_latency_s > 0 && c->kind == core::CollectiveKind::all_reduce &&
                        c->nodes == 1 && c->ranks > 1;
    return custom ? custom_all_reduce_s(model, *c, stack.custom_all_reduce_latency_s, t) : t;
  }
  const auto* attention = std::get_if<core::AttentionShape>(&part);
  if (attention != nullptr && attention->paged_decode && !stack.decode_attention_shares_kv &&
      attention->heads_kv < attention->heads_q) {
    // A kernel that does not share K/V across a GQA group reads it once per query head.
    core::AttentionShape per_query_head = *attention;
    per_query_head.heads_kv = attention->heads_q;
    return model.time_s(core::OpPart{per_query_head});
  }
  if (attention == nullptr || attention->paged_decode || attention->backward) return t;
  if (attention->dtype == core::DType::fp8 && !stack.prefill_attention_fp8) {
    core::AttentionShape sixteen_bit = *attention;
    sixteen_bit.dtype = core::DType::bf16;
    return model.time_s(core::OpPart{sixteen_bit}) * stack.prefill_attention_time_factor;
  }
  return t * stack.prefill_attention_time_factor;
}

StepBreakdown break_down_step(const core::Scenario& s, const cost::CostModel& model,
                              const schedulers::serving::EngineConfig& config,
                              const std::vector<core::ServingSeq>& seqs) {
  schedulers::serving::StepOpBuilder builder(s.model, s.parallel, config, 0);
  const core::KernelOp& compact = builder.build(0, seqs, 0, 0);
  const core::KernelOp op = core::expanded(compact);
  StepBreakdown b;
  for (const core::ServingSeq& seq : seqs) b.tokens += seq.q_tokens;
  b.seqs = static_cast<std::int64_t>(seqs.size());
  b.kernels = schedulers::serving::kernels_of(compact);
  for (const core::OpPart& part : op.parts) {
    const double t = serving_part_time_s(model, part, config.stack);
    const std::string_view cls = core::op_class_name(part);
    if (cls == "gemm" || cls == "spmm") {
      b.gemm_s += t;
    } else if (cls == "attention_fwd" || cls == "attention_decode" || cls == "attention_bwd") {
      b.attention_s += t;
    } else if (cls == "collective") {
      b.communication_s += t;
    } else {
      b.elementwise_s += t;
    }
    b.gpu_s += t;
  }
  const core::StepHostTime host =
      core::step_host_time(config.stack, schedulers::serving::step_host_shape(seqs, compact));
  const core::ExposedHostTime e = core::exposed_host_time(config.stack, host, b.gpu_s);
  b.host_before_s = e.before_s;
  b.host_launch_wait_s = e.launch_wait_s;
  b.host_after_s = e.after_s;
  b.step_s = b.gpu_s + e.before_s + e.launch_wait_s + e.after_s;
  return b;
}

namespace {

nlohmann::ordered_json to_json(const StepBreakdown& b) {
  return {{"seqs", b.seqs},
          {"tokens", b.tokens},
          {"kernels", b.kernels},
          {"gemm_s", b.gemm_s},
          {"attention_s", b.attention_s},
          {"elementwise_s", b.elementwise_s},
          {"communication_s", b.communication_s},
          {"gpu_s", b.gpu_s},
          {"host_before_s", b.host_before_s},
          {"host_launch_wait_s", b.host_launch_wait_s},
          {"host_after_s", b.host_after_s},
          {"step_s", b.step_s}};
}

}  // namespace

nlohmann::ordered_json step_breakdown_json(const core::Scenario& s, const cost::CostModel& model,
                                           const schedulers::serving::EngineConfig& config) {
  const core::FixedServingLoad& f = s.requests.fixed;
  std::vector<core::ServingSeq> decode(static_cast<std::size_t>(f.concurrency));
  for (core::ServingSeq& seq : decode) {
    seq.q_tokens = 1;
    seq.context_before = f.prompt_tokens + f.output_tokens / 2;
    seq.decode = true;
    seq.prompt_tokens = f.prompt_tokens;
  }
  core::ServingSeq first;
  first.q_tokens = config.chunked_prefill ? std::min(f.prompt_tokens, config.prefill_chunk_tokens) : f.prompt_tokens;
  first.q_tokens = std::min(first.q_tokens, config.max_num_batched_tokens);
  first.final_chunk = first.q_tokens == f.prompt_tokens;
  first.prompt_tokens = f.prompt_tokens;
  nlohmann::ordered_json j;
  j["decode"] = to_json(break_down_step(s, model, config, decode));
  j["prefill"] = to_json(break_down_step(s, model, config, {first}));
  return j;
}

}  // namespace lcperf::runs
