#pragma once
// A serving stack's host side: what the engine loop spends on the CPU around each step
// (scheduling, input preparation, sampling, output processing), how its kernels are
// launched (one by one from the host, or replayed as a CUDA graph) and whether that host
// work overlaps the GPU work of the step in flight (asynchronous scheduling). The numbers
// come from a stack profile file (cost_models/stacks/, read by cost_models/stack_profile);
// the engine (schedulers/serving/) turns them into host time on its timeline.
//
// "ideal" (all zero) is the kernels-only bound: the engine's CPU side takes no time.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace lcperf::core {

// How a step's kernels reach the GPU.
// - eager: every kernel is launched by the host one after the other; the GPU cannot run
//   ahead of the launches, so a step lasts at least kernels x kernel_launch_s.
// - graph_decode: steps that only decode replay a captured CUDA graph (one launch of
//   graph_launch_s); steps with prefill run eagerly (vLLM's default since v0.3).
// - graph_all: every step replays a graph (an engine that captures prefill too).
enum class KernelLaunch { eager, graph_decode, graph_all };
constexpr std::array<std::string_view, 3> option_names(KernelLaunch) { return {"eager", "graph_decode", "graph_all"}; }

// Which kernel runs prefill attention: a fused flash-style kernel (FlashAttention-2/3,
// FlashInfer, TensorRT-LLM's FMHA) at the device profile's attention efficiency, or an
// older memory-efficient/paged kernel (xformers-era), which takes
// prefill_attention_time_factor times as long.
enum class PrefillAttentionKernel { flash, xformers };
constexpr std::array<std::string_view, 2> option_names(PrefillAttentionKernel) { return {"flash", "xformers"}; }

struct ServingStack {
  std::string id = "ideal";
  // Host work per step, before the GPU work: a fixed part, then per scheduled sequence
  // (scheduler bookkeeping, block tables, per-sequence input tensors) and per token of
  // the step (input ids, positions, slot mappings built and copied to the GPU).
  double step_s = 0;
  double schedule_per_seq_s = 0;
  double prepare_per_seq_s = 0;
  double prepare_per_token_s = 0;
  // Host work per step, after the GPU work, per sequence that sampled a token: the
  // sampler's host side (logits processors, token selection bookkeeping) and output
  // processing (detokenisation, stop checks, the response object).
  double sample_per_seq_s = 0;
  double output_per_seq_s = 0;
  KernelLaunch launch = KernelLaunch::graph_all;
  double kernel_launch_s = 0;  // host time to launch one kernel eagerly
  double graph_launch_s = 0;   // host time to replay a step's CUDA graph
  // Host work of a step overlaps the GPU work of the step in flight (the next batch is
  // scheduled and the last one's outputs processed while the GPU computes).
  bool async_host = false;
  PrefillAttentionKernel prefill_attention = PrefillAttentionKernel::flash;
  double prefill_attention_time_factor = 1.0;  // applied to prefill attention kernels
  // Whether an FP8 model's prefill attention runs in FP8 (at the FP8 peak) or, as
  // engines without an FP8 context kernel do, in 16 bits.
  bool prefill_attention_fp8 = true;
  // Whether the decode (paged) attention kernel reads each KV head once for its group of
  // query heads (GQA-aware kernels: TensorRT-LLM's XQA, FlashInfer, vLLM's paged kernel)
  // or once per query head (TensorRT-LLM's masked MHA kernel before XQA, v0.6 and
  // earlier): then a GQA model's decode attention moves heads_q / heads_kv times the KV
  // bytes.
  bool decode_attention_shares_kv = true;
  // Fixed costs of one request outside the engine loop, paid once between the client
  // sending it and the engine seeing it: the HTTP/stream round trip, the frontend's
  // request handling and tokenisation (per prompt token), and the first token's way
  // back. They enter TTFT and e2e, never a step (the engine loop does not wait for them).
  double request_s = 0;
  double request_per_prompt_token_s = 0;
  // The engine's own small-message all-reduce (one-shot over peer memory, as
  // TensorRT-LLM's and vLLM's custom all-reduce kernels): 0 = every TP all-reduce is the
  // collective model's (NCCL's); > 0 = a single-node all-reduce costs the least of NCCL,
  // one-shot (this latency + ranks/2 x NCCL's bandwidth term: it reads (ranks - 1) x
  // bytes where a ring moves 2 (ranks - 1) / ranks x bytes) and two-shot (twice this
  // latency + NCCL's bandwidth term) (runs/serving_breakdown.cpp).
  double custom_all_reduce_latency_s = 0;

  bool takes_host_time() const;
  // What the request costs outside the engine (request_s + per prompt token).
  double request_overhead_s(std::int64_t prompt_tokens) const;
};

// What one engine step is, as far as its host side goes.
struct StepHostShape {
  std::int64_t seqs = 0;     // sequences scheduled
  std::int64_t tokens = 0;   // tokens in the forward pass
  std::int64_t sampled = 0;  // sequences that sample a token
  std::int64_t kernels = 0;  // kernels of the step's forward pass (every layer's)
  bool decode_only = false;
};

// A step's host times.
struct StepHostTime {
  double before_s = 0;  // scheduling and input preparation
  double after_s = 0;   // sampling and output processing
  double launch_s = 0;  // launching the step's kernels one by one (a graph's replay is in before_s)
};

StepHostTime step_host_time(const ServingStack& stack, const StepHostShape& step);

// The host time a step adds to its GPU work of `gpu_s`: with synchronous host work,
// before + max(0, launch - gpu) + after (the GPU waits for launches it has not got);
// with async_host, max(0, before + launch + after - gpu) (the host work hides behind
// the GPU work as far as it fits). All of it is on the engine's critical path.
struct ExposedHostTime {
  double before_s = 0;       // runs before the GPU work
  double launch_wait_s = 0;  // after it: launches the GPU waited for
  double after_s = 0;        // after it: sampling and output processing (async: all that shows)
};
ExposedHostTime exposed_host_time(const ServingStack& stack, const StepHostTime& host, double gpu_s);

}  // namespace lcperf::core
