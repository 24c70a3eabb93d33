#pragma once
// Disaggregated prefill and decode (Splitwise, DistServe, Mooncake): a pool of prefill
// instances computes each prompt's KV and samples the first token; a pool of decode
// instances generates the rest. The KV moves between them over the runtime's p2p sends
// (in the simulator: flows on the platform's links, NVLink inside a node, the NICs
// across nodes, contending with each other).
//
// Protocol, by controller messages on the seam (nothing shared but the decode load
// board, see DecodeBoard):
//   1. The prefill engine picks a decode instance (DecodePolicy) and offers it the
//      request: whole transfer, when the prefill has sampled the first token; layerwise,
//      when the prefill's last step starts. Its KV blocks stay held.
//   2. The decode engine reserves the prompt's blocks (FIFO over its offers, waiting
//      while its pool is full) and asks the prefill instance's KV agent to pull.
//   3. The agent (a rank on the prefill instance's GPU, so the engine never blocks on a
//      transfer) sends the KV to the decode engine: whole, all of it; layerwise, all but
//      the last layer's share at once and that share when the prefill engine says the
//      step has ended. One transfer at a time per prefill instance (its links).
//   4. When the KV has arrived, the agent tells the decode engine (the request decodes
//      from its next step on; its first token reaches the user now, so TTFT = prefill +
//      transfer) and the prefill engine (which frees the request's blocks).
//   5. A prefill engine that has handed everything off stops its agent and tells every
//      decode engine how many requests it sent there; a decode engine ends when every
//      prefill engine has and all of its requests have arrived and finished.
//
// The pools' engines are the ordinary engine (engine.hpp) with a PoolLink; only the
// first rank of an instance runs it (the other TP ranks' work is in the step op).
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/runtime.hpp"
#include "core/scenario_options.hpp"
#include "schedulers/serving/batch_scheduler.hpp"
#include "schedulers/serving/request_state.hpp"

namespace lcperf::schedulers::serving {

// The decode instances' KV load as the prefill engines' policy reads it (the view a
// cluster scheduler such as Mooncake's conductor keeps from the instances' reports).
// Decode engines report after every change; it is the only state the pools share, held
// in the caller's address space like EngineRecords and locked for live threads.
class DecodeBoard {
 public:
  DecodeBoard(std::vector<std::int64_t> pool_blocks, core::DecodePolicy policy);

  // A prefilled request of `blocks` blocks needs a decode instance: the policy's choice,
  // whose promised blocks grow by `blocks` until it reserves them.
  int choose(std::int64_t blocks);
  // Decode instance `instance` reserved `blocks` promised blocks and now holds `used`.
  void reserved(int instance, std::int64_t blocks, std::int64_t used);
  void report(int instance, std::int64_t used);

 private:
  std::mutex mutex_;
  core::DecodePolicy policy_;
  std::vector<std::int64_t> total_;
  std::vector<std::int64_t> used_;
  std::vector<std::int64_t> promised_;
  int next_ = 0;  // round robin
};

// Where everything is, shared by every link and agent of a run.
struct DisaggLayout {
  std::vector<ServingRequest> requests;  // all of them; a decode engine's slot = index here
  std::vector<int> prefill_rank;         // per prefill instance: its engine's (first) rank
  std::vector<int> agent_rank;           // per prefill instance: its KV agent's rank
  std::vector<int> decode_rank;          // per decode instance
  core::KvTransferMode transfer = core::KvTransferMode::whole;
  int layers = 1;
  // KV bytes per prompt token: of the whole model (all layers, all KV heads), as
  // reported; and as one flow carries it (the share of one GPU of the pool with fewer
  // GPUs per instance, whose GPUs' links move the KV in parallel).
  std::int64_t kv_bytes_per_token = 0;
  std::int64_t flow_bytes_per_token = 0;
  std::int64_t block_size_tokens = 16;
  std::shared_ptr<DecodeBoard> board;

  std::int64_t flow_bytes(std::size_t slot) const { return requests.at(slot).prompt_tokens * flow_bytes_per_token; }
};

// One KV transfer as the decode side saw it.
struct KvTransferRecord {
  std::int64_t id = 0;
  int prefill_instance = 0;
  std::int64_t bytes = 0;  // the prompt's KV, whole model
  double offered_s = 0;    // the offer reached the decode engine
  double reserved_s = 0;   // its blocks were reserved and the pull asked for
  double arrived_s = 0;    // the KV was all there
};

struct DisaggRecords {
  std::vector<KvTransferRecord> transfers;  // decode side, in arrival order
};

// The engine's side of the protocol (one per instance, in EnginePlan::pool_link).
class PoolLink {
 public:
  enum class Role { prefill, decode };
  // `slots`: prefill side, the layout index of each of the engine's requests (its plan's
  // order); decode side, empty (the engine's slots are the layout's). `records` may be
  // null (prefill side).
  PoolLink(std::shared_ptr<const DisaggLayout> layout, Role role, int instance, std::vector<std::size_t> slots,
           std::shared_ptr<DisaggRecords> records);

  Role role() const { return role_; }
  void configure(BatchScheduler& scheduler) const;

  // Prefill side, around each step.
  void step_started(core::Runtime& rt, const StepPlan& plan, const BatchScheduler& scheduler);
  void step_completed(core::Runtime& rt, const StepOutcome& outcome, const BatchScheduler& scheduler);

  // Handles the messages that have arrived (waiting for the first until `until` when
  // none has: pass now_s() not to wait, infinity to wait for one); block changes go
  // through `apply`. Decode side: also reserves what it can of its offers. Returns the
  // slots whose KV arrived.
  using ApplyKv = std::function<void(const std::vector<KvEvent>&)>;
  std::vector<std::size_t> poll(core::Runtime& rt, BatchScheduler& scheduler, const ApplyKv& apply, double until);

  // Whether the engine must go on for the protocol: prefill side, KV still leaving;
  // decode side, requests still to come.
  bool busy() const;
  // The engine has finished: stop the agent and tell the decode engines (prefill side).
  void finish(core::Runtime& rt);

 private:
  void offer(core::Runtime& rt, std::size_t local_slot);
  void handle(core::Runtime& rt, const core::Message& m, BatchScheduler& scheduler, const ApplyKv& apply,
              std::vector<std::size_t>& arrived);
  void reserve_offers(core::Runtime& rt, BatchScheduler& scheduler, const ApplyKv& apply);

  std::shared_ptr<const DisaggLayout> layout_;
  Role role_;
  int instance_;
  std::vector<std::size_t> slots_;
  std::shared_ptr<DisaggRecords> records_;
  // Prefill side.
  std::map<std::size_t, std::size_t> leaving_;  // layout slot -> local slot, KV not yet sent
  std::vector<std::int64_t> sent_to_;            // per decode instance: requests offered
  std::map<std::size_t, int> offered_to_;        // layout slot -> decode instance (layerwise: offered at step start)
  // Decode side.
  struct Offer {
    std::size_t slot = 0;
    int prefill = 0;
    double offered_s = 0;
  };
  std::deque<Offer> offers_;
  std::map<std::size_t, KvTransferRecord> in_transfer_;
  int stops_ = 0;
  std::int64_t expected_ = 0;
  std::int64_t arrived_ = 0;
};

// The KV agent of prefill instance `instance` (protocol steps 3 and 4).
core::RankProgram make_kv_agent_program(std::shared_ptr<const DisaggLayout> layout, int instance);

}  // namespace lcperf::schedulers::serving
