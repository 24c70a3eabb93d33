#pragma once
// Pipeline schedules as pure data: the ordered forward/backward steps one stage runs.
// The rank program walks this list; tests check its invariants without any runtime.
//
// With virtual stages (interleaved 1F1B) each pipeline rank holds v model chunks; a
// step names the chunk it runs. Virtual stage of chunk c on rank s is c * p + s.
#include <string>
#include <string_view>
#include <vector>

#include "core/scenario_options.hpp"

namespace lcperf::schedulers::training {

struct PipelineStep {
  enum class Kind { forward, backward };
  Kind kind = Kind::forward;
  int micro_batch = 0;
  int model_chunk = 0;  // 0 unless interleaved

  bool operator==(const PipelineStep&) const = default;
};

// GPipe: all m forwards, then all m backwards in the same order (Megatron's
// "no pipelining" order per stage, which is what GPipe's flush needs).
std::vector<PipelineStep> gpipe_schedule(int pp, int stage, int micro_batches);

// 1F1B (PipeDream-Flush): warm-up of min(p - stage - 1, m) forwards, then alternating
// one forward / one backward, then the remaining backwards. A stage never holds more
// than min(m, p - stage) micro-batches' activations.
std::vector<PipelineStep> one_f_one_b_schedule(int pp, int stage, int micro_batches);

// Interleaved 1F1B (Megatron-LM's virtual pipeline): micro-batches enter in groups of
// p, each rank alternating over its v chunks; warm-up of 2(p - stage - 1) + (v - 1)p
// forwards (capped at m*v). Needs m to be a multiple of p. Bubble (p-1)/(v*m + p-1).
std::vector<PipelineStep> interleaved_1f1b_schedule(int pp, int stage, int micro_batches, int virtual_stages);

// The scenario's schedule; only interleaved 1F1B takes virtual_stages > 1. Throws
// core::InputError for virtual stages that do not fit the schedule.
std::vector<PipelineStep> make_pipeline_schedule(core::PipelineSchedule schedule, int pp, int stage,
                                                 int micro_batches, int virtual_stages = 1);
// By name: "gpipe", "1f1b" or "interleaved_1f1b"; core::InputError for anything else.
std::vector<PipelineStep> make_pipeline_schedule(std::string_view name, int pp, int stage, int micro_batches,
                                                 int virtual_stages = 1);

// Most micro-batches forwarded but not yet backwarded at any point of the schedule.
int max_in_flight(const std::vector<PipelineStep>& steps);

// Compact text for decision logs: "F0 F1 B0 F2 B1 B2" ("F3.1" = micro-batch 3, chunk 1).
std::string to_string(const std::vector<PipelineStep>& steps);

}  // namespace lcperf::schedulers::training
