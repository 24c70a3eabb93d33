#include "runs/size_admission.hpp"

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "core/number_text.hpp"
#include "core/units.hpp"
#include "runs/data_parallel_fold.hpp"
#include "runs/training_run.hpp"

namespace lcperf::runs {

namespace {

// Measured on the smoke scenario (docs/contract.md, "Simulation budget"): a simulated
// actor costs its SimGrid context (a 64 KiB stack, sim/simulator.cpp) and the stream
// actors it starts; an event with its kept timeline and memory records about 700 bytes
// of resident memory (RSS grew 96 MB over 143k events).
constexpr double kBytesPerActor = 4 * 80.0 * 1024;
constexpr double kBytesPerEvent = 700;
// Events per micro-batch on one actor: 2.2 per layer of the stage (forward and
// backward kernels, the pipeline's messages) plus one, fitted on the smoke scenario at
// 512 micro-batches: 35.0 per actor and micro-batch at 16 layers, 3.0 at stage
// granularity.
constexpr double kTrainingEventsPerLayer = 2.2;
constexpr double kTrainingEventsPerMicroBatch = 1;
// Serving: events per generated token (the decode steps it takes part in, their
// kernels and wake-ups, per pipeline stage), per prefill piece and per request
// (arrival, placement, release). Measured on the shipped serving scenarios: 0.35 to
// 0.48 events per output token without DistKV (batched decoding shares a step), 2.3 to
// 5.2 with it (heartbeats, remote attention, block moves); the upper ends are used.
constexpr double kEventsPerOutputToken = 0.5;
constexpr double kDistKvEventsPerOutputToken = 5;
constexpr double kEventsPerPrefillPiece = 3;
constexpr double kEventsPerRequest = 10;

// Building the platform costs SimGrid a name lookup over the links made so far for
// every link it makes: quadratic in the simulated GPUs. Measured: 1,024 simulated GPUs
// took about 25 s of set-up, the time of about a million events; counted as such.
double platform_work(double simulated_gpus) { return simulated_gpus * simulated_gpus; }

std::string format_g(double value) { return core::number_text(value, 3); }

}  // namespace

SizeEstimate estimate_training_size(const core::Scenario& s) {
  const core::ParallelConfig& p = s.parallel;
  const int tp_fold = tensor_parallel_fold(s);
  const double fold = static_cast<double>(tp_fold) * data_parallel_fold(s, tp_fold);
  const double actors = static_cast<double>(p.world_size()) / fold;
  // Micro-batches per DP replica: the configured count, or what packing or chunking of
  // the sampled global batch makes of it.
  double units = p.num_micro_batches;
  if (s.workload.kind == core::WorkloadKind::dataset) {
    units = std::max(units, std::ceil(static_cast<double>(s.workload.global_batch) / p.dp));
  }
  if (s.strategy.name == core::Strategy::chunkflow && s.workload.kind == core::WorkloadKind::fixed_length) {
    units = std::max(units, std::ceil(static_cast<double>(s.workload.seq_len) / static_cast<double>(s.strategy.chunk_size)) *
                                p.num_micro_batches);
  }
  const double layers_per_stage =
      s.sim.granularity == core::Granularity::stage ? 1.0 : std::max(1.0, static_cast<double>(s.model.layers) / p.pp);
  SizeEstimate e;
  e.actors = actors;
  // The data-parallel gradient reduction is a ring: each of a group's dp members takes
  // part in 2 (dp - 1) steps, so the groups together make 2 (dp - 1) events per actor.
  const double gradient_ring = 2.0 * actors * (p.dp - 1);
  e.events = actors * units * (layers_per_stage * kTrainingEventsPerLayer + kTrainingEventsPerMicroBatch) +
             gradient_ring + platform_work(static_cast<double>(p.world_size()) / tp_fold);  // every GPU host is built
  // Training keeps its whole timeline (its metrics are read from it).
  e.memory_bytes = actors * kBytesPerActor + e.events * kBytesPerEvent;
  return e;
}

SizeEstimate estimate_serving_size(const core::Scenario& s,
                                   const std::vector<schedulers::serving::ServingRequest>& requests) {
  const double per_instance = s.parallel.tp * s.parallel.pp;
  const double fold = s.parallel.tp > 1 && s.cluster.gpus_per_node % s.parallel.tp == 0 ? s.parallel.tp : 1;
  const double instances = s.serving.instances;
  const bool distkv = s.serving.kv_policy == core::KvPolicy::distkv;
  // Every prompt is prefilled in pieces of at most max_num_batched_tokens (and the
  // prefill chunk); every output token takes part in a decode step.
  const double chunk = std::max<std::int64_t>(1, std::min(s.serving.max_num_batched_tokens,
                                                          s.serving.chunked_prefill ? s.serving.prefill_chunk_tokens
                                                                                    : s.serving.max_num_batched_tokens));
  double prefill_steps = 0, decode_tokens = 0;
  for (const auto& r : requests) {
    prefill_steps += std::ceil(static_cast<double>(r.prompt_tokens) / chunk);
    decode_tokens += static_cast<double>(r.output_tokens);
  }
  SizeEstimate e;
  e.actors = instances * per_instance / fold + (distkv ? instances + 1 : 0);  // engines' stages, agents, gManager
  const double per_token = distkv ? kDistKvEventsPerOutputToken : kEventsPerOutputToken;
  e.events = (decode_tokens * per_token + prefill_steps * kEventsPerPrefillPiece) * s.parallel.pp +
             static_cast<double>(requests.size()) * kEventsPerRequest + platform_work(instances * per_instance / fold);
  const double kept = std::min<double>(e.events, static_cast<double>(core::timeline_limit_of(s) > 0
                                                                          ? core::timeline_limit_of(s)
                                                                          : e.events));
  e.memory_bytes = e.actors * kBytesPerActor + kept * kBytesPerEvent + static_cast<double>(requests.size()) * 256;
  return e;
}

void admit_size(const core::Scenario& s, const SizeEstimate& e) {
  const double max_events = static_cast<double>(s.sim.max_events);
  const double max_bytes = s.sim.max_memory_gib * kGiB;
  const std::string size = "estimated " + format_g(e.events) + " events and " + format_g(e.memory_bytes / kGiB) +
                           " GiB of memory for " + format_g(e.actors) + " simulated actors";
  if (max_events > 0 && e.events > max_events) {
    throw core::InputError(s.name + ": too large to simulate: " + size + ", above the budget of sim.max_events = " +
                           format_g(max_events) + " (raise it, or 0 for no limit, with --set sim.max_events=N)");
  }
  if (max_bytes > 0 && e.memory_bytes > max_bytes) {
    throw core::InputError(s.name + ": too large to simulate: " + size + ", above the budget of sim.max_memory_gib = " +
                           format_g(s.sim.max_memory_gib) + " (raise it with --max-memory GIB, 0 for no limit)");
  }
}

}  // namespace lcperf::runs
