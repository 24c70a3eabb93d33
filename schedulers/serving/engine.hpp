#pragma once
// One serving instance's engine loop as a rank program on the seam (continuous
// batching with chunked prefill, paged KV cache and preemption; the policy itself is
// batch_scheduler.hpp).
//
// Each iteration: requests that have arrived by now join the waiting queue; the
// scheduler composes the step; KV block changes are mirrored as kv_cache tensors
// (allocate/release) so the runtime's memory tracker shows KV usage; the step runs as
// ONE KernelOp ("step N", category "serving") on the compute stream, whose parts are
// any swap copies followed by core::serving_step_parts; the caller waits for it, then
// tokens advance and finished requests free their blocks. With nothing to do the
// engine sleeps until the next arrival.
//
// Tensor parallelism: every TP rank of an instance runs the same deterministic loop
// (same decisions, same ops with its TP shard of the work), so no control messages
// are needed; with TP folding in the simulator only one rank runs.
//
// Pipeline parallelism (pp > 1, vLLM-style): the layers are split evenly over pp
// stages. The first stage runs the scheduler; each batch is announced to the other
// stages by a controller message (its sequences and the KV block changes), runs through
// the stages as activations sent p2p from stage to stage, and the last stage sends the
// sampled tokens back to the first. Up to pp batches are in flight at once, each with
// different requests (a request waits for its batch to return before it is scheduled
// again), so the pipeline stays full. Every stage holds the KV of its own layers for
// every running request, so one block table serves all stages.
//
// Results: the program writes into an EngineRecords object the caller owns (shared_ptr
// captured by the program). Only one rank per instance should get a non-null records
// pointer; the others mirror. This relies on the rank programs sharing the caller's
// address space, which holds for the simulator (actors in one process) and for the
// live backends (threads as devices).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/model_spec.hpp"
#include "core/parallel_config.hpp"
#include "core/runtime.hpp"
#include "schedulers/serving/engine_config.hpp"
#include "schedulers/serving/metrics.hpp"
#include "schedulers/serving/remote_kv.hpp"
#include "schedulers/serving/request_state.hpp"

namespace lcperf::schedulers::serving {

class PoolLink;

struct EnginePlan {
  core::ModelSpec model;
  core::ParallelConfig parallel;  // tp shards each step; pp stages split the layers; dp/cp are ignored
  EngineConfig config;
  std::vector<ServingRequest> requests;  // this instance's, in any order
  int instance = 0;
  // The instance's ranks are first_rank .. first_rank + tp*pp - 1: stage s holds ranks
  // first_rank + s*tp .. + tp - 1 (TP fastest, as Megatron orders them).
  int first_rank = 0;
  std::string routing_decision;  // logged as a "route" decision when not empty
  // A KV cache spread over instances (pp = 1 only); null = the instance holds its KV.
  // Shared with nothing else: the engine's rank calls it.
  std::shared_ptr<RemoteKv> remote_kv;
  // Disaggregated prefill/decode (disaggregation.hpp): this instance's side of the KV
  // hand-off; null = a whole instance. A decode instance's requests arrive from it.
  std::shared_ptr<PoolLink> pool_link;
};

struct StepRecord {
  std::int64_t index = 0;
  double start_s = 0;
  double end_s = 0;
  std::int64_t tokens = 0;
  int decodes = 0;
  int prefill_chunks = 0;
  int preemptions = 0;
  std::int64_t kv_blocks_used = 0;  // after the step's allocations
};

// The instance's state after one step, kept for every step (timeseries.csv): cheap
// enough for replays of millions of steps, unlike StepRecord.
struct EngineSample {
  double time_s = 0;              // the step's end
  std::int32_t running = 0;       // sequences the step ran
  std::int32_t waiting = 0;       // requests left in the waiting and swapped queues when it was composed
  std::int64_t kv_used_blocks = 0;  // device KV blocks in use at its end (its finished requests' freed)
};

struct EngineRecords {
  std::vector<RequestMetrics> requests;          // in the order of EnginePlan::requests
  std::vector<std::vector<double>> token_times_s;  // per request, when each token was sampled
  std::vector<StepRecord> steps;
  EngineCounters counters;
  // Inter-token latencies: for every token after a request's first, the time since its
  // previous one (both are ends of the steps that sampled them; on a decode instance of
  // a disaggregated pool, the first token counts from its KV's arrival). In sampling
  // order; requests below EngineConfig::first_measured_id are left out.
  std::vector<double> itl_s;
  std::vector<EngineSample> samples;  // one per step
  std::int64_t kv_total_blocks = 0;   // the instance's device KV blocks
  // Requests that ended here (finished, not handed to a decode instance, or rejected);
  // read while the run goes on, for its progress line.
  std::int64_t requests_ended = 0;
};

// Bytes of one KV block on one rank: block_size tokens of every layer of its pipeline
// stage (its TP shard of the KV heads).
std::int64_t kv_block_bytes(const core::ModelSpec& model, const core::ParallelConfig& parallel,
                            const EngineConfig& config);

// Throws InputError for a bad config or request list, a pp that does not divide the
// layers, or a KV budget that holds no block; `where` prefixes the message.
void validate_engine_plan(const EnginePlan& plan, const std::string& where);

// Validates the plan up front (throws InputError), then returns the program every rank
// of the instance runs: the rank's position (from Runtime::rank() and first_rank) makes
// it the scheduling first stage or a later stage. `records` may be null (a mirroring
// TP rank, a later stage); only the first stage's records are written.
core::RankProgram make_engine_program(EnginePlan plan, std::shared_ptr<EngineRecords> records);

}  // namespace lcperf::schedulers::serving
