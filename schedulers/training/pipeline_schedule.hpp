#pragma once
// Pipeline schedules as pure data: the ordered forward/backward steps one stage runs.
// The rank program walks this list; tests check its invariants without any runtime.
//
// Non-interleaved only (one model chunk per pipeline rank). Interleaved 1F1B
// (virtual_stages > 1) is not built yet: make_pipeline_schedule rejects it.
#include <string>
#include <string_view>
#include <vector>

namespace lcperf::schedulers::training {

struct PipelineStep {
  enum class Kind { forward, backward };
  Kind kind = Kind::forward;
  int micro_batch = 0;

  bool operator==(const PipelineStep&) const = default;
};

// GPipe: all m forwards, then all m backwards in the same order (Megatron's
// "no pipelining" order per stage, which is what GPipe's flush needs).
std::vector<PipelineStep> gpipe_schedule(int pp, int stage, int micro_batches);

// 1F1B (PipeDream-Flush): warm-up of min(p - stage - 1, m) forwards, then alternating
// one forward / one backward, then the remaining backwards. A stage never holds more
// than min(m, p - stage) micro-batches' activations.
std::vector<PipelineStep> one_f_one_b_schedule(int pp, int stage, int micro_batches);

// By name: "gpipe" or "1f1b". Throws core::InputError for anything else.
std::vector<PipelineStep> make_pipeline_schedule(std::string_view name, int pp, int stage, int micro_batches);

// Most micro-batches forwarded but not yet backwarded at any point of the schedule.
int max_in_flight(const std::vector<PipelineStep>& steps);

// Compact text for decision logs: "F0 F1 B0 F2 B1 B2".
std::string to_string(const std::vector<PipelineStep>& steps);

}  // namespace lcperf::schedulers::training
