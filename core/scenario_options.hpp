#pragma once
// The scenario options that are closed sets of names, as enums. The scenario loader
// reads each name once (core/scenario_loader.cpp); everything after it switches on the
// enum, and whatever prints an option (result.json, report.md, sweep outputs) prints
// to_string(value): the name exactly as the scenario file spells it.
//
// An enum's values count 0, 1, 2, ... in the order of its names, which is also the
// order the loader lists them in when a name is not one of them.
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>

namespace lcperf::core {

// Each enum comes with option_names(E): its values' names, indexed by value (found by
// argument-dependent lookup; the argument only picks the enum).

// $.kind
enum class ScenarioKind { training, serving };
constexpr std::array<std::string_view, 2> option_names(ScenarioKind) { return {"training", "serving"}; }

// $.workload.kind (training). fixed_length: micro-batches of equal sequences; dataset: a
// global batch sampled from a length distribution (scenario.hpp).
enum class WorkloadKind { fixed_length, dataset };
constexpr std::array<std::string_view, 2> option_names(WorkloadKind) { return {"fixed_length", "dataset"}; }

// $.strategy.name: the Megatron-LM baseline or ChunkFlow (runs/training_strategy.hpp).
enum class Strategy { megatron, chunkflow };
constexpr std::array<std::string_view, 2> option_names(Strategy) { return {"megatron", "chunkflow"}; }

// $.strategy.schedule (schedulers/training/pipeline_schedule.hpp).
enum class PipelineSchedule { one_f_one_b, gpipe, interleaved_1f1b };
constexpr std::array<std::string_view, 3> option_names(PipelineSchedule) {
  return {"1f1b", "gpipe", "interleaved_1f1b"};
}

// $.strategy.recompute: one of Megatron's recompute granularities for every layer
// (core::Recompute, layer_ops.hpp), or the memory planner choosing per stage
// (schedulers/training/planned_memory.hpp).
enum class RecomputePolicy { none, selective, full, planner };
constexpr std::array<std::string_view, 4> option_names(RecomputePolicy) {
  return {"none", "selective", "full", "planner"};
}

// $.sim.granularity: one activity per layer, or per micro-batch per pipeline stage.
enum class Granularity { layer, stage };
constexpr std::array<std::string_view, 2> option_names(Granularity) { return {"layer", "stage"}; }

// $.sim.communication: SimGrid flows on the platform's links, or no time at all.
enum class Communication { network, free };
constexpr std::array<std::string_view, 2> option_names(Communication) { return {"network", "free"}; }

// $.sim.engine: the discrete-event engine under the simulator (sim/event_engine.hpp):
// SimGrid (the reference) or lcperf's native engine (same flow model, faster).
enum class SimEngine { simgrid, native };
constexpr std::array<std::string_view, 2> option_names(SimEngine) { return {"simgrid", "native"}; }

// $.sim.fold_tensor_parallel: "auto" folds above a GPU count (runs/training_run.cpp).
enum class TensorParallelFolding { automatic, on, off };
constexpr std::array<std::string_view, 3> option_names(TensorParallelFolding) { return {"auto", "on", "off"}; }

// $.sim.fold_data_parallel: "auto" folds identical replicas above a GPU count, "on"
// whenever they are identical (runs/data_parallel_fold.hpp).
enum class DataParallelFolding { automatic, on, off };
constexpr std::array<std::string_view, 3> option_names(DataParallelFolding) { return {"auto", "on", "off"}; }

// $.serving.routing (schedulers/serving/router.hpp).
enum class RoutingPolicy { round_robin, least_outstanding_tokens, prefix_aware };
constexpr std::array<std::string_view, 3> option_names(RoutingPolicy) {
  return {"round_robin", "least_outstanding_tokens", "prefix_aware"};
}

// $.serving.preemption: what happens to a running request when the KV cache runs out
// of blocks.
// - recompute: its blocks are freed and it is requeued at the front of the waiting
//   queue; its generated tokens join its prompt and are prefilled again.
// - swap: its blocks are copied to host memory and back when room returns (requests
//   still in prefill are recomputed instead: they have sampled nothing yet, and
//   vLLM-style engines keep a whole prompt's blocks from admission anyway).
enum class PreemptionMode { recompute, swap };
constexpr std::array<std::string_view, 2> option_names(PreemptionMode) { return {"recompute", "swap"}; }

// $.serving.kv_policy: each instance holds its requests' KV itself, or DistKV-LLM.
enum class KvPolicy { local, distkv };
constexpr std::array<std::string_view, 2> option_names(KvPolicy) { return {"local", "distkv"}; }

// $.serving.disaggregation.transfer: when a prompt's KV leaves the prefill instance.
// - whole: all of it once the prefill has sampled the first token.
// - layerwise: streamed while the last prefill step runs (every layer but the last is
//   sent as the step starts, the last layer's share when it ends).
enum class KvTransferMode { whole, layerwise };
constexpr std::array<std::string_view, 2> option_names(KvTransferMode) { return {"whole", "layerwise"}; }

// $.serving.disaggregation.decode_policy: which decode instance takes a prefilled request.
// - least_kv: the one whose KV blocks (held plus promised) are the smallest fraction of its pool.
// - round_robin: in turn, in the order prefills finish.
enum class DecodePolicy { least_kv, round_robin };
constexpr std::array<std::string_view, 2> option_names(DecodePolicy) { return {"least_kv", "round_robin"}; }

// $.workload.kind (serving): requests from a trace, or a fixed-shape benchmark load.
enum class ServingWorkloadKind { trace, fixed };
constexpr std::array<std::string_view, 2> option_names(ServingWorkloadKind) { return {"trace", "fixed"}; }

// $.workload.start (serving, kind fixed): how the closed-loop client's C users begin.
// - staggered: the first C requests are a warm-up with outputs spread over 1..O tokens, so
//   the measured requests arrive evenly spread over the loop (an idealised steady state).
// - together: all C users send a full request at t = 0 and each sends its next one when the
//   previous ends, as a benchmark client's concurrency mode does (AIPerf/GenAI-Perf,
//   perf_analyzer); the first C are the warm-up left out of the metrics, and the order in
//   which the engine served that burst carries over into the measured requests.
enum class ClientStart { staggered, together };
constexpr std::array<std::string_view, 2> option_names(ClientStart) { return {"staggered", "together"}; }

// $.workload.format (serving): detected from the trace's content, or named.
enum class TraceFormat { detect, azure, mooncake, burstgpt };
constexpr std::array<std::string_view, 4> option_names(TraceFormat) { return {"", "azure", "mooncake", "burstgpt"}; }

// $.kernels (training; core/layer_kernels.hpp): how every transformer layer is run.
// attention: a fused FlashAttention-style kernel (FlashAttention-2, FlashAttention-3,
// cuDNN's fused SDPA), priced by the device profile's attention curves, or Megatron-LM's
// unfused core attention (score-matrix GEMM, fused scale-mask-softmax, attention
// dropout, PV GEMM).
enum class AttentionImpl { flash2, flash3, cudnn, unfused };
constexpr std::array<std::string_view, 4> option_names(AttentionImpl) {
  return {"flash2", "flash3", "cudnn", "unfused"};
}

// $.kernels.position_embedding: rotary on q and k in every layer, or a learned absolute
// position table added to the token embedding (GPT-2/GPT-3).
enum class PositionEmbedding { rotary, learned_absolute };
constexpr std::array<std::string_view, 2> option_names(PositionEmbedding) { return {"rotary", "learned_absolute"}; }

// $.kernels.gemm_precision: the transformer layers' linear GEMMs in the model's dtype,
// or in FP8 with TransformerEngine-style scaling (attention, the LM head and
// communication stay in the model's dtype).
enum class GemmPrecision { model, fp8 };
constexpr std::array<std::string_view, 2> option_names(GemmPrecision) { return {"model", "fp8"}; }

// $.kernels.fp8_recipe: delayed scaling (amax from the history, taken inside the cast
// kernel) or current (per-tensor) scaling (an amax pass over each tensor before its cast).
enum class Fp8Recipe { delayed, current };
constexpr std::array<std::string_view, 2> option_names(Fp8Recipe) { return {"delayed", "current"}; }

// $.kernels.wgrad_accumulation: the weight-gradient GEMMs write a fresh gradient in the
// GEMM's dtype, or add into an fp32 gradient buffer (Megatron's gradient-accumulation
// fusion into main_grad: the output is read and written in fp32).
enum class WgradAccumulation { none, fp32 };
constexpr std::array<std::string_view, 2> option_names(WgradAccumulation) { return {"none", "fp32"}; }

// $.kernels.cross_entropy: one fused pass over the bf16 logits, or Megatron-core's
// vocab-parallel cross-entropy without loss fusion (an fp32 copy of the logits, then max,
// subtract, exp, sum and divide as separate passes; its backward scales the saved fp32
// softmax and casts it back).
enum class CrossEntropyImpl { fused, unfused_fp32 };
constexpr std::array<std::string_view, 2> option_names(CrossEntropyImpl) { return {"fused", "unfused_fp32"}; }

// $.kernels.cp_attention: context-parallel attention as one call over the rank's chunks,
// or as TransformerEngine's ring (KV passed around the CP group): one attention call
// per ring step and the partial outputs and gradients merged after each.
enum class CpAttention { one_call, ring_steps };
constexpr std::array<std::string_view, 2> option_names(CpAttention) { return {"one_call", "ring_steps"}; }

template <class Option>
concept ScenarioOption = std::is_enum_v<Option> && requires(Option value) { option_names(value); };

// The option's name as scenario files spell it; "?" for a value outside the enum (no
// loaded scenario holds one, but code that checks its input may be handed one).
template <ScenarioOption Option>
constexpr std::string_view to_string(Option value) {
  const auto names = option_names(value);
  const auto index = static_cast<std::size_t>(value);
  return index < names.size() ? names[index] : "?";
}

// The value named `name`, or nullopt when it names none.
template <ScenarioOption Option>
constexpr std::optional<Option> parse_option(std::string_view name) {
  const auto names = option_names(Option{});
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<Option>(i);
  }
  return std::nullopt;
}

}  // namespace lcperf::core
